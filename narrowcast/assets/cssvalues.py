"""The CSS values a theme may set: colours, lengths, font names. Pure checks with Dutch messages.

Theme values are written into the slide's `<style>`, so anything that is not plainly a colour, a
length or a font name is refused: a value can then never close the style element, add a rule, or
make the slide fetch something (`url(...)`).
"""

from __future__ import annotations

import re

_HEX = re.compile(r"#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})", re.I)
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?"
_COLOUR_ARG = rf"{_NUMBER}(?:%|deg|grad|rad|turn)?"
_COLOUR_FUNCTION = re.compile(rf"(?:rgba?|hsla?)\(\s*{_COLOUR_ARG}(?:\s*[,/]?\s*{_COLOUR_ARG}){{2,3}}\s*\)", re.I)

# CSS Color Module Level 4, named colours, plus the two keywords a theme may reasonably use.
NAMED_COLOURS = frozenset("""
aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue blueviolet brown
burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson cyan darkblue darkcyan
darkgoldenrod darkgray darkgreen darkgrey darkkhaki darkmagenta darkolivegreen darkorange darkorchid darkred
darksalmon darkseagreen darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink
deepskyblue dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold
goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki lavender lavenderblush
lawngreen lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow lightgray lightgreen lightgrey
lightpink lightsalmon lightseagreen lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime
limegreen linen magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen
mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream mistyrose moccasin
navajowhite navy oldlace olive olivedrab orange orangered orchid palegoldenrod palegreen paleturquoise
palevioletred papayawhip peachpuff peru pink plum powderblue purple rebeccapurple red rosybrown royalblue
saddlebrown salmon sandybrown seagreen seashell sienna silver skyblue slateblue slategray slategrey snow
springgreen steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow yellowgreen
transparent currentcolor
""".split())

UNITS = frozenset("px em rem ex ch cap ic lh rlh vw vh vmin vmax vi vb svw svh lvw lvh dvw dvh cm mm q in pt pc %".split())
MATH_FUNCTIONS = frozenset({"calc", "min", "max", "clamp"})
_LENGTH_TOKEN = re.compile(rf"\s*(?:(?P<number>{_NUMBER})(?P<unit>[a-z]+|%)?|(?P<function>[a-z]+)\(|(?P<symbol>[-+*/(),]))", re.I)

GENERIC_FAMILIES = frozenset({"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "ui-serif",
                              "ui-sans-serif", "ui-monospace", "ui-rounded", "math", "emoji", "fangsong"})
_FAMILY = re.compile(r"[^\W_][\w .-]{0,99}")  # letters (any script), digits, spaces, '.', '-', '_'

COLOUR_HINT = 'schrijf bijvoorbeeld "#12304D", rgb(18 48 77) of een kleurnaam als navy'
LENGTH_HINT = "schrijf een getal met een eenheid, bijvoorbeeld 6vmin, 2.4rem of max(6.6vmin, 4vh)"


def colour_problem(value: str) -> str | None:
    """None for a CSS colour (#rgb(a), #rrggbb(aa), rgb()/hsl() with numbers, a named colour), else why not."""
    text = value.strip()
    if _HEX.fullmatch(text) or _COLOUR_FUNCTION.fullmatch(text) or text.lower() in NAMED_COLOURS:
        return None
    return f"'{_shown(text)}' is geen kleur; {COLOUR_HINT}"


def length_problem(value: str) -> str | None:
    """None for a number, a length (number + unit) or calc()/min()/max()/clamp() over those, else why not."""
    text = value.strip()
    tokens = _length_tokens(text)
    if tokens is None or not _LengthParser(tokens).complete():
        return f"'{_shown(text)}' is geen maat; {LENGTH_HINT}"
    return None


def family_problem(name: str) -> str | None:
    """None for a font family name that is safe to write in quotes (or a generic family), else why not."""
    if _FAMILY.fullmatch(name.strip()):
        return None
    return (f"'{_shown(name)}' is geen naam van een lettertype; gebruik letters, cijfers, spaties en streepjes, "
            "bijvoorbeeld NC Sans of sans-serif")


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _length_tokens(text: str) -> list[tuple[str, str]] | None:
    """(kind, text) pairs, or None when something is not a number, unit, math function or symbol."""
    tokens, at = [], 0
    while at < len(text):
        match = _LENGTH_TOKEN.match(text, at)
        if not match or match.end() == at:
            return None
        at = match.end()
        if match["number"] is not None:
            if match["unit"] and match["unit"].lower() not in UNITS:
                return None
            tokens.append(("value", match.group().strip()))
        elif match["function"]:
            if match["function"].lower() not in MATH_FUNCTIONS:
                return None
            tokens.append(("function", match["function"].lower()))
        else:
            tokens.append(("symbol", match["symbol"]))
    return tokens


class _LengthParser:
    """value := term; term := NUMBER | FUNCTION sum (',' sum)* ')'; sum := product (('+'|'-') product)*;
    product := operand (('*'|'/') operand)*; operand := term | '(' sum ')'. Commas and operators
    only inside a math function, as CSS has it."""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens, self.at = tokens, 0

    def complete(self) -> bool:
        return self._term(inside=False) and self.at == len(self.tokens)

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def _take(self, kind: str, text: str | None = None) -> bool:
        if self._peek()[0] == kind and (text is None or self._peek()[1] == text):
            self.at += 1
            return True
        return False

    def _term(self, inside: bool) -> bool:
        if self._take("value"):
            return True
        if self._take("function"):
            if not self._sum():
                return False
            while self._take("symbol", ","):
                if not self._sum():
                    return False
            return self._take("symbol", ")")
        if inside and self._take("symbol", "("):
            return self._sum() and self._take("symbol", ")")
        return False

    def _sum(self) -> bool:
        if not self._product():
            return False
        while self._peek() in (("symbol", "+"), ("symbol", "-")):
            self.at += 1
            if not self._product():
                return False
        return True

    def _product(self) -> bool:
        if not self._term(inside=True):
            return False
        while self._peek() in (("symbol", "*"), ("symbol", "/")):
            self.at += 1
            if not self._term(inside=True):
                return False
        return True
