"""CPU and SQL statements per reading of the HTTP ingest, in one process (a script, not a test).

    .venv/bin/python bench/monitoring_cpu.py                    # SQLite in a temporary directory
    .venv/bin/python bench/monitoring_cpu.py --db postgres      # a fresh PostgreSQL database
    PYTHONPATH=/tmp/ingest-<sha>/src .venv/bin/python bench/monitoring_cpu.py   # another checkout

bench/monitoring.py measures readings/s with gunicorn and six clients: on this shared 2-core
machine its figures move with the other sessions' load. This sends the same batches (one site's
5,000 catch-up reads at 15 minutes, a tamper event with every third) through the WSGI application
one after another in this process, and prints per batch the CPU time of this process
(``time.process_time``: Django, the rules and, for SQLite, the database engine), the part of it
between BEGIN and COMMIT (SQLite only: the time its one writer lock is held, which bounds the
concurrent bench's readings/s) and the SQL statements it ran; the summary is the median over the
batches after round 0 (each site's first batch: imports, caches, first rollups). CPU time counts
only this process, but at load 20 on the shared machine one batch's still moved by ±20 % (shared
caches): compare runs made side by side. With PostgreSQL the server's own CPU is not included.
"""

import argparse
import datetime as dt
import gc
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
READ_INTERVAL = dt.timedelta(minutes=15)


def setup_sites(sites: int, meters: int) -> list[dict]:
    """Sites behind gateways, as bench/monitoring.py registers them."""
    from jiliang.accounts import services as accounts
    from jiliang.accounts.models import Division, Role
    from jiliang.monitoring import services
    from jiliang.registry.codes import make_uscc
    from jiliang.registry.models import Organization, Site

    admin = accounts.create_user(None, username="bench", password="Bench-Passw0rd!", role=Role.CITY_REGULATOR,
                                 division=Division.objects.get(code="511900"))
    counties = ["511902", "511903", "511921", "511922", "511923"]
    out = []
    for s in range(sites):
        county = Division.objects.get(code=counties[s % 5])
        org = Organization.objects.create(uscc=make_uscc("91", county.code, f"BENCH{s:03d}"), name=f"供电{s}",
                                          division=county)
        site = Site.objects.create(organization=org, name=f"台区{s}", division=county)
        gateway = services.register_device(admin, code=f"gw-{s}", kind="gateway", site=site)
        token, _secret = services.issue_credentials(admin, gateway)
        codes = [services.register_device(admin, code=f"em-{s}-{m}", kind="meter", site=site,
                                          medium="electricity").code for m in range(meters)]
        out.append({"token": token, "meters": codes})
    return out


def batch(site: dict, number: int, size: int, tamper: bool, start: dt.datetime) -> list[dict]:
    """The site's next batch: ``size`` reads round its meters, each meter on its own 15-minute
    timeline, and with ``tamper`` a magnetic-field event of the ``number``-th meter (each once)."""
    meters, next_seq = site["meters"], site.setdefault("next_seq", {})
    items = []

    def item(device: str, **fields) -> dict:
        seq = next_seq[device] = next_seq.get(device, 0) + 1
        return {"device": device, "seq": seq, "time": (start + seq * READ_INTERVAL).isoformat(), **fields}

    for n in range(size):
        code = meters[n % len(meters)]
        items.append(item(code, type="meter.reading", register=round((next_seq.get(code, 0) + 1) * 0.25, 3)))
    if tamper and number < len(meters):
        items.append(item(meters[number], type="event", code="magnetic_field"))
    return items


def post(application, body: bytes, token: str) -> tuple[str, dict]:
    """One request through the WSGI application, as gunicorn hands it over."""
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/monitoring/ingest", "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
        "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    }
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = status

    content = b"".join(application(environ, start_response))
    return answer["status"], json.loads(content) if content.startswith(b"{") else {}


def measure(args) -> None:
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    sites = setup_sites(args.sites, args.meters)
    start = dt.datetime.fromisoformat(args.start).replace(tzinfo=dt.UTC)
    application = WSGIHandler()
    statements, locked, began = [0], [0.0], [None]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        if sql.startswith("BEGIN"):
            began[0] = time.process_time()
        return execute(sql, params, many, context)

    commit = connection._commit

    def timed_commit():
        """CPU from BEGIN to COMMIT: the time SQLite's one writer lock is held (IMMEDIATE mode)."""
        try:
            return commit()
        finally:
            if began[0] is not None:
                locked[0] += time.process_time() - began[0]
                began[0] = None

    connection._commit = timed_commit

    rows = []
    with connection.execute_wrapper(count):
        for number in range(args.rounds):
            for site in sites:
                items = batch(site, number, args.batch, tamper=number % 3 == 0, start=start)
                body = json.dumps(items).encode()
                statements[0], locked[0], cpu = 0, 0.0, time.process_time()
                status, answer = post(application, body, site["token"])
                cpu = time.process_time() - cpu
                if not status.startswith("200") or answer.get("accepted") != len(items):
                    raise SystemExit(f"batch {number} answered {status} {answer}")
                rows.append((number, len(items), cpu, statements[0], answer.get("alerts", 0), locked[0]))
    measured = [r for r in rows if r[0] > 0]
    for number, size, cpu, count_, alerts, in_lock in rows:
        print(f"  round {number}: {size:,} readings  CPU {cpu * 1000:7.1f} ms  {cpu / size * 1e6:6.1f} µs/reading, "
              f"{in_lock / size * 1e6:6.1f} in transactions  {count_} statements  alerts {alerts}")
    per_reading = statistics.median(r[2] / r[1] for r in measured)
    in_lock = statistics.median(r[5] / r[1] for r in measured)
    per_batch = statistics.median(r[3] for r in measured)
    print(f"median after round 0 over {len(measured)} batches: {per_reading * 1e6:.1f} µs CPU per reading "
          f"(min {min(r[2] / r[1] for r in measured) * 1e6:.1f}), of which {in_lock * 1e6:.1f} µs in write transactions; "
          f"{per_batch:.0f} SQL statements per batch; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
          f"{len(gc.get_objects()):,} objects tracked by the collector, full collections "
          f"{gc.get_stats()[2]['collections']}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--sites", type=int, default=4)
    parser.add_argument("--meters", type=int, default=40)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--start", default="2026-09-28",
                        help="first reading's day (fixed, so every commit gets the same batches)")
    parser.add_argument("--rounds", type=int, default=4, help="batches per site (round 0 is the warm-up)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return
    with tempfile.TemporaryDirectory() as workdir:
        name = None
        if args.db == "sqlite":
            url = f"sqlite:///{workdir}/bench.sqlite3"
        else:
            import psycopg

            name = f"jiliang_cpu_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.postgres_url, autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {name}")
            url = urlunparse(urlparse(args.postgres_url)._replace(path=f"/{name}"))
        env = {**os.environ, "DATABASE_URL": url, "JILIANG_VAR_DIR": f"{workdir}/var",
               "DJANGO_SETTINGS_MODULE": "jiliang.settings", "JILIANG_LOG_LEVEL": "ERROR",
               "PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT / "src"))}
        try:
            subprocess.run([sys.executable, "-m", "jiliang.cli", "migrate", "-v0"], env=env, check=True)
            subprocess.run([sys.executable, __file__, "--measure", *sys.argv[1:]], env=env, check=True)
        finally:
            if name:
                with psycopg.connect(args.postgres_url, autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
