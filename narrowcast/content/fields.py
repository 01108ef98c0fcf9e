"""Field types that read values as people write them, with Dutch messages when they can't.

Every YAML scalar reaches these validators as the text that was typed. The JSON Schema beside each
type describes what an editor sees (YAML 1.2: `12` is a number, `2026-07-01` and `8:30` are text).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEFAULT_TZ = "Europe/Amsterdam"


def _fail(message: str, **ctx: Any):
    raise PydanticCustomError("narrowcast", message, ctx)


def _text(value: Any) -> str:
    if value is None:
        _fail("dit veld is leeg; vul een waarde in")
    if not isinstance(value, str):
        _fail("hier hoort één waarde (tekst), geen lijst of blok")
    return value.strip()


def parse_slug(value: Any) -> str:
    text = _text(value)
    if not SLUG_RE.match(text):
        suggestion = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "mijn-dia"
        _fail("'{value}' is geen geldige id: gebruik kleine letters, cijfers en streepjes, bijvoorbeeld '{suggestion}'",
              value=text, suggestion=suggestion)
    return text


def _placeholder_alone(value: Any) -> str | None:
    """`highlight: {datum}` unquoted: YAML reads a flow mapping {datum: null}; it means the text '{datum}'."""
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if inner is None and isinstance(key, str) and re.fullmatch(r"\w+", key):
            return "{" + key + "}"
    return None


def parse_text(value: Any) -> str:
    if isinstance(value, (int, float)):  # pragma: no cover - the reader yields str only
        return str(value)
    if isinstance(value, dict):
        alone = _placeholder_alone(value)
        if alone is None:
            _fail("{problem}", problem="hier hoort één waarde (tekst), geen lijst of blok (begint de tekst "
                                       "met {, zet hem dan tussen aanhalingstekens: \"{datum} ...\")")
        return alone  # an unknown name is reported where the placeholders are checked, with a suggestion
    text = _text(value)
    if not text:
        _fail("deze tekst is leeg")
    _refuse_hidden(text)
    _refuse(long_word_problem(text))
    return text


# Invisible characters that change how *other* text is shown: bidi embeddings, overrides and
# isolates (U+202A-202E, U+2066-2069: "Trojan Source" reordering), the deprecated format controls
# (U+206A-206F), interlinear annotations (U+FFF9-FFFB: text a renderer may hide), tag characters
# (U+E0000-E007F: invisible text; allowed only in an emoji flag sequence) and control characters.
# Allowed: LRM/RLM (U+200E/200F) and the Arabic letter mark (U+061C), which right-to-left text
# needs around numbers and punctuation and which reorder nothing; ZWNJ/ZWJ (U+200C/200D: Persian,
# Arabic shaping, emoji); the soft hyphen (we add it ourselves); zero-width space and word joiner.
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u206f\ufff9-\ufffb\U000e0000-\U000e007f]")
_EMOJI_TAG_SEQUENCE = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")  # the flags of England, Scotland, Wales
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def hidden_character_problem(text: str) -> str | None:
    """Why text may not be shown as it is (an invisible character that reorders or hides text), or None."""
    clean = _EMOJI_TAG_SEQUENCE.sub("", text)
    match = _HIDDEN.search(clean)
    if match is None:
        return None
    before = _HIDDEN.sub("", clean[: match.start()])[-20:]
    kind = "het draait de leesrichting om" if _BIDI.match(match.group()) else "het kan tekst verbergen"
    where = f"na '{before}'" if before.strip() else "aan het begin"
    return (f"in deze tekst staat een onzichtbaar teken U+{ord(match.group()):04X} ({kind}), {where}; "
            "haal het weg, of typ de tekst opnieuw")


def _refuse_hidden(text: str) -> None:
    _refuse(hidden_character_problem(text))


def _refuse(problem: str | None) -> None:
    if problem:
        _fail("{problem}", problem=problem)  # as a value: braces in the text stay text


MAX_WORD = 80  # characters a line cannot break within: more fits no screen, and fitting it held the renderer up
# A run of characters a browser cannot break a line within: not a space, hyphen, soft hyphen or
# zero-width space, and not of a script broken anywhere (CJK, kana, hangul, Thai, Lao, Tibetan, Myanmar, Khmer).
_UNBREAKABLE = re.compile("[^\\s\\-\u00ad\u200b\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff\u2e80-\u9fff"
                          f"\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]{{{MAX_WORD + 1},}}")


def long_word_problem(text: str) -> str | None:
    """Why a text cannot be shown: a word longer than any line (MAX_WORD characters without a break), or None."""
    match = _UNBREAKABLE.search(text)
    if match is None:
        return None
    return (f"een woord van meer dan {MAX_WORD} tekens zonder spatie ('{match.group()[:20]}…') past op geen "
            "scherm; zet er spaties of streepjes in")


def parse_bool(value: Any) -> bool:
    words = {"ja": True, "nee": False, "yes": True, "no": False, "true": True, "false": False,
             "aan": True, "uit": False, "on": True, "off": False}
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text not in words:
        _fail("'{value}' is geen ja of nee; schrijf ja of nee", value=text)
    return words[text]


def parse_url(value: Any) -> str:
    text = _text(value)
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        _fail("'{value}' is geen webadres; een QR-link begint met https://", value=text)
    _refuse_hidden(text)  # the address is also shown as text beside the QR code
    return text


def web_origin(text: str) -> str | None:
    """'https://Borden.example.nl:443' -> 'https://borden.example.nl': scheme, host and port, the default
    port left out; None when it is no http(s) origin (a path, a query or a user name makes it none)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or parts.username is not None:
        return None
    scheme = parts.scheme.lower()
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname.lower()
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def parse_origin(value: Any) -> str:
    text = _text(value)
    origin = web_origin(text)
    if origin is None:
        _fail("'{value}' is geen herkomst; schrijf alleen schema, naam en eventueel poort, "
              "zoals https://borden.example.nl of http://10.0.0.5:8080", value=text)
    return origin


_RESOLUTION_RE = re.compile(r"^(\d{3,5})\s*[x×]\s*(\d{3,5})$")


def parse_resolution(value: Any) -> tuple[int, int]:
    text = _text(value)
    match = _RESOLUTION_RE.match(text.lower())
    if not match:
        _fail("'{value}' is geen schermmaat; schrijf breedte x hoogte, bijvoorbeeld 1920x1080", value=text)
    width, height = int(match[1]), int(match[2])
    if not (320 <= width <= 7680 and 320 <= height <= 7680):
        _fail("schermmaat {value} kan niet; kies tussen 320 en 7680 pixels", value=text)
    return width, height


def parse_timezone(value: Any) -> str:
    text = _text(value)
    try:
        ZoneInfo(text)
    except Exception:
        _fail("tijdzone '{value}' bestaat niet; gebruik bijvoorbeeld Europe/Amsterdam", value=text)
    return text


# --- dates and times -------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATETIME_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*(Z|[+-]\d{2}:?\d{2})?$")


def _tz(info: ValidationInfo | None) -> str:
    return ((info.context or {}).get("timezone") if info else None) or DEFAULT_TZ


# Moments far enough from the edges of Python's calendar (years 1-9999) that a day, a week or a
# horizon can be added or taken away; a year beyond them is a typing mistake, or meant "for ever".
MIN_YEAR, MAX_YEAR = 1900, 9000


def _build_date(y: str, m: str, d: str, text: str) -> date:
    if not MIN_YEAR <= int(y) <= MAX_YEAR:
        _fail("het jaar {year} kan niet; kies een jaar van {low} tot en met {high} (laat een einddatum weg "
              "als iets altijd blijft)", year=int(y), low=MIN_YEAR, high=MAX_YEAR)
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        _fail("datum '{value}' bestaat niet; kijk dag en maand na (jaar-maand-dag)", value=text)


def parse_moment(value: Any, tz_name: str = DEFAULT_TZ, *, end_of_day: bool = False) -> datetime:
    """A date or a date with time, as an aware datetime in the content folder's timezone.

    A date alone means the start of that day, or for an end (`valid_until`) the end of that whole
    day, which is the start of the next.
    """
    tz = ZoneInfo(tz_name)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    text = _text(value)
    if match := _DATE_RE.match(text):
        day = _build_date(*match.groups(), text)
        if end_of_day:
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=tz)
    if match := _DATETIME_RE.match(text):
        y, mo, d, h, mi, s, offset = match.groups()
        day = _build_date(y, mo, d, text)
        if int(h) > 23 or int(mi) > 59 or int(s or 0) > 59:
            _fail("tijd in '{value}' bestaat niet; schrijf uren:minuten, bijvoorbeeld 09:00", value=text)
        naive = datetime(day.year, day.month, day.day, int(h), int(mi), int(s or 0))
        if offset:
            iso = naive.isoformat() + ("+00:00" if offset == "Z" else offset[:3] + ":" + offset[-2:])
            try:
                return datetime.fromisoformat(iso)
            except ValueError:
                _fail("het tijdverschil in '{value}' kan niet; schrijf bijvoorbeeld +01:00", value=text)
        return naive.replace(tzinfo=tz)
    _fail("'{value}' is geen datum; schrijf jaar-maand-dag, bijvoorbeeld 2026-07-01 of 2026-07-01 09:00", value=text)


def local_time_note(moment: datetime) -> str | None:
    """What a clock time that does not exist, or exists twice, becomes (daylight saving); None if
    it is an ordinary time. Python takes the first of two and moves a missing one forward."""
    if not isinstance(moment.tzinfo, ZoneInfo):
        return None  # written with an offset: exact
    written = f"{moment:%Y-%m-%d %H:%M}"
    real = datetime.fromtimestamp(moment.timestamp(), moment.tzinfo)
    if real.replace(tzinfo=None) != moment.replace(tzinfo=None):
        return f"{written} bestaat niet (zomertijd); het wordt {real:%H:%M}"
    other = moment.replace(fold=1 - moment.fold)
    if other.utcoffset() != moment.utcoffset():
        later = max(moment.utcoffset(), other.utcoffset()) == moment.utcoffset()
        second = f"{written}{_offset_text(min(moment.utcoffset(), other.utcoffset()))}"
        return (f"{written} komt twee keer voor (de klok gaat terug); het wordt de "
                f"{'eerste keer, in zomertijd' if later else 'tweede keer, in wintertijd'}. "
                f"Bedoelt u de tweede keer, schrijf dan {second}")
    return None


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_start(value: Any, info: ValidationInfo) -> datetime:
    return parse_moment(value, _tz(info), end_of_day=False)


def parse_end(value: Any, info: ValidationInfo) -> datetime:
    return parse_moment(value, _tz(info), end_of_day=True)


_DAYS = {
    0: ("ma", "maandag", "mon", "monday"),
    1: ("di", "dinsdag", "tue", "tuesday"),
    2: ("wo", "woensdag", "wed", "wednesday"),
    3: ("do", "donderdag", "thu", "thursday"),
    4: ("vr", "vrijdag", "fri", "friday"),
    5: ("za", "zaterdag", "sat", "saturday"),
    6: ("zo", "zondag", "sun", "sunday"),
}
DAY_NAMES = tuple(_DAYS[day][0] for day in range(7))  # "ma" … "zo", as messages and tables write a weekday
_DAY_WORDS = {word: {day} for day, words in _DAYS.items() for word in words}
_DAY_WORDS |= {w: {0, 1, 2, 3, 4} for w in ("werkdagen", "weekdays", "doordeweeks")}
_DAY_WORDS |= {w: {5, 6} for w in ("weekend",)}
_DAY_WORDS |= {w: set(range(7)) for w in ("elke-dag", "alle-dagen", "every-day", "daily", "dagelijks")}


def _items(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part for part in re.split(r"[,\s]+", value.strip()) if part]
    if isinstance(value, list):
        return [_text(v) for v in value]
    _fail("schrijf een lijst, bijvoorbeeld [ma, di, wo]")


def parse_days(value: Any) -> frozenset[int]:
    """Weekdays as numbers (Monday 0), from Dutch or English names, lists or 'ma-vr' ranges."""
    days: set[int] = set()
    for word in _items(value):
        word = word.lower().rstrip(".")
        if "-" in word and word not in _DAY_WORDS:
            first, _, last = word.partition("-")
            if first in _DAY_WORDS and last in _DAY_WORDS and len(_DAY_WORDS[first]) == len(_DAY_WORDS[last]) == 1:
                a, b = min(_DAY_WORDS[first]), min(_DAY_WORDS[last])
                days |= {(a + i) % 7 for i in range((b - a) % 7 + 1)}
                continue
        if word not in _DAY_WORDS:
            _fail("'{value}' is geen dag; gebruik ma, di, wo, do, vr, za, zo (of werkdagen)", value=word)
        days |= _DAY_WORDS[word]
    if not days:
        _fail("noem minstens één dag")
    return frozenset(days)


_WINDOW_RE = re.compile(r"^(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})$")


def parse_hours(value: Any) -> tuple[tuple[time, time], ...]:
    """Time windows like '8:30-12:00'; an end before the start wraps past midnight."""
    windows = []
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list):
        _fail("schrijf tijden als '8:30-12:00' of als lijst van zulke tijden")
    for raw in texts:
        for text in _text(raw).split(","):
            text = text.strip()
            match = _WINDOW_RE.match(text)
            if not match:
                _fail("'{value}' is geen tijdvak; schrijf begin-eind, bijvoorbeeld 8:30-12:00", value=text)
            h1, m1, h2, m2 = map(int, match.groups())
            if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
                _fail("tijd in '{value}' bestaat niet; uren gaan van 0 tot 24", value=text)
            start, end = time(h1, m1), time(0) if h2 == 24 else time(h2, m2)
            if start == end and h2 != 24:
                _fail("tijdvak '{value}' begint en eindigt op hetzelfde moment", value=text)
            windows.append((start, end))
    return tuple(windows)


_EVERY_RE = re.compile(r"^(\d+)\s*(s|sec|seconden|seconde|m|min|minuut|minuten|u|uur)?$", re.I)
_EVERY_UNIT = {"s": 1, "sec": 1, "seconde": 1, "seconden": 1, "m": 60, "min": 60, "minuut": 60, "minuten": 60,
               "u": 3600, "uur": 3600}


def parse_every(value: Any) -> int:
    """How often a slide should come round, as seconds: `5m`, `90s`, `10 minuten`; a number alone is minutes."""
    text = _text(value)
    found = _EVERY_RE.match(text.replace(" ", ""))
    if not found:
        _fail("'{value}' is geen tijdsduur; schrijf bijvoorbeeld '5m' (elke 5 minuten) of '90s'", value=text)
    seconds = int(found[1]) * _EVERY_UNIT[(found[2] or "m").lower()]
    if not 30 <= seconds <= 3600:
        _fail("'{value}' kan niet: kies tussen 30 seconden en 1 uur, zoals '5m'", value=text)
    return seconds


# --- annotated types for the model ----------------------------------------------------------

_STR_SCHEMA = {"type": "string"}
Slug = Annotated[str, BeforeValidator(parse_slug), WithJsonSchema({"type": "string", "pattern": SLUG_RE.pattern})]
Text = Annotated[str, BeforeValidator(parse_text), WithJsonSchema({"type": "string", "minLength": 1})]
Url = Annotated[str, BeforeValidator(parse_url), WithJsonSchema({"type": "string", "pattern": "^[hH][tT][tT][pP][sS]?://"})]
WebOrigin = Annotated[str, BeforeValidator(parse_origin), WithJsonSchema(
    {"type": "string", "pattern": "^[hH][tT][tT][pP][sS]?://[^/]+/?$"})]
Bool = Annotated[bool, BeforeValidator(parse_bool), WithJsonSchema(
    {"anyOf": [{"type": "boolean"}, {"enum": ["ja", "nee", "yes", "no", "aan", "uit", "on", "off"]}]})]
_DATE_SCHEMA = {"type": "string", "pattern": r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?)?$",
                "description": "jaar-maand-dag, eventueel met tijd: 2026-07-01 of 2026-07-01 09:00"}
Start = Annotated[datetime, BeforeValidator(parse_start), WithJsonSchema(_DATE_SCHEMA)]
End = Annotated[datetime, BeforeValidator(parse_end), WithJsonSchema(_DATE_SCHEMA)]
_DAY_ENUM = sorted({w for w in _DAY_WORDS})
Days = Annotated[frozenset[int], BeforeValidator(parse_days), WithJsonSchema(
    {"anyOf": [{"type": "string"}, {"type": "array", "items": {"enum": _DAY_ENUM}}],
     "description": "dagen: [ma, di, wo, do, vr], 'ma-vr' of 'werkdagen'"})]
_HM = r"([01]?\d|2[0-4])[:.][0-5]\d"
_WINDOW_SCHEMA = {"type": "string", "pattern": rf"^{_HM}\s*[-–]\s*{_HM}(\s*,\s*{_HM}\s*[-–]\s*{_HM})*$"}
Hours = Annotated[tuple[tuple[time, time], ...], BeforeValidator(parse_hours), WithJsonSchema(
    {"anyOf": [_WINDOW_SCHEMA, {"type": "array", "items": _WINDOW_SCHEMA}],
     "description": "tijdvakken: '8:30-12:00' of ['8:30-12:00', '13:00-16:30']"})]
Resolution = Annotated[tuple[int, int], BeforeValidator(parse_resolution), WithJsonSchema(
    {"type": "string", "pattern": r"^\d{3,5}\s*[xX×]\s*\d{3,5}$", "examples": ["1920x1080", "1080x1920"]})]
Every = Annotated[int, BeforeValidator(parse_every), WithJsonSchema(
    {"type": "string", "pattern": r"^\d+\s*(s|sec|seconden?|m|min|minuut|minuten|u|uur)?$", "examples": ["5m", "90s"],
     "description": "komt minstens zo vaak langs: '5m' is elke 5 minuten"})]
Timezone = Annotated[str, BeforeValidator(parse_timezone), WithJsonSchema({"type": "string", "examples": [DEFAULT_TZ]})]
