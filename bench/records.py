"""The state database's everyday operations, one at a time as the server calls them: a screen's
heartbeat (a write), a session check (a read on every staff page) and a screen key check (a read on
every screen write). SQLite opens the file for each operation (state/database.py says why); this
prints what that costs, then the same against a throw-away PostgreSQL on this machine (as the tests
make one; skipped when PostgreSQL is not installed) or the one given with --database.

    python bench/records.py [--runs 500] [--database postgresql://user@host/db]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from narrowcast.state.records import Heartbeat, Records  # noqa: E402
from tests.pgcluster import ThrowawayPostgres, binaries  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


def timed(operation, runs: int) -> tuple[float, float]:
    """(median, p90) in milliseconds."""
    operation()  # the first: schema read, caches
    spent = []
    for _ in range(runs):
        started = time.perf_counter()
        operation()
        spent.append((time.perf_counter() - started) * 1000)
    spent.sort()
    return statistics.median(spent), spent[int(len(spent) * 0.9)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--database", help="a PostgreSQL address instead of a throw-away one")
    args = parser.parse_args()
    print(f"$ {' '.join([os.path.basename(sys.executable), *sys.argv])}")
    print(f"cores: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    measure(None, args.runs)
    if args.database:
        measure(args.database, args.runs)
    elif binaries() is not None:
        with ThrowawayPostgres() as postgres:
            measure(postgres.new_database("bench"), args.runs)
    else:
        print("PostgreSQL: not installed here (apt-get install -y postgresql), skipped")


def measure(url: str | None, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        records = Records(Path(folder), url)
        try:
            records.set_user("anna", "een lang wachtwoord", NOW)
            token = records.new_session("anna", NOW)
            beat = Heartbeat("hal", NOW, "v1", "een", "1920x1080", "bench", 0)
            print(f"database: {'PostgreSQL' if records.postgresql else 'SQLite'}, {runs} runs each")
            for name, operation in (("heartbeat (write)", lambda: records.add_heartbeat(beat)),
                                    ("session check (read)", lambda: records.session_user(token, NOW)),
                                    ("screen key check (read)", lambda: records.screen_key_ok("hal", None))):
                median, p90 = timed(operation, runs)
                print(f"  {name:<24} median {median:6.2f} ms   p90 {p90:6.2f} ms")
        finally:
            records.close()

if __name__ == "__main__":
    main()
