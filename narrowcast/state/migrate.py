"""Moving the state database from SQLite to PostgreSQL: every table, in batches, counted after."""

from __future__ import annotations

from typing import Callable

from sqlalchemy import func, insert, select

from ..errors import NarrowcastError
from . import database as db

BATCH = 5_000


def copy_records(source_url: str, target_url: str, progress: Callable[[str], None] = lambda _: None
                 ) -> dict[str, tuple[int, int]]:
    """Copy each table of `source_url` into the empty tables of `target_url` in one transaction;
    returns table -> (rows in the source, rows in the target after). Refuses a target with rows."""
    source, target = db._new_engine(source_url), db._new_engine(target_url)
    try:
        db.upgrade(source)  # an older SQLite file gets the columns the tables have now
        db.upgrade(target)
        counts: dict[str, tuple[int, int]] = {}
        with source.connect() as reading, target.begin() as writing:
            filled = [name for name, table in db.TABLES.items()
                      if writing.execute(select(func.count()).select_from(table)).scalar_one()]
            if filled:
                raise NarrowcastError(f"de PostgreSQL-database heeft al gegevens in {', '.join(filled)}; er wordt niets "
                                      "overschreven. Gebruik een lege database")
            for name, table in db.TABLES.items():
                total = reading.execute(select(func.count()).select_from(table)).scalar_one()
                rows = reading.execute(select(table)).mappings()
                copied = 0
                while batch := rows.fetchmany(BATCH):
                    writing.execute(insert(table), [dict(row) for row in batch])
                    copied += len(batch)
                    progress(f"  {name}: {copied}/{total}")
                counts[name] = (total, 0)
            for name, table in db.TABLES.items():
                after = writing.execute(select(func.count()).select_from(table)).scalar_one()
                counts[name] = (counts[name][0], after)
            unequal = [name for name, (before, after) in counts.items() if before != after]
            if unequal:  # the transaction is rolled back: nothing half moved
                raise NarrowcastError(f"de tellingen verschillen voor {', '.join(unequal)}; er is niets overgezet")
        return counts
    finally:
        source.dispose()
        target.dispose()
