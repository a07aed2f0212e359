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


def _percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100)
    return f"p50 {cuts[49] * 1000:.2f} ms, p99 {cuts[98] * 1000:.2f} ms"


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

    append_seconds = integrate_seconds = 0.0
    appended = 0
    while appended < entries:
        count = min(ROUND, entries - appended)
        started = time.perf_counter()
        for first in range(appended, appended + count, WRITER_TRANSACTION):
            last = min(first + WRITER_TRANSACTION, appended + count)
            with transaction.atomic():
                services.append_many("bench.record", ({"id": n, "value": n} for n in range(first, last)))
        append_seconds += time.perf_counter() - started
        started = time.perf_counter()
        sequencer.integrate_pending(settings.JILIANG_LEDGER_BATCH_SIZE)
        sequencer.sign_checkpoint()
        integrate_seconds += time.perf_counter() - started
        appended += count
        _progress(f"{appended:,} entries appended and integrated")
    started = time.perf_counter()
    for n in range(SINGLE_APPEND_SAMPLE):
        with transaction.atomic():
            services.append("bench.single", {"id": n})
    single_seconds = time.perf_counter() - started
    sequencer.publish()
    size = selectors.tree_head().size
    _progress("")
    print(f"  durable appends, {WRITER_TRANSACTION:,} per transaction: {entries / append_seconds:>10,.0f} entries/s")
    print(f"  durable appends, 1 per transaction:     {SINGLE_APPEND_SAMPLE / single_seconds:>10,.0f} entries/s")
    print(f"  integrated (sequencer, with checkpoints): {entries / integrate_seconds:>8,.0f} entries/s")

    rng = random.Random(1)
    inclusion = []
    for _ in range(PROOF_SAMPLES):
        index = rng.randrange(size)
        started = time.perf_counter()
        selectors.inclusion_proof(index, size)
        inclusion.append(time.perf_counter() - started)
    consistency = []
    for _ in range(PROOF_SAMPLES):
        old = rng.randrange(1, size)
        new = rng.randrange(old, size + 1)
        started = time.perf_counter()
        selectors.consistency_proof(old, new)
        consistency.append(time.perf_counter() - started)
    print(f"  inclusion proof at size {size:,}:   {_percentiles(inclusion)}")
    print(f"  consistency proof at size {size:,}: {_percentiles(consistency)}")

    started = time.perf_counter()
    report = auditor.audit_log(
        selectors.DatabaseLogSource(), settings.JILIANG_LEDGER_ORIGIN, log_keys().verifiers(),
        progress=lambda done, total: _progress(f"audit {done:,}/{total:,}"),
    )
    audit_seconds = time.perf_counter() - started
    _progress("")
    status = "clean" if report.ok else f"{len(report.problems)} problems"
    print(f"  full audit ({status}, {report.checkpoints} checkpoints): {report.size / audit_seconds:>10,.0f} entries/s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
