"""Credit benchmark: the nightly recompute of every business's score and grade at city scale.

    .venv/bin/python bench/credit.py                            # SQLite, 100,000 businesses
    .venv/bin/python bench/credit.py --organizations 10000      # smaller
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/credit.py

It builds a throw-away database next to the configured one (SQLite: bench/credit.sqlite3 under the
var directory, JILIANG_VAR_DIR; PostgreSQL: a database named jiliang_bench_credit, or
JILIANG_BENCH_DATABASE, on the same server), dropped at the end, with N organizations and on
average --events credit events each (kinds and dates from the last three years drawn at random, a
tenth of the businesses without any), then:

1. `credit.services.recompute_all` as the nightly job runs it: read every event in force, score
   and grade every business, upsert the grades (the figure the goal is about), twice: the first
   run inserts the grades, the second updates them;
2. `record_credit_event` for --singles events on different businesses (each recomputes that
   business's grade and tells its owners): p50 and p95.

Goal (issue 17): recompute for 100,000 businesses < 60 s.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")

COUNTIES = ["511902", "511903", "511921", "511922", "511923"]


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--organizations", type=int, default=100_000)
    parser.add_argument("--events", type=float, default=3.0, help="average credit events per business")
    parser.add_argument("--singles", type=int, default=200, help="single events recorded one by one")
    parser.add_argument("--seed", type=int, default=20261206)
    return parser.parse_args()


def setup_django():
    import django
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        bench_dir = Path(settings.VAR_DIR) / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        database["TEST"] = {"NAME": str(bench_dir / "credit.sqlite3")}
    else:
        database["TEST"] = {"NAME": os.environ.get("JILIANG_BENCH_DATABASE", "jiliang_bench_credit")}
    django.setup()


def populate(count: int, events: float, rng: random.Random) -> tuple[int, int]:
    from jiliang.accounts.models import Division
    from jiliang.credit.models import CreditEvent, EventKind
    from jiliang.registry.codes import make_uscc
    from jiliang.registry.models import Organization

    divisions = {code: Division.objects.get(code=code) for code in COUNTIES}
    Organization.objects.bulk_create(
        (Organization(uscc=make_uscc("91", COUNTIES[n % 5], f"CR{n:06d}"), name=f"信用基准单位{n:06d}",
                      division=divisions[COUNTIES[n % 5]]) for n in range(count)), batch_size=5000)
    ids = list(Organization.objects.values_list("pk", flat=True))
    kinds, today, rows = EventKind.values, dt.date.today(), []
    for organization_id in ids:
        if rng.random() < 0.1:
            continue
        for number in range(rng.randint(1, int(2 * events / 0.9))):
            rows.append(CreditEvent(organization_id=organization_id, kind=rng.choice(kinds), source_type="bench",
                                    source_id=f"{organization_id}-{number}", summary="基准测试记录",
                                    occurred_on=today - dt.timedelta(days=rng.randrange(3 * 365))))
    CreditEvent.objects.bulk_create(rows, batch_size=5000)
    return len(ids), len(rows)


def main() -> None:
    options = arguments()
    setup_django()
    from django.db import connection, transaction
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=[])
    try:
        from django.db.models import Count

        from jiliang.accounts.models import Division, Role, User
        from jiliang.credit import services
        from jiliang.credit.models import CreditGrade
        from jiliang.registry.models import Organization

        vendor = connection.vendor
        version = connection.pg_version if vendor == "postgresql" else connection.Database.sqlite_version
        rng = random.Random(options.seed)
        started = time.perf_counter()
        organizations, events = populate(options.organizations, options.events, rng)
        print(f"Jiliang credit benchmark on {vendor} {version}, Python {sys.version.split()[0]}: "
              f"{organizations:,} businesses, {events:,} credit events (made in {time.perf_counter() - started:.1f} s)")
        for label in ("first recompute (inserts grades)", "second recompute (updates grades)"):
            started, cpu = time.perf_counter(), time.process_time()
            graded = services.recompute_all()
            wall, used = time.perf_counter() - started, time.process_time() - cpu
            print(f"  {label:<36} {wall:6.1f} s wall, {used:5.1f} s CPU: {graded:,} graded, "
                  f"{graded / wall:,.0f} businesses/s")
        grades = dict(CreditGrade.objects.order_by().values_list("grade").annotate(n=Count("pk")))
        print(f"  grades: {', '.join(f'{g} {n:,}' for g, n in sorted(grades.items()))}; "
              f"{organizations - sum(grades.values()):,} without events keep the default grade")
        officer = User.objects.create(username="bench-city", role=Role.CITY_REGULATOR,
                                      division=Division.objects.get(code="511900"))
        samples = []
        targets = list(Organization.objects.order_by("?").values_list("pk", flat=True)[:options.singles])
        for number, organization in enumerate(Organization.objects.in_bulk(targets).values()):
            begun = time.perf_counter()
            with transaction.atomic():
                services.record_credit_event(officer, organization=organization, kind="inspection_passed",
                                             occurred_on=dt.date.today(), source_type="bench-single",
                                             source_id=str(number), summary="基准测试：抽查合格")
            samples.append((time.perf_counter() - begun) * 1000)
        samples.sort()
        p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
        print(f"  record_credit_event (one business's grade recomputed): p50 {statistics.median(samples):.1f} ms, "
              f"p95 {p95:.1f} ms over {len(samples)} events")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
