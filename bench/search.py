"""The global search's database time at a million instruments (issue 19): each kind of text a user
types, as the city officer and as a county officer. Every query the search makes is run again under
EXPLAIN ANALYZE and the execution times summed: the database's own work, free of the client and of
any queue. PostgreSQL only; it reads bench/pages.py's data set (and makes its two bench users if missing).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres JILIANG_BENCH_DATABASE=jl_dashboard \\
        .venv/bin/python bench/search.py --samples 5

Per text and reader it prints the number of queries, the database time (p50 over --samples of the
sum over the search's queries), the slowest query's time with the scans of its plan, and the search's
CPU time in this process (Django's side).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from verification import bench_users, setup_django  # noqa: E402


def texts() -> list[tuple[str, str]]:
    """Real codes, numbers and names of the data set: the newest instrument's, its owner's name, the
    newest certificate's number, and a word in half of all names."""
    from jiliang.registry.models import Instrument
    from jiliang.verification.models import Certificate

    instrument = Instrument.objects.select_related("owner").order_by("-id").first()
    name = instrument.owner.name
    return [
        ("serial prefix", instrument.serial_no[:4]),
        ("whole serial", instrument.serial_no),
        ("public code", instrument.public_code),
        ("certificate", Certificate.objects.order_by("-id").values_list("number", flat=True).first()),
        ("whole name", name),
        ("part of a name", name[2:6]),
        ("two characters", name[2:4]),
        ("common word", "有限公司"),
    ]


def scans(plan: dict) -> list[str]:
    """The plan's scan nodes, e.g. 'Bitmap Index Scan on organization_name_trgm'."""
    name = plan.get("Index Name") or plan.get("Relation Name")
    found = [f"{plan['Node Type']} on {name}"] if "Scan" in plan["Node Type"] and name else []
    return found + [scan for child in plan.get("Plans", ()) for scan in scans(child)]


def explained(sql: str) -> tuple[float, list[str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (result,) = cursor.fetchone()
    return result[0]["Execution Time"], scans(result[0]["Plan"])


def measure(user, text: str, samples: int) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiliang.portal import search

    totals, cpus, slowest = [], [], (0.0, [])
    for _ in range(samples):
        with CaptureQueriesContext(connection) as captured:
            cpu = time.process_time()
            search.search(user, text)
            cpus.append((time.process_time() - cpu) * 1000)
        runs = [explained(query["sql"]) for query in captured.captured_queries
                if query["sql"].lstrip().upper().startswith("SELECT")]
        totals.append(sum(ms for ms, _ in runs))
        slowest = max(runs + [slowest], key=lambda run: run[0])
    return (f"{len(runs):2} queries  DB p50 {statistics.median(totals):8.2f} ms  max {max(totals):8.2f} ms   "
            f"CPU p50 {statistics.median(cpus):6.1f} ms   slowest {slowest[0]:.2f} ms: {', '.join(slowest[1])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instruments", type=int, default=1_000_000, help="bench/pages.py's data set")
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    setup_django(f"pages_{args.instruments}")
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("EXPLAIN ANALYZE: PostgreSQL only (DATABASE_URL)")
    from jiliang.registry.models import Instrument

    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    at = time.strftime("%H:%M:%S UTC", time.gmtime())
    print(f"== search {at} load {load}; {Instrument.objects.count():,} instruments")
    city, county = bench_users()
    for kind, text in texts():
        for user in (city, county):
            print(f"  {kind:15} {text[:24]:24} {user.role:17} {measure(user, text, args.samples)}", flush=True)


if __name__ == "__main__":
    main()
