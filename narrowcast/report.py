"""Proof of play: how often and how long each slide was shown on each screen, as CSV."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TextIO

from .records import Records

COLUMNS = ("scherm", "item", "vertoningen", "seconden")


def write_report(records: Records, since: datetime, until: datetime, out: TextIO) -> int:
    """Rows per screen and item for plays that started in [since, until); returns the row count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = records.play_counts(since, until)
    for (screen, item), (plays, seconds) in rows.items():
        writer.writerow((screen, item, plays, round(seconds, 1)))
    return len(rows)
