"""Big lists and their exports: first and last page of each, and each export in CSV and .xlsx.

    .venv/bin/python bench/pages.py --instruments 20000 --certificates 55000   # the demo's scale
    .venv/bin/python bench/pages.py                                             # 1,000,000 instruments
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres JILIANG_BENCH_DATABASE=jl_dataio_bench \\
        .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --phase measure --samples 5 --export-samples 1

The data set is bench/verification.py's (``jiliang seed`` plus years of verification history),
built in a database of its own per scale (SQLite: var/bench/pages_N.sqlite3; PostgreSQL:
jiliang_bench_pages_N or JILIANG_BENCH_DATABASE) and kept for the next run. Every request goes through the whole stack
(Django test client, signed in as the city regulator, who sees every row): the page as HTML, the
export until its last byte. It prints p50/p95 of the wall-clock time and of this process's CPU
time; the exports' rows and bytes. Goals (issue 12): the last page as cheap as the first; 55,000
certificates exported in under 3 s as CSV and under 10 s as .xlsx.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from verification import Timer, bench_users, load, percentiles, rss_mb, setup_django  # noqa: E402

LISTS = (
    ("instruments", "/registry/instruments/"),
    ("certificates", "/verification/certificates/"),
    ("overdue", "/verification/overdue/"),
    ("audit log", "/accounts/audit/"),
)
EXPORTED = (("certificates", "/verification/certificates/"), ("instruments", "/registry/instruments/"))


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instruments", type=int, default=1_000_000)
    parser.add_argument("--certificates", type=int, default=3_000_000, help="about how many certificates")
    parser.add_argument("--samples", type=int, default=20, help="requests per page figure")
    parser.add_argument("--export-samples", type=int, default=3, help="runs of each export (0: none)")
    parser.add_argument("--phase", choices=("all", "load", "measure"), default="all")
    return parser.parse_args()


def timed(client, url: str, params: dict) -> tuple[Timer, int]:
    """One request read to its last byte: (timer, bytes)."""
    with Timer() as timer:
        response = client.get(url, params)
        size = sum(len(chunk) for chunk in response.streaming_content) if response.streaming else len(response.content)
    assert response.status_code == 200, (url, params, response.status_code)
    return timer, size


def measure_pages(client, samples: int) -> None:
    for name, url in LISTS:
        client.get(url)  # warm up: templates, URL conf, the division tree
        for label, params in (("first page", {}), ("last page", {"page": "last"})):
            runs = [timed(client, url, params)[0] for _ in range(samples)]
            print(f"{name:13} {label:10} {percentiles([r.wall for r in runs], [r.cpu for r in runs])}", flush=True)


def measure_exports(client, samples: int) -> None:
    for name, url in EXPORTED:
        for fmt in ("csv", "xlsx"):
            runs = [timed(client, url, {"export": fmt}) for _ in range(samples)]
            timers = [timer for timer, _ in runs]
            print(f"{name:13} export {fmt:4} {percentiles([t.wall for t in timers], [t.cpu for t in timers])}   "
                  f"{runs[0][1] / 1e6:.1f} MB", flush=True)


def main() -> None:
    args = arguments()
    setup_django(f"pages_{args.instruments}")
    if args.phase in {"all", "load"}:
        load(args)
    if args.phase in {"all", "measure"}:
        from django.conf import settings
        from django.db import connection
        from django.test import Client

        from jiliang.accounts.models import AuditEvent
        from jiliang.registry.models import Instrument
        from jiliang.verification.models import Certificate

        settings.ALLOWED_HOSTS = ["*"]
        print(f"{connection.vendor}: {Instrument.objects.count():,} instruments, "
              f"{Certificate.objects.count():,} certificates, {AuditEvent.objects.count():,} audit events; "
              f"exports capped at {settings.JILIANG_EXPORT_MAX_ROWS:,} rows")
        city, _county = bench_users()
        client = Client(SERVER_NAME="localhost")
        client.force_login(city, backend="django.contrib.auth.backends.ModelBackend")
        measure_pages(client, args.samples)
        if args.export_samples:
            measure_exports(client, args.export_samples)
        print(f"peak memory {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
