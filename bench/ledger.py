"""Benchmark of the transparency log on the configured database (SQLite file or PostgreSQL).

    .venv/bin/python bench/ledger.py [--entries 1000000] [--keep]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/ledger.py

It builds a fresh log in a throw-away database (a temporary SQLite file, or a new PostgreSQL
database next to the one DATABASE_URL names), then prints:

* durable appends: entries committed per second by writers, 1,000 per transaction (an import)
  and one per transaction (a form save, sampled), and entries integrated per second by the
  sequencer (tiles, bundles, index and a signed checkpoint per round);
* inclusion and consistency proof latency, p50 and p99, read from the stored tiles;
* the full audit rate of `jiliang log verify` (every hash recomputed);
* the process's peak memory.

Each figure is given in wall-clock time and, in brackets, per second of this process's CPU time:
on a shared machine the second one shows what the code does when it gets the CPU (with SQLite it
includes the database engine, which runs in-process; with PostgreSQL the server's CPU is not in it).
"""

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROUND = 100_000  # entries appended, then integrated, per round: the pending queue stays small
WRITER_TRANSACTION = 1_000
SINGLE_APPEND_SAMPLE = 3_000
PROOF_SAMPLES = 2_000


def _fresh_database(keep: bool) -> tuple[str, callable]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        path = Path(tempfile.mkdtemp(prefix="jiliang-bench-")) / "ledger.sqlite3"
        return f"sqlite:///{path}", lambda: None if keep else path.unlink()
    import psycopg

    name = f"jiliang_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")

    def drop():
        if not keep:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE {name} WITH (FORCE)")

    return urlunparse(urlparse(url)._replace(path=f"/{name}")), drop


class Stopwatch:
    """Wall-clock and process CPU seconds of the code run inside ``with``, accumulated."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc_info) -> None:
        self.wall += time.perf_counter() - self._wall
        self.cpu += time.process_time() - self._cpu

    def rate(self, count: int) -> str:
        return f"{count / self.wall:>10,.0f} entries/s  ({count / self.cpu:,.0f} per CPU-second)"


def _percentiles(watches: list[Stopwatch]) -> str:
    wall = statistics.quantiles([w.wall for w in watches], n=100)
    cpu = statistics.quantiles([w.cpu for w in watches], n=100)
    return (f"p50 {wall[49] * 1000:.2f} ms, p99 {wall[98] * 1000:.2f} ms  "
            f"(CPU p50 {cpu[49] * 1000:.2f} ms, p99 {cpu[98] * 1000:.2f} ms)")


def _progress(message: str) -> None:
    sys.stderr.write(f"\r{message}\033[K")
    sys.stderr.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    options = parser.parse_args()

    database_url, drop_database = _fresh_database(options.keep)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("JILIANG_VAR_DIR", tempfile.mkdtemp(prefix="jiliang-bench-var-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
    os.environ.setdefault("JILIANG_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    try:
        run(options.entries)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database()


def run(entries: int) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    from jiliang.ledger import auditor, selectors, sequencer, services
    from jiliang.ledger.keys import log_keys

    call_command("migrate", "ledger", verbosity=0)  # the log needs no other app
    backend = f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else connection.pg_version}"
    print(f"transparency log benchmark: {entries:,} entries on {backend}")

    appending, integrating, single = Stopwatch(), Stopwatch(), Stopwatch()
    appended = 0
    while appended < entries:
        count = min(ROUND, entries - appended)
        with appending:
            for first in range(appended, appended + count, WRITER_TRANSACTION):
                last = min(first + WRITER_TRANSACTION, appended + count)
                with transaction.atomic():
                    services.append_many("bench.record", ({"id": n, "value": n} for n in range(first, last)))
        with integrating:
            sequencer.integrate_pending(settings.JILIANG_LEDGER_BATCH_SIZE)
            sequencer.sign_checkpoint()
        appended += count
        _progress(f"{appended:,} entries appended and integrated")
    with single:
        for n in range(SINGLE_APPEND_SAMPLE):
            with transaction.atomic():
                services.append("bench.single", {"id": n})
    sequencer.publish()
    size = selectors.tree_head().size
    _progress("")
    print(f"  durable appends, {WRITER_TRANSACTION:,} per transaction: {appending.rate(entries)}")
    print(f"  durable appends, 1 per transaction:       {single.rate(SINGLE_APPEND_SAMPLE)}")
    print(f"  integrated (sequencer, with checkpoints): {integrating.rate(entries)}")

    rng = random.Random(1)
    inclusion = []
    for _ in range(PROOF_SAMPLES):
        index = rng.randrange(size)
        with Stopwatch() as watch:
            selectors.inclusion_proof(index, size)
        inclusion.append(watch)
    consistency = []
    for _ in range(PROOF_SAMPLES):
        old = rng.randrange(1, size)
        new = rng.randrange(old, size + 1)
        with Stopwatch() as watch:
            selectors.consistency_proof(old, new)
        consistency.append(watch)
    print(f"  inclusion proof at size {size:,}:   {_percentiles(inclusion)}")
    print(f"  consistency proof at size {size:,}: {_percentiles(consistency)}")

    with Stopwatch() as auditing:
        report = auditor.audit_log(
            selectors.DatabaseLogSource(), settings.JILIANG_LEDGER_ORIGIN, log_keys().verifiers(),
            progress=lambda done, total: _progress(f"audit {done:,}/{total:,}"),
        )
    _progress("")
    status = "clean" if report.ok else f"{len(report.problems)} problems"
    print(f"  full audit ({status}, {report.checkpoints} checkpoints): {auditing.rate(report.size)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
