"""Proof of play: how often and how long each slide was shown on each screen, as CSV."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TextIO

from ..state.records import Records

COLUMNS = ("scherm", "item", "vertoningen", "seconden")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting so as a formula (OWASP)


def safe_cell(value):
    """Text a spreadsheet would read as a formula gets a leading quote; numbers stay numbers."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def write_report(records: Records, since: datetime, until: datetime, out: TextIO) -> int:
    """Rows per screen and item for plays that started in [since, until); returns the row count."""
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; and a CR inside a cell is then quoted, not a new row
    writer.writerow(COLUMNS)
    rows = records.play_counts(since, until)
    for (screen, item), (plays, seconds) in rows.items():
        writer.writerow(tuple(safe_cell(cell) for cell in (screen, item, plays, round(seconds, 1))))
    return len(rows)
