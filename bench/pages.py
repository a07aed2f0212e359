"""Big lists and their exports: first and last page of each, and each export in CSV and .xlsx; and
the dashboard's pages under many concurrent users (--phase concurrent).

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

``--phase single`` and ``--phase concurrent`` (issue 19) run the dashboard's job once (timed), then
request the dashboard, the map data (the whole city: clusters at this scale; a county's box) and the
statistics page one at a time in this process, as the city officer and as a county officer (wall and
CPU time per request: what a request costs without a queue). ``concurrent`` then serves the database
with gunicorn on 127.0.0.1:--port and lets --users simulated users (half the city officer, half a
county officer; 1–3 s between requests) request them for --seconds, and prints p50/p95 and the
errors of each. Goal: p95 < 300 ms, no errors. bench/portal.py does the same for the portal's
look-ups and the search.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jl_dashboard JILIANG_BENCH_DATABASE=jl_dashboard \
        .venv/bin/python bench/pages.py --phase concurrent --users 200 --seconds 60
"""

import argparse
import sys
import time
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
    parser.add_argument("--phase", choices=("all", "load", "measure", "single", "concurrent"), default="all")
    parser.add_argument("--users", type=int, default=200, help="concurrent users (--phase concurrent)")
    parser.add_argument("--seconds", type=float, default=60, help="how long they keep at it")
    parser.add_argument("--port", type=int, default=8108)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4 threads each)")
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


CONCURRENT_PAGES = (
    ("dashboard page", "/dashboard/"),
    ("map data, city", "/api/v1/dashboard/map"),
    ("map data, county", "/api/v1/dashboard/map?west=107.1&east=107.45&south=31.75&north=32.05"),
    ("statistics page", "/verification/statistics/"),
)


def session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash()})
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def database_url() -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"


def by_name(pages) -> dict[str, list[str]]:
    """{name: its paths}: a look-up comes as many paths of one name (different codes, as readers ask)."""
    named: dict[str, list[str]] = {}
    for name, path in pages:
        named.setdefault(name, []).append(path)
    return named


def one_at_a_time(city, county, pages, samples: int, public: frozenset[str]) -> None:
    """Each page alone, in this process (wall and CPU time): what a request costs without a queue.
    A page of several paths is timed over its first ``samples`` paths; a public one as a reader who
    is not signed in."""
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    print(f"one request at a time, {samples} each, the city officer / a county officer / not signed in:")
    for name, paths in by_name(pages).items():
        for user in (None,) if name in public else (city, county):
            client = Client(SERVER_NAME="localhost")
            if user:
                client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            split = [(path, dict(part.split("=") for part in query.split("&")) if query else {})
                     for path, _, query in (url.partition("?") for url in paths)]
            client.get(*split[-1])  # warm up on a path the samples do not take when there are enough
            runs = [timed(client, *split[i % len(split)])[0] for i in range(samples)]
            reader = user.role if user else "anonymous"
            print(f"  {name:18} {reader:17} {percentiles([r.wall for r in runs], [r.cpu for r in runs])}",
                  flush=True)


def measure_concurrent(args, pages=None, public: frozenset[str] = frozenset()) -> None:
    """``pages``: (name, path) pairs to request, the dashboard's by default (bench/portal.py passes its
    own, several paths per name); the pages named in ``public`` are requested without signing in.
    With --phase single, only one request at a time."""
    import os
    import socket
    import subprocess
    import time as clock

    from dashboard_load import run

    from jiliang.dashboard import refresh
    from jiliang.registry.models import Instrument, Site

    print(f"{Instrument.objects.count():,} instruments, {Site.objects.count():,} sites")
    with Timer() as timer:
        counts = refresh.run()
    print(f"dashboard.refresh job: {timer.wall:.1f} s wall, {timer.cpu:.1f} s CPU; stored {counts}", flush=True)
    city, county = bench_users()
    pages = list(pages or CONCURRENT_PAGES)
    one_at_a_time(city, county, pages, samples=20, public=public)
    if args.phase == "single":
        return
    cookies = [session_cookie(city), session_cookie(county)]
    environment = {**os.environ, "DATABASE_URL": database_url(), "JILIANG_ALLOWED_HOSTS": "localhost"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "jiliang.wsgi", "-b", f"127.0.0.1:{args.port}",
         "-w", str(args.workers), "-k", "gthread", "--threads", "4", "--log-level", "warning"], env=environment)
    try:
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(120):  # until it listens
            try:
                socket.create_connection(("127.0.0.1", args.port), timeout=1).close()
                break
            except OSError:
                clock.sleep(0.5)
        if server.poll() is not None:
            raise SystemExit(f"gunicorn did not start on port {args.port}")
        run(base, cookies, pages, 10, 5, public)  # warm every worker's caches
        results = run(base, cookies, pages, args.users, args.seconds, public)
    finally:
        server.terminate()
        server.wait()
    print(f"{args.users} users, 1–3 s between requests, {args.seconds:.0f} s, gunicorn {args.workers}×4 threads:")
    for name in by_name(pages):
        runs = results.get(name, [])
        times = [seconds for _status, seconds in runs]
        errors = sum(1 for status, _ in runs if status != 200)
        print(f"  {name:18} {percentiles(times) if times else 'no request'}   errors {errors}", flush=True)


def settle() -> None:
    """After the bulk load, PostgreSQL's VACUUM (ANALYZE): it merges the trigram indexes' pending
    lists (a serial-prefix search took 23 ms of database time before, 2 ms after) and gathers the
    planner's statistics, which a server without autovacuum never does by itself."""
    from django.db import connection

    if connection.vendor == "postgresql":
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        print(f"VACUUM (ANALYZE): {time.monotonic() - started:.0f} s")


def main() -> None:
    args = arguments()
    setup_django(f"pages_{args.instruments}")
    if args.phase in {"all", "load"}:
        load(args)
        settle()
    if args.phase in {"single", "concurrent"}:
        measure_concurrent(args)
        return
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
