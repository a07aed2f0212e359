"""Benchmark of the transparency log on the configured database (SQLite file or PostgreSQL).

    .venv/bin/python bench/ledger.py [--entries 1000000] [--appends 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/ledger.py

    # large logs: load once at low priority, then measure (again and again) under the bench lock
    nice -n 10 .venv/bin/python bench/ledger.py --entries 10000000 --database jl_bench_10m --load-only
    flock /tmp/jiliang-bench.lock .venv/bin/python bench/ledger.py --entries 10000000 --database jl_bench_10m

Without ``--database`` it builds a fresh log in a throw-away database (a temporary SQLite file, or
a new PostgreSQL database next to the one DATABASE_URL names). With ``--database NAME`` (a SQLite
file path, or a database name on DATABASE_URL's server) it keeps the log and reuses what is there,
signing with the keys kept in ``$JILIANG_VAR_DIR/bench-ledger-keys-NAME``.

1. **Load** the log up to ``--entries`` minus ``--appends`` entries, unless it holds that many
   already: batches of 65,536 generated entries go through the sequencer's own integration code
   (``sequencer.integrate_entries``: the same hashing, tiles, bundles and record index as in
   production; only the pending queue is skipped), then one checkpoint is signed.
2. **Durable appends**: ``--appends`` entries appended by writers, 1,000 per transaction (an
   import), in rounds of 20,000, each round then integrated by the sequencer and covered by a
   signed checkpoint (``sequencer.publish``). The figure counts an entry once it is committed *and*
   integrated *and* signed: entries divided by the writers' plus the sequencer's time, which run
   in turn here (in production they run side by side, so this is a lower bound). Then a sample of
   appends one per transaction (a form save), each its own commit.
3. **Proofs** at the final size, p50 and p99 over 2,000 each, as ``selectors`` serves them to the
   API: inclusion proof of a random entry in the tree of that size (``/api/v1/log/inclusion?index=
   I&tree_size=S``), consistency proof between two random sizes. Requests come one at a time,
   2 ms apart (500 requests/s offered), as from clients. For comparison, the latency of one
   trivial query (the tree size) is measured the same way: on a busy machine it shows how much
   of a proof's latency is the database round trip and the scheduler.
4. **Full audit** of the whole log (``jiliang log verify``: every hash recomputed).
5. **Peak memory** (maximum resident set size) of this process.

Each rate and latency is given in wall-clock time and, in brackets, per CPU time: this process's,
plus, on PostgreSQL, the server process serving it (read from /proc when the server runs on this
machine). On a shared machine the CPU figure shows what the code does when it gets the CPU.
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

LOAD_BATCH = 65_536
ROUND = 20_000
WRITER_TRANSACTION = 1_000
SINGLE_APPEND_SAMPLE = 2_000
PROOF_SAMPLES = 2_000
PROOF_PAUSE = 0.002  # seconds between two proof requests: 500 requests/s offered


def _database(name: str | None, keep: bool) -> tuple[str, callable]:
    """Return the benchmark database's URL and what to do with it at the end."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        path = Path(name) if name else Path(tempfile.mkdtemp(prefix="jiliang-bench-")) / "ledger.sqlite3"
        throw_away = name is None and not keep
        return f"sqlite:///{path.resolve()}", lambda: throw_away and path.unlink()
    import psycopg

    throw_away = name is None and not keep
    with psycopg.connect(url, autocommit=True) as admin:
        exists = name and admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        name = name or f"jiliang_bench_{uuid.uuid4().hex[:10]}"
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        if throw_away:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

    return urlunparse(urlparse(url)._replace(path=f"/{name}")), drop


def _server_cpu_seconds() -> float:
    """CPU seconds of the PostgreSQL server process serving this connection (0 on SQLite, whose
    engine runs inside this process, or when the server is on another machine)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    if not hasattr(_server_cpu_seconds, "pid"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _server_cpu_seconds.pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{_server_cpu_seconds.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Stopwatch:
    """Wall-clock and CPU seconds (this process and its database server process) of the code run
    inside ``with``, accumulated."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), time.process_time() + _server_cpu_seconds()
        return self

    def __exit__(self, *exc_info) -> None:
        self.wall += time.perf_counter() - self._wall
        self.cpu += time.process_time() + _server_cpu_seconds() - self._cpu

    def __add__(self, other: "Stopwatch") -> "Stopwatch":
        total = Stopwatch()
        total.wall, total.cpu = self.wall + other.wall, self.cpu + other.cpu
        return total

    def rate(self, count: int) -> str:
        return f"{count / self.wall:>9,.0f} entries/s  ({count / max(self.cpu, 1e-9):,.0f} per CPU-second)"


def _percentiles(samples: list[tuple[float, float]]) -> str:
    wall = statistics.quantiles([wall for wall, _ in samples], n=100)
    cpu = statistics.quantiles([cpu for _, cpu in samples], n=100)
    return (f"p50 {wall[49] * 1000:.2f} ms, p99 {wall[98] * 1000:.2f} ms  "
            f"(CPU p50 {cpu[49] * 1000:.2f} ms, p99 {cpu[98] * 1000:.2f} ms)")


def _timed(function, *args) -> tuple[float, float]:
    """Wall and CPU seconds of one call, after a pause: requests arrive one by one, as from
    clients, rather than in a loop that would make this process a CPU hog which the scheduler
    of a busy machine preempts in the middle of a request. The CPU time is this process's only
    (the server's is read in clock ticks, far too coarse for a millisecond)."""
    time.sleep(PROOF_PAUSE)
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def _progress(message: str) -> None:
    sys.stderr.write(f"\r{message}\033[K")
    sys.stderr.flush()


def _load_average() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000, help="the log's size at the end")
    parser.add_argument("--appends", type=int, default=100_000, help="entries appended while measured")
    parser.add_argument("--database", help="keep the log in this SQLite file or PostgreSQL database")
    parser.add_argument("--load-only", action="store_true", help="load the log, measure nothing")
    parser.add_argument("--keep", action="store_true", help="keep a throw-away database")
    options = parser.parse_args()

    database_url, finish = _database(options.database, options.keep or options.load_only)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("JILIANG_VAR_DIR", tempfile.mkdtemp(prefix="jiliang-bench-var-"))
    if options.database:  # a kept log is signed with the same keys on every run
        keys = Path(os.environ["JILIANG_VAR_DIR"]) / f"bench-ledger-keys-{Path(options.database).name}"
        os.environ.setdefault("JILIANG_LEDGER_KEY_DIR", str(keys))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
    os.environ.setdefault("JILIANG_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    try:
        run(options)
    finally:
        from django.db import connections

        connections.close_all()
        finish()


def run(options) -> None:
    from django.core.management import call_command
    from django.db import connection

    from jiliang.ledger import selectors

    call_command("migrate", "ledger", verbosity=0)  # the log needs no other app
    version = connection.Database.sqlite_version if connection.vendor == "sqlite" else connection.pg_version
    print(f"transparency log benchmark on {connection.vendor} {version}: "
          f"{options.entries:,} entries ({options.appends:,} of them appended while measured)")
    print(f"  command: {' '.join(sys.argv)}")
    loaded = load(options.entries - options.appends)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  loaded to {selectors.tree_size():,} entries ({loaded}); peak memory {peak:,.0f} MiB")
    if options.load_only:
        return
    print(f"  measuring, {_load_average()}")
    measure(options.appends)
    print(f"  done, {_load_average()}")


def load(target: int) -> str:
    """Integrate generated entries until the log holds ``target``; return what was done."""
    from django.db import transaction
    from django.utils import timezone

    from jiliang.ledger import selectors, sequencer
    from jiliang.ledger.entries import make_entries

    start = size = selectors.tree_size()
    if size >= target:
        return f"{size:,} were there already"
    moment = timezone.now()
    with Stopwatch() as loading:
        while size < target:
            documents = ({"id": n, "value": n} for n in range(size, min(size + LOAD_BATCH, target)))
            entries = [(e.kind, e.record_id, e.to_bytes()) for e in make_entries("bench.record", documents, moment)]
            with transaction.atomic():
                head = sequencer.lock_tree_head()
                sequencer.integrate_entries(head, entries)
            size = head.size
            _progress(f"loaded {size:,} of {target:,}")
        sequencer.sign_checkpoint()
    _progress("")
    return f"{size - start:,} loaded at {loading.rate(size - start)}"


def measure(appends: int) -> None:
    from django.conf import settings
    from django.db import transaction

    from jiliang.ledger import auditor, selectors, sequencer, services
    from jiliang.ledger.keys import log_keys

    sequencer.publish()  # start from a signed, integrated log, with the frontier in memory
    first = selectors.tree_size()
    writing, sequencing = Stopwatch(), Stopwatch()
    for round_start in range(first, first + appends, ROUND):
        round_end = min(round_start + ROUND, first + appends)
        with writing:
            for start in range(round_start, round_end, WRITER_TRANSACTION):
                end = min(start + WRITER_TRANSACTION, round_end)
                with transaction.atomic():
                    services.append_many("bench.record", ({"id": n, "value": n} for n in range(start, end)))
        with sequencing:
            sequencer.publish()
        _progress(f"{round_end - first:,} appended")
    single_writing, single_sequencing = Stopwatch(), Stopwatch()
    with single_writing:
        for n in range(SINGLE_APPEND_SAMPLE):
            with transaction.atomic():
                services.append("bench.single", {"id": n})
    with single_sequencing:
        sequencer.publish()
    _progress("")
    size = selectors.tree_size()
    print(f"  durable appends (committed, integrated, signed), {WRITER_TRANSACTION:,} per transaction: "
          f"{(writing + sequencing).rate(appends)}")
    print(f"    of which writers' commits:     {writing.rate(appends)}")
    print(f"    of which sequencer (+checkpoint): {sequencing.rate(appends)}")
    print(f"  durable appends, 1 per transaction: {(single_writing + single_sequencing).rate(SINGLE_APPEND_SAMPLE)}")

    rng = random.Random(1)
    round_trip = [_timed(selectors.tree_size) for _ in range(PROOF_SAMPLES)]
    inclusion = [_timed(selectors.inclusion_proof, rng.randrange(size), size) for _ in range(PROOF_SAMPLES)]
    consistency = []
    for _ in range(PROOF_SAMPLES):
        old = rng.randrange(1, size)
        consistency.append(_timed(selectors.consistency_proof, old, rng.randrange(old, size + 1)))
    print(f"  one database query (the tree size), for comparison: {_percentiles(round_trip)}")
    print(f"  inclusion proof at size {size:,}:   {_percentiles(inclusion)}")
    print(f"  consistency proof at size {size:,}: {_percentiles(consistency)}")
    print(f"    (one request at a time, {PROOF_PAUSE * 1000:.0f} ms apart)")

    with Stopwatch() as auditing:
        report = auditor.audit_log(
            selectors.DatabaseLogSource(), settings.JILIANG_LEDGER_ORIGIN, log_keys().verifiers(),
            progress=lambda done, total: _progress(f"audit {done:,}/{total:,}"),
        )
    _progress("")
    status = "clean" if report.ok else f"{len(report.problems)} problems: {report.problems[:3]}"
    print(f"  full audit ({status}, {report.checkpoints} checkpoints): {auditing.rate(report.size)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
