"""Urgent notices: `--until` as staff type it (17:00, 2u, a date), translations, and the end on the slide.

Every moment is passed in (`--at`, the server's manual clock); the wall clock is never read.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from click.testing import CliRunner

from narrowcast.commands.cli import cli
from narrowcast.content.load import load_site
from narrowcast.errors import ContentError, DamagedFile
from narrowcast.publish.urgent import NoticeError, create_notice, parse_translations, parse_until
from narrowcast.schedule.plan import live_items
from narrowcast.serve.dashboard import notice_request
from narrowcast.serve.health import BadBody
from narrowcast.state.files import Notice, load_notices, save_notices
from narrowcast.state.records import Records

from .liveserver import ManualClock, live_server
from .serving import free_port
from .test_build import browser
from .test_serve import fresh_copy, prebuilt  # noqa: F401  (fixture)

AMS = ZoneInfo("Europe/Amsterdam")
TZ = "Europe/Amsterdam"
TEXT = "Het Werkplein is vandaag dicht."
ENGLISH = "The office is closed today."


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), "urgent", *args])


def nothing_saved(root: Path) -> bool:
    path = root / ".state/urgent.json"
    return not path.exists() or json.loads(path.read_text(encoding="utf-8")) == []


# --- the command line --------------------------------------------------------------------------------

@browser
def test_until_a_clock_time_ends_the_notice_today_at_that_time(minimal: Path):
    result = run(minimal, TEXT, "--until", "17:00", "--at", "2026-11-23 10:00")
    assert result.exit_code == 0, result.output
    assert "tot 2026-11-23 17:00" in result.output
    [notice] = load_notices(minimal)
    assert notice.until == at("2026-11-23 17:00") and notice.until.utcoffset().total_seconds() == 3600
    assert notice.start == at("2026-11-23 10:00")


def test_a_clock_time_already_past_today_is_an_error_naming_until(minimal: Path):
    result = run(minimal, TEXT, "--until", "17:00", "--at", "2026-11-23 18:00")
    assert result.exit_code == 1
    assert "Fout: --until: 17:00 is vandaag al voorbij (het is nu 18:00)" in result.output, result.output
    assert '"2026-11-24 17:00"' in result.output, "says how to write tomorrow"
    assert "Traceback" not in result.output and nothing_saved(minimal)


@pytest.mark.parametrize("args, option, words", [
    (["--at", "10:00"], "--at", "geen datum"),
    (["--until", "morgen", "--at", "2026-11-23 10:00"], "--until", "geen tijd of datum"),
    (["--until", "25:00", "--at", "2026-11-23 10:00"], "--until", "bestaat niet"),
    (["--until", "0m", "--at", "2026-11-23 10:00"], "--until", "minstens 1 minuut"),
    (["--translation", "engels=Closed.", "--at", "2026-11-23 10:00"], "--translation", "'engels' is geen taalcode"),
    (["--translation", "EN=Closed.", "--at", "2026-11-23 10:00"], "--translation", "'EN' is geen taalcode"),
    (["--translation", "Closed today", "--at", "2026-11-23 10:00"], "--translation", "heeft geen taal"),
    (["--translation", "nl=Dicht.", "--at", "2026-11-23 10:00"], "--translation", "eigen taal"),
    (["--translation", "en=Closed.", "--translation", "en=Shut.", "--at", "2026-11-23 10:00"], "--translation", "twee keer"),
    (["--translation", "en=Closed\u202e today.", "--at", "2026-11-23 10:00"], "--translation", "U+202E"),
    (["--screens", "kelder", "--at", "2026-11-23 10:00"], "--screens", "onbekend scherm"),
    (["--icon", "bestaat-niet", "--at", "2026-11-23 10:00"], "--icon", "bestaat niet"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_each_options_mistake_names_that_option(minimal: Path, args: list[str], option: str, words: str):
    result = run(minimal, TEXT, *args)
    assert result.exit_code == 1, result.output
    assert f"Fout: {option}: " in result.output and words in result.output, result.output
    assert "Traceback" not in result.output and nothing_saved(minimal)


@browser
def test_a_translation_is_saved_loaded_and_played_in_its_language(minimal: Path):
    result = run(minimal, TEXT, "--until", "17:00", "--translation", f"en = {ENGLISH}", "--at", "2026-11-23 10:00")
    assert result.exit_code == 0, result.output
    assert "(ook in: en)" in result.output
    saved = json.loads((minimal / ".state/urgent.json").read_text(encoding="utf-8"))
    assert saved[0]["translations"] == {"en": ENGLISH}
    [notice] = load_notices(minimal)
    assert notice.translations == (("en", ENGLISH),)
    site, _ = load_site(minimal)
    live = live_items(site, site.config.screens[0], at("2026-11-23 12:00"), [notice])
    assert [(e.item_id, e.lang, e.title) for e in live] == [(notice.id, "nl", TEXT), (f"{notice.id}.en", "en", ENGLISH)]
    assert live[0].slide.highlight == "tot 17:00"
    assert live[1].slide.translations["en"].highlight == "10:00 – 17:00"
    manifest = json.loads((minimal / "output/screens/hal/manifest.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in manifest["items"]][:2] == [notice.id, f"{notice.id}.en"], "the slide comes back at 17:00"


def test_a_translation_with_a_sentence_too_long_is_refused_like_the_dutch(minimal: Path):
    long = "Please note that the office is closed today because of a power cut in the whole building and street."
    with pytest.raises(ContentError) as refused:
        create_notice(minimal, TEXT, at("2026-11-23 10:00"), translations={"en": long})
    assert "vertaling en: deze zin heeft 19 woorden" in str(refused.value)
    assert nothing_saved(minimal)
    officialese = create_notice(minimal, TEXT, at("2026-11-23 10:00"), translations={"en": "Closed in lieu of the holiday."})
    assert officialese.translations == (("en", "Closed in lieu of the holiday."),), "the Dutch word lists are for Dutch"


# --- --until, pure -----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, now, ends", [
    ("17:00", "2026-11-23 10:00", "2026-11-23 17:00"),
    ("9.30", "2026-11-23 08:00", "2026-11-23 09:30"),
    ("2u", "2026-11-23 10:00", "2026-11-23 12:00"),
    ("90m", "2026-11-23 10:00", "2026-11-23 11:30"),
    ("1u30m", "2026-11-23 10:00", "2026-11-23 11:30"),
    ("2 uur", "2026-11-23 10:00", "2026-11-23 12:00"),
    ("45 minuten", "2026-11-23 10:00", "2026-11-23 10:45"),
    ("2026-11-25", "2026-11-23 10:00", "2026-11-26 00:00"),  # a date alone: to the end of that day
    ("2026-11-25 17:00", "2026-11-23 10:00", "2026-11-25 17:00"),
    ("1u", "2027-03-28 01:30", "2027-03-28 03:30"),  # one real hour: the clock jumps from 2 to 3
])
def test_until_takes_a_time_today_a_duration_or_a_date(typed: str, now: str, ends: str):
    moment, note = parse_until(typed, at(now), TZ)
    assert moment == at(ends) and note is None
    assert moment.utcoffset() == at(ends).utcoffset()


def test_a_clock_time_summer_time_skips_becomes_the_real_time_with_a_note():
    moment, note = parse_until("02:30", at("2027-03-28 01:00"), TZ)
    assert f"{moment:%H:%M}" == "03:30" and moment.timestamp() == at("2027-03-28 03:30").timestamp()
    assert note == "2027-03-28 02:30 bestaat niet (zomertijd); het wordt 03:30"


def test_mistakes_in_until_and_translations_say_which_field():
    with pytest.raises(NoticeError) as past:
        parse_until("9:00", at("2026-11-23 10:00"), TZ)
    assert past.value.field == "until" and str(past.value).startswith("--until: 09:00 is vandaag al voorbij")
    with pytest.raises(NoticeError) as year:
        parse_until("9999-12-31 23:59", at("2026-11-23 10:00"), TZ)
    assert "kies een jaar van 1900 tot en met 9000" in str(year.value)
    with pytest.raises(NoticeError) as no_lang:
        parse_translations(["=The office is closed."])
    assert no_lang.value.field == "translations" and str(no_lang.value).startswith("--translation: ")
    assert parse_translations(["en=a = b", " ar =مغلق"]) == {"en": "a = b", "ar": "مغلق"}


# --- the end on the slide ----------------------------------------------------------------------------

@pytest.mark.parametrize("start, until, words, digits", [
    ("2026-11-23 10:00", "2026-11-23 17:00", "tot 17:00", "10:00 – 17:00"),
    ("2026-11-23 10:00", "2026-12-03 17:00", "tot do 3 dec 17:00", "23-11 10:00 – 3-12 17:00"),
    ("2026-11-23 10:00", "2026-11-24 00:00", "tot en met vandaag", "10:00 – 24:00"),
    ("2026-11-23 10:00", "2026-12-03 00:00", "tot en met wo 2 dec", "23-11 10:00 – 2-12 24:00"),
    ("2026-11-23 23:30", "2026-11-24 00:30", "tot di 24 nov 00:30", "23-11 23:30 – 24-11 00:30"),
])
def test_the_notice_slide_says_until_when(start: str, until: str, words: str, digits: str):
    notice = Notice("melding-1", TEXT, at(start), at(until))
    assert notice.end_words(AMS) == words
    assert notice.end_digits(AMS) == digits


# --- .state/urgent.json ------------------------------------------------------------------------------

def test_translations_are_saved_and_older_files_still_load(minimal: Path):
    notice = Notice("melding-1", TEXT, at("2026-11-23 10:00"), at("2026-11-23 17:00"), translations=(("en", ENGLISH),))
    save_notices(minimal, [notice])
    assert load_notices(minimal) == [notice]
    path = minimal / ".state/urgent.json"
    for older in ({}, {"translations": []}):  # before translations; as the previous version wrote none
        raw = {"id": "melding-1", "text": TEXT, "start": "2026-11-23T10:00:00+01:00", "until": "2026-11-23T17:00:00+01:00"}
        path.write_text(json.dumps([{**raw, **older}], indent=1), encoding="utf-8")
        assert load_notices(minimal)[0].translations == ()


@pytest.mark.parametrize("translations, problem", [
    ("en", "'translations' hoort een blok"),
    ({"en": 5}, "'translations' hoort een blok"),
    ({"Engels": "Closed."}, "'Engels' is geen taalcode"),
    ({"en": " "}, "de tekst in 'en' is leeg"),
    ({"en": "Closed\u202e."}, "U+202E"),
])
def test_damaged_translations_in_the_file_are_named(minimal: Path, translations, problem: str):
    raw = {"id": "melding-1", "text": TEXT, "start": "2026-11-23T10:00:00+01:00", "until": "2026-11-23T17:00:00+01:00",
           "translations": translations}
    (minimal / ".state").mkdir()
    (minimal / ".state/urgent.json").write_text(json.dumps([raw], indent=1), encoding="utf-8")
    with pytest.raises(DamagedFile) as damaged:
        load_notices(minimal)
    assert problem in str(damaged.value) and "regel 2" in str(damaged.value)


# --- POST /api/urgent ----------------------------------------------------------------------------------

def test_the_api_body_takes_until_and_translations():
    asked = notice_request({"text": TEXT, "until": "17:00", "translations": {"en": ENGLISH}})
    assert (asked.text, asked.screens, asked.icon, asked.until, asked.translations) == \
        (TEXT, [], "informatie", "17:00", {"en": ENGLISH})
    for body in ({"text": TEXT, "until": 17}, {"text": TEXT, "translations": ["en", ENGLISH]},
                 {"text": TEXT, "translations": {"en": 5}}):
        with pytest.raises(BadBody):
            notice_request(body)


@browser
def test_a_script_publishes_a_notice_with_an_end_time_and_a_translation(prebuilt, tmp_path):  # noqa: F811
    root = fresh_copy(prebuilt, tmp_path)
    Records(root).set_user("anne", "een-lang-wachtwoord", at("2026-11-23 10:00"), "eindredacteur")
    clock = ManualClock(at("2026-11-23 10:00"))
    with live_server(root, clock, free_port()) as (base, server):
        bearer = {"Authorization": "Bearer " + server.records.new_token("anne", clock())}
        late = httpx.post(base + "/api/urgent", json={"text": TEXT, "until": "9:00"}, headers=bearer, timeout=60)
        assert late.status_code == 422 and late.json()["field"] == "until", late.text
        assert late.json()["error"].startswith("until: 09:00 is vandaag al voorbij")
        wrong = httpx.post(base + "/api/urgent", json={"text": TEXT, "translations": {"EN": ENGLISH}}, headers=bearer,
                           timeout=60)
        assert wrong.status_code == 422 and wrong.json()["field"] == "translations", wrong.text
        assert load_notices(root) == []
        made = httpx.post(base + "/api/urgent", json={"text": TEXT, "until": "17:00", "translations": {"en": ENGLISH}},
                          headers=bearer, timeout=120)
        assert made.status_code == 200, made.text
        assert made.json()["translations"] == {"en": ENGLISH}
        [notice] = load_notices(root)
        assert notice.until == at("2026-11-23 17:00") and notice.translations == (("en", ENGLISH),)
        listed = httpx.get(base + "/api/dashboard", headers=bearer, timeout=30).json()["notices"]
        assert listed[0]["translations"] == {"en": ENGLISH}, "the dashboard lists the notice's languages"


def test_an_arabic_translation_counts_its_words_as_arabic_readers_do(minimal: Path):
    # 14 words; the Dutch word counter split "شكرًا" and "غدًا" at their vowel marks and made it 19 (an error)
    arabic = "المكتب مغلق اليوم أيضًا، شكرًا جدًا، ونرجو منكم العودة غدًا صباحًا أو الاتصال بنا هاتفيًا."
    notice = create_notice(minimal, TEXT, at("2026-11-23 10:00"), translations={"ar": arabic})
    assert dict(notice.translations) == {"ar": arabic}


@pytest.mark.parametrize("typed, words", [("9999u", "later dan 2026-11-30"), ("2062-11-23", "later dan 2026-11-30"),
                                          ("", "is leeg")])
def test_until_refuses_a_notice_longer_than_a_week_or_an_empty_value(typed: str, words: str):
    with pytest.raises(NoticeError) as refused:
        parse_until(typed, at("2026-11-23 10:00"), "Europe/Amsterdam")
    assert refused.value.field == "until" and words in str(refused.value), str(refused.value)
    assert parse_until("2026-11-30", at("2026-11-23 10:00"), "Europe/Amsterdam")[0] == at("2026-12-01 00:00")


def test_a_notice_with_the_id_of_a_slide_plays_once_and_the_slide_gives_way(minimal: Path):
    site, _ = load_site(minimal)
    notice = Notice(id="wijzigingen-doorgeven", text=TEXT, start=at("2026-11-23 09:00"), until=at("2026-11-23 17:00"))
    ids = [e.item_id for e in live_items(site, site.config.screens[0], at("2026-11-23 10:00"), [notice])]
    assert ids == ["wijzigingen-doorgeven"] and live_items(site, site.config.screens[0], at("2026-11-23 10:00"),
                                                            [notice])[0].interrupt
