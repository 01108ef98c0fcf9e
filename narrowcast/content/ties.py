"""Moments tied to a law: `valid_from: wet <id>` (or `wet <id> + 7 dagen`) instead of a copied date.

The field type reads the words into a `LawTie`; content/lawfacts.py turns every tie into the law's
effective moment plus the offset once the laws are read, as a `TiedMoment`: a plain aware datetime
to the schedule, which still knows its law for the placeholders and the checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema

from .fields import _DATE_SCHEMA, SLUG_RE, _fail, parse_end, parse_start


@dataclass(frozen=True)
class LawTie:
    """A moment written as a law's date: the law's id and an offset in days."""

    law: str
    days: int = 0
    written: str = ""


class TiedMoment(datetime):
    """A moment taken from a law's date; compares and computes as the datetime it is.

    `tie` says how it was written and `law` is the Law it came from (None on datetimes derived from
    it by arithmetic or `astimezone`, which the schedule never needs to trace back).
    """

    tie: LawTie | None = None
    law: Any = None

    @classmethod
    def of(cls, moment: datetime, tie: LawTie, law) -> TiedMoment:
        made = cls(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
                   moment.microsecond, moment.tzinfo, fold=moment.fold)
        made.tie, made.law = tie, law
        return made

    def __reduce_ex__(self, protocol):  # datetime's own pickling drops the instance's attributes
        plain = datetime(self.year, self.month, self.day, self.hour, self.minute, self.second, self.microsecond,
                         self.tzinfo, fold=self.fold)
        return _restore, (plain, self.tie, self.law)


def _restore(moment: datetime, tie: LawTie | None, law) -> datetime:
    return TiedMoment.of(moment, tie, law) if tie is not None else moment


_TIE_RE = re.compile(r"^wet\s+(\S+?)(?:\s+([+-])\s*(\d{1,5})\s*(dag|dagen|d|week|weken|w))?$", re.I)
MAX_TIE_DAYS = 3650


def parse_tie(text: str) -> LawTie | None:
    """'wet <id> [+|- N dagen|weken]' as a LawTie; None when the text does not start with 'wet'."""
    if not re.match(r"^wet\b", text, re.I):
        return None
    match = _TIE_RE.match(text)
    if not match:
        _fail("'{value}' kan ik niet lezen; schrijf wet en de id van de wet, eventueel met een verschuiving: "
              "'wet participatiewet-in-balans-fase-3' of 'wet participatiewet-in-balans-fase-3 + 7 dagen'", value=text)
    ident, sign, number, unit = match.groups()
    if not SLUG_RE.match(ident):
        suggestion = re.sub(r"[^a-z0-9]+", "-", ident.lower()).strip("-") or "mijn-wet"
        _fail("'{value}' is geen geldige id van een wet; bedoelde u 'wet {suggestion}'?", value=ident, suggestion=suggestion)
    days = int(number or 0) * (7 if (unit or "d").lower().startswith("w") else 1) * (-1 if sign == "-" else 1)
    if abs(days) > MAX_TIE_DAYS:
        _fail("'{value}' schuift te ver; kies hoogstens {most} dagen voor of na de wet", value=text, most=MAX_TIE_DAYS)
    return LawTie(ident, days, " ".join(text.split()))


def parse_start_or_tie(value: Any, info: ValidationInfo) -> datetime | LawTie:
    tie = parse_tie(value.strip()) if isinstance(value, str) else None
    return tie or parse_start(value, info)


def parse_end_or_tie(value: Any, info: ValidationInfo) -> datetime | LawTie:
    tie = parse_tie(value.strip()) if isinstance(value, str) else None
    return tie or parse_end(value, info)


_TIE_SCHEMA = {"type": "string", "pattern": r"^wet\s+[a-z0-9]+(-[a-z0-9]+)*(\s+[+-]\s*\d+\s*(dag|dagen|d|week|weken|w))?$",
               "description": "de datum van een wet: 'wet <id>', eventueel met '+ 7 dagen' of '- 1 week'"}
StartOrTie = Annotated[datetime | LawTie, BeforeValidator(parse_start_or_tie), WithJsonSchema(
    {"anyOf": [_DATE_SCHEMA, _TIE_SCHEMA]})]
EndOrTie = Annotated[datetime | LawTie, BeforeValidator(parse_end_or_tie), WithJsonSchema(
    {"anyOf": [_DATE_SCHEMA, _TIE_SCHEMA]})]
