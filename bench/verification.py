"""Verification benchmark: chain, suspect impact, overdue list and the daily job at city scale.

    .venv/bin/python bench/verification.py                    # SQLite: 1,000,000 instruments, 3,000,000 certificates
    .venv/bin/python bench/verification.py --instruments 100000 --certificates 300000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/verification.py
    .venv/bin/python bench/verification.py --phase load       # build only; --phase measure to measure only

It uses its own database beside the configured one (SQLite: var/bench/verification.sqlite3, under JILIANG_VAR_DIR;
PostgreSQL: a database named jiliang_bench_verification on the same server, created when missing)
and keeps it, because building it takes long; each step resumes where a stopped run left off:

1. `jiliang seed --instruments N` (the registry's city-scale set);
2. the demo's institutions, standards with their chains and staff (verification.demo.reference);
3. years of history in bulk (verification.history), the span chosen so that about --certificates
   certificates result;
4. measures, each --samples times: the traceability chain of a random verified instrument
   (p50/p95; target p95 < 20 ms); the suspect impact of the most used standard found out of
   tolerance after about 100,000 uses (every certificate with instrument, site and owner, as the
   page, its CSV export and the API read them; target < 2 s), its page and its streamed CSV export;
   the overdue-list page (GET /verification/overdue/ as the city and a county regulator, with and
   without filters; p50/p95); the statistics page and the home page with its overdue and due-soon
   cards; and the daily reminder job (a full run, rolled back). Peak memory is the process's maximum resident set size.
"""

import argparse
import datetime
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")

SUSPECT_USES = 100_000


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instruments", type=int, default=1_000_000)
    parser.add_argument("--certificates", type=int, default=3_000_000, help="about how many certificates")
    parser.add_argument("--samples", type=int, default=200, help="measurements per figure")
    parser.add_argument("--phase", choices=("all", "load", "measure"), default="all")
    return parser.parse_args()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django(name: str = "verification") -> None:
    """Point Django at the benchmark's own database: var/bench/NAME.sqlite3, or on PostgreSQL the
    database jiliang_bench_NAME (or JILIANG_BENCH_DATABASE) on the configured server."""
    import django
    from django.conf import settings

    database = settings.DATABASES["default"]
    bench_database = os.environ.get("JILIANG_BENCH_DATABASE", f"jiliang_bench_{name}")
    if database["ENGINE"].endswith("sqlite3"):
        bench_dir = Path(settings.VAR_DIR) / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        database["NAME"] = str(bench_dir / f"{name}.sqlite3")
        # A 256 MB page cache instead of SQLite's 2 MB: the bulk load inserts into large indexes.
        database["OPTIONS"]["init_command"] += " PRAGMA cache_size=-262144;"
    else:
        import psycopg

        server = {"host": database["HOST"], "port": database["PORT"] or 5432, "user": database["USER"],
                  "password": database["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
        with psycopg.connect(**server) as connection:
            if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench_database]).fetchone():
                connection.execute(f'CREATE DATABASE "{bench_database}"')
        database["NAME"] = bench_database
    django.setup()


def percentiles(samples: list[float], cpu: list[float] | None = None) -> str:
    """p50/p95 of wall-clock times and, when given, of this process's CPU times (on a shared
    machine the wall clock includes waiting for a core; with SQLite the CPU time includes the
    database's work, with PostgreSQL only the client's)."""

    def p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    text = f"p50 {p(samples, 0.5):7.1f} ms   p95 {p(samples, 0.95):7.1f} ms"
    if cpu:
        text += f"   (CPU p50 {p(cpu, 0.5):6.1f} ms, p95 {p(cpu, 0.95):6.1f} ms)"
    return f"{text}   n={len(samples)}"


class Timer:
    """Wall-clock and process CPU time of a block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def years_for(certificates: int, instruments: int, today: datetime.date) -> float:
    """The history span that gives about ``certificates``: bisection over a sample of instruments."""
    from django.db.models import F

    from jiliang.registry.models import Instrument, InstrumentType
    from jiliang.verification import history

    types = {t.pk: t for t in InstrumentType.objects.all()}
    step = max(1, instruments // 5000)  # every step-th instrument: the same sample on every run
    sample = list(Instrument.objects.annotate(slot=F("pk") % step).filter(slot=0)
                  .values_list("type_id", "install_date"))
    target = certificates / max(1, instruments)

    def average(years: float) -> float:
        rng = random.Random(1)
        start = today - datetime.timedelta(days=round(years * 365))
        shares = history.Shares()
        return sum(len(history.visits(rng, installed or start, history.interval_of(types[type_id]), start, today,
                                      shares, history.is_periodic(types[type_id])))
                   for type_id, installed in sample) / len(sample)

    low, high = 0.5, 15.0
    for _ in range(12):
        middle = (low + high) / 2
        low, high = (middle, high) if average(middle) < target else (low, middle)
    return round((low + high) / 2, 2)


def load(args) -> None:
    from django.core.management import call_command

    from jiliang.registry.models import Instrument
    from jiliang.verification import demo, history
    from jiliang.verification.models import Certificate

    started = time.monotonic()
    call_command("seed", instruments=args.instruments)
    print(f"seed: {Instrument.objects.count():,} instruments ({time.monotonic() - started:.0f} s, peak {rss_mb():.0f} MB)")
    today = datetime.date.today()
    reference = demo.reference(today)
    have = Certificate.objects.count()
    if have >= args.certificates * 0.95:
        print(f"history: {have:,} certificates already there")
        return
    years = years_for(args.certificates, Instrument.objects.count(), today)
    print(f"history: {years} years for about {args.certificates:,} certificates")
    plan = history.Plan(desks=reference["desks"], today=today, years=years, test_points=False, logged=False,
                        actor="bench")
    started = time.monotonic()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.monotonic() - last[0] > 30 or done == total:
            last[0] = time.monotonic()
            print(f"  {done:,}/{total:,} instruments, {time.monotonic() - started:.0f} s", flush=True)

    created = history.generate(plan, progress=progress)
    elapsed = time.monotonic() - started
    print(f"history: {created['certificates']:,} certificates, {created['states']:,} states in {elapsed:.0f} s "
          f"({created['certificates'] / max(elapsed, 0.001):,.0f} certificates/s, peak {rss_mb():.0f} MB)")


def bench_users():
    from jiliang.accounts import services
    from jiliang.accounts.models import Division, Role, User

    users = {}
    for username, role, code in (("bench-city", Role.CITY_REGULATOR, "511900"),
                                 ("bench-county", Role.COUNTY_REGULATOR, "511921")):
        user = User.objects.filter(username=username).first() or services.create_user(
            None, username=username, password="Bench-Passw0rd!", role=role, division=Division.objects.get(code=code))
        users[username] = user
    return users["bench-city"], users["bench-county"]


def measure_chain(user, samples: int) -> None:
    from django.db import connection, reset_queries

    from jiliang.verification import selectors
    from jiliang.verification.models import VerificationState

    highest = VerificationState.objects.order_by("-instrument_id").values_list("instrument_id", flat=True).first()
    rng = random.Random(7)
    timings, cpu, queries = [], [], []
    while len(timings) < samples:
        state = (VerificationState.objects.select_related("instrument__type", "instrument__division")
                 .filter(instrument_id__gte=rng.randrange(1, highest + 1)).order_by("instrument_id").first())
        if state is None:
            continue
        reset_queries()
        with Timer() as timer:
            chain = selectors.traceability_chain(user, state.instrument, state.verified_on)
        timings.append(timer.wall)
        cpu.append(timer.cpu)
        queries.append(len(connection.queries))
        assert chain.links
    print(f"chain query           {percentiles(timings, cpu)}   {statistics.median(queries):.0f} queries")


def measure_suspect(user) -> None:
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client

    from jiliang.verification import selectors
    from jiliang.verification.models import CalibrationResult, StandardCalibration, StandardUse

    busiest = (StandardUse.objects.values("standard_id").annotate(n=Count("pk")).order_by("-n").first())
    standard_id = busiest["standard_id"]
    uses = StandardUse.objects.filter(standard_id=standard_id)
    with transaction.atomic():
        # The out-of-tolerance finding comes SUSPECT_USES uses after one of the standard's good
        # calibrations; added for the measurement and rolled back.
        for good in StandardCalibration.objects.filter(standard_id=standard_id,
                                                       result=CalibrationResult.IN_TOLERANCE).order_by("-calibrated_on"):
            after = uses.filter(performed_on__gte=good.calibrated_on).order_by("performed_on", "pk")
            found = after.values_list("performed_on", flat=True)[SUSPECT_USES - 1:SUSPECT_USES]
            if found:
                break
        else:
            print(f"suspect impact        skipped: no standard used {SUSPECT_USES:,} times after a calibration")
            return
        finding = StandardCalibration.objects.create(
            standard_id=standard_id, reference_standard=good.reference_standard,
            calibrating_institution=good.calibrating_institution, certificate_no="BENCH-OOT",
            calibrated_on=found[0], valid_until=found[0] + datetime.timedelta(days=364),
            result=CalibrationResult.OUT_OF_TOLERANCE,
        )
        with Timer() as query:  # the recall list as the page, its export and the API read it
            window = selectors.suspect_window(finding)
            rows = list(selectors.suspect_certificates(user, window))
        untuned = None
        if connection.vendor == "postgresql":
            # The same under the server's stock settings, without the session options the platform
            # sends (JILIANG_POSTGRES_OPTIONS): random reads priced as on a spinning disk, 4 MB sorts.
            with transaction.atomic(), connection.cursor() as cursor, Timer() as untuned:
                cursor.execute("SET LOCAL random_page_cost = 4")
                cursor.execute("SET LOCAL work_mem = '4MB'")
                assert len(list(selectors.suspect_certificates(user, window))) == len(rows)
        client = Client(SERVER_NAME="localhost")
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        url = f"/verification/standard-calibrations/{finding.pk}/suspect/"
        with Timer() as page:
            assert client.get(url).status_code == 200
        with Timer() as export:  # the streamed CSV of every row, read to its end
            response = client.get(f"{url}?export=csv")
            size = sum(len(chunk) for chunk in response.streaming_content)
        transaction.set_rollback(True)
    print(f"suspect impact        {query.wall * 1000:7.0f} ms (CPU {query.cpu * 1000:.0f} ms) for {len(rows):,} certificates "
          f"x {len(rows[0])} columns (standard {standard_id}, {window.since} – {window.until})")
    if untuned:
        print(f"suspect impact        {untuned.wall * 1000:7.0f} ms (CPU {untuned.cpu * 1000:.0f} ms) with the server's "
              "stock random_page_cost = 4, work_mem = 4MB")
    print(f"suspect page          {page.wall * 1000:7.0f} ms (CPU {page.cpu * 1000:.0f} ms); CSV export "
          f"{export.wall * 1000:.0f} ms (CPU {export.cpu * 1000:.0f} ms), {size / 1e6:.1f} MB streamed, "
          f"max RSS now {rss_mb():.0f} MB")


def measure_pages(city, county, samples: int) -> None:
    from django.test import Client

    from jiliang.registry.models import InstrumentType

    type_codes = list(InstrumentType.objects.filter(instruments__isnull=False).distinct().values_list("code", flat=True))
    rng = random.Random(11)
    clients = {}
    for user in (city, county):
        client = Client(SERVER_NAME="localhost")
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        client.get("/verification/overdue/")  # warm up: URL conf, templates, the division tree
        clients[user.username] = client
    variants = [
        ("city, no filter", city, lambda: ""),
        ("city, county + type", city, lambda: f"division={rng.choice(['511902', '511921', '511923'])}"
                                              f"&type={rng.choice(type_codes)}"),
        ("city, page 20", city, lambda: "offset=1000"),
        ("county, no filter", county, lambda: ""),
    ]
    for label, user, query in variants:
        timings, cpu = [], []
        for _ in range(max(1, samples // len(variants))):
            with Timer() as timer:
                response = clients[user.username].get(f"/verification/overdue/?{query()}")
            timings.append(timer.wall)
            cpu.append(timer.cpu)
            assert response.status_code == 200, response.status_code
        print(f"overdue page ({label:<18}) {percentiles(timings, cpu)}")
    for page in ("/verification/statistics/", "/"):
        for label, user in (("city", city), ("county", county)):
            with Timer() as timer:
                response = clients[user.username].get(page)
            assert response.status_code == 200
            print(f"{page:<26} ({label:<6}) {timer.wall * 1000:7.0f} ms (CPU {timer.cpu * 1000:.0f} ms)")


def measure_job() -> None:
    from django.db import transaction

    from jiliang.verification import reminders

    with transaction.atomic(), Timer() as timer:
        result = reminders.run()
        transaction.set_rollback(True)
    print(f"daily reminder job    {timer.wall * 1000:7.0f} ms (CPU {timer.cpu * 1000:.0f} ms): {result.instruments} instruments, "
          f"{sum(result.created.values()):,} reminders, {result.notices} notices (rolled back)")


def measure(args) -> None:
    from django.conf import settings
    from django.db import connection

    from jiliang.registry.models import Instrument
    from jiliang.verification.models import Certificate, StandardUse, VerificationState

    settings.DEBUG = True  # count queries (connection.queries); the pages render without debug output
    started = time.monotonic()
    with connection.cursor() as cursor:  # planner statistics after the bulk load, as `jiliang demo` does
        cursor.execute("ANALYZE")
    print(f"ANALYZE: {time.monotonic() - started:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version'), current_setting('random_page_cost'), "
                           "current_setting('jit'), current_setting('shared_buffers'), current_setting('work_mem')")
            print("PostgreSQL {} (random_page_cost {}, jit {}, shared_buffers {}, work_mem {})".format(*cursor.fetchone()))
    print(f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}: "
          f"{Instrument.objects.count():,} instruments, {Certificate.objects.count():,} certificates, "
          f"{VerificationState.objects.count():,} states, {StandardUse.objects.count():,} standard uses")
    city, county = bench_users()
    measure_chain(city, args.samples)
    measure_suspect(city)
    measure_pages(city, county, args.samples)
    measure_job()
    print(f"peak memory (max RSS) {rss_mb():.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def main() -> None:
    args = arguments()
    setup_django()
    if args.phase in {"all", "load"}:
        load(args)
    if args.phase in {"all", "measure"}:
        measure(args)


if __name__ == "__main__":
    main()
