"""Benchmark of the double-random draw and the inspector's task page.

    .venv/bin/python bench/supervision.py                        # 100,000 candidate businesses
    .venv/bin/python bench/supervision.py --candidates 20000 --samples 10
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/supervision.py

The data set (``--candidates`` businesses, each with one gas station in one of Bazhong's counties
and a computed credit grade, and a pool of 40 inspectors) is built in a database of its own (SQLite: var/bench/supervision_N.sqlite3;
PostgreSQL: jiliang_bench_supervision_N) and kept for the next run. It prints:

- the pure draw (supervision/draw.py): the inputs document and its SHA-256, then the weighted
  sampling of 5 % and the inspector pairs; and its verification (digest and recomputation);
- the services on the database: ``commit_draw`` over every candidate (the candidate query, the
  credit grades, the conflicts, the document, its digest and the log entry), ``perform_draw`` of
  ``--drawn`` businesses (seed, draw, tasks), and ``verify_draw`` (log entry, checkpoint, recompute);
- the inspector's task page and task list: p50/p95 over ``--samples`` requests through the whole
  stack (Django test client, signed in as one of the drawn inspectors).

Goals (issue 17): draw over 100,000 candidates incl. commitment < 2 s; its verification < 2 s.
"""

import argparse
import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from verification import Timer, percentiles, setup_django  # noqa: E402

COUNTIES = ("511902", "511903", "511921", "511922", "511923")
INSPECTORS = 40


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--drawn", type=int, default=200, help="businesses the service draw makes tasks for")
    parser.add_argument("--samples", type=int, default=30, help="requests per page figure")
    return parser.parse_args()


def load(candidates: int) -> None:
    """Businesses with a gas station each, and the inspectors; skipped when already there."""
    from django.core.management import call_command
    from django.db import transaction

    from jiliang.accounts.models import Division, Role, User
    from jiliang.registry.codes import make_uscc
    from jiliang.registry.models import Organization, Site, SiteKind

    call_command("migrate", interactive=False, verbosity=0)
    if Organization.objects.count() >= candidates:
        return
    divisions = {code: Division.objects.get(code=code) for code in COUNTIES}
    with Timer() as timer, transaction.atomic():
        organizations = Organization.objects.bulk_create([
            Organization(uscc=make_uscc("91", COUNTIES[n % 5], f"B{n:07d}"), name=f"基准加油站{n}有限公司",
                         division=divisions[COUNTIES[n % 5]]) for n in range(candidates)], batch_size=5000)
        Site.objects.bulk_create([
            Site(organization=o, name=f"基准加油站{n}", kind=SiteKind.GAS_STATION, division=o.division)
            for n, o in enumerate(organizations)], batch_size=5000)
        city = Division.objects.get(code="511900")
        User.objects.bulk_create([
            User(username=f"bench-inspector-{n}", role=Role.CITY_REGULATOR, division=city, display_name=f"检查员{n}")
            for n in range(INSPECTORS)])
    print(f"loaded {candidates:,} businesses and {INSPECTORS} inspectors in {timer.wall:.1f} s", flush=True)


def grade() -> None:
    """A computed credit grade for every business, A to D in turn (the draw reads them with the
    candidates); skipped when already there."""
    from django.utils import timezone

    from jiliang.credit.models import CreditGrade
    from jiliang.registry.models import Organization

    if CreditGrade.objects.exists():
        return
    now = timezone.now()
    CreditGrade.objects.bulk_create([
        CreditGrade(organization_id=pk, grade="ABCD"[n % 4], score=100 - 10 * (n % 4), computed_at=now)
        for n, pk in enumerate(Organization.objects.order_by("pk").values_list("pk", flat=True))], batch_size=5000)


def analyze() -> None:
    """Fresh planner statistics, as `jiliang demo` and the other benchmarks take after a bulk load:
    without them (this server runs with autovacuum off) PostgreSQL guesses a few dozen sites and
    joins 100,000 of them to their organizations and grades by 300,000 index lookups."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def pure(candidates: int) -> None:
    from jiliang.supervision import draw as draws

    weighting = draws.Weighting({"A": 10, "B": 20, "C": 30, "D": 40}, alert_weight=50, alert_cap=4)
    with Timer() as build:
        inputs = draws.Inputs(
            plan="bench", count=candidates // 20,
            candidates=[weighting.candidate(str(n), "ABCD"[n % 4], n % 3) for n in range(candidates)],
            weighting=weighting, inspectors=[str(n) for n in range(INSPECTORS)],
            conflicts={str(n): frozenset({str(n % INSPECTORS)}) for n in range(0, candidates, 10)})
        document = inputs.document()
        sha = draws.document_digest(document)
    seed = draws.seed_from_checkpoint(f"bench\n1\n{sha}\n")
    with Timer() as drawing:
        result = draws.run(seed, inputs, sha)
    with Timer() as verifying:
        assert draws.document_digest(document) == sha
        assert draws.verify(document, f"bench\n1\n{sha}\n", result)
    print(f"pure draw, {candidates:,} candidates, {inputs.count:,} drawn in pairs of {INSPECTORS} inspectors:")
    print(f"  inputs document + SHA-256   {_figure(build)}")
    print(f"  draw (keys, sample, pairs)  {_figure(drawing)}")
    print(f"  commitment + draw           {build.wall + drawing.wall:6.2f} s wall, {build.cpu + drawing.cpu:6.2f} s CPU")
    print(f"  verification (digest, redo) {_figure(verifying)}", flush=True)


def services_on_the_database(drawn: int):
    from django.db import transaction

    from jiliang.accounts.models import Division, User
    from jiliang.ledger import services as ledger
    from jiliang.registry.models import SiteKind
    from jiliang.supervision import selectors, services

    city = Division.objects.get(code="511900")
    inspectors = list(User.objects.filter(username__startswith="bench-inspector-"))
    lead = inspectors[0]
    today = dt.date.today()
    with transaction.atomic():
        plan = services.create_plan(lead, name=f"基准抽查 {today} {dt.datetime.now():%H%M%S}", division=city,
                                    site_kinds=[SiteKind.GAS_STATION], draw_count=drawn, starts_on=today,
                                    ends_on=today, inspectors=inspectors)
    with ServiceTimer() as commit:
        record = services.commit_draw(lead, plan)
    ledger.publish_now()
    with ServiceTimer() as drawing:
        services.perform_draw(lead, plan)
    record.refresh_from_db()
    with ServiceTimer() as verifying:
        verdict = selectors.verify_draw(record)
    assert verdict.match, verdict.checks
    print(f"services, {len(record.inputs['candidates']):,} candidates on {connection_vendor()}:")
    print(f"  commit_draw (query, grades, conflicts, digest, log)  {_figure(commit)}")
    print(f"  perform_draw ({drawn} drawn, their tasks)              {_figure(drawing)}")
    print(f"  commit + draw                                        {_figure(commit, drawing)}")
    print(f"  verify_draw (log entry, checkpoint, recompute)       {_figure(verifying)}", flush=True)
    return plan


class ServiceTimer(Timer):
    """``Timer`` plus the CPU time of the PostgreSQL server process serving this connection, read
    from /proc when the server runs on this machine: on a loaded machine the wall clock mostly
    measures the wait for a core, and the client's CPU time leaves out the database's work."""

    def __enter__(self):
        self.server = _server_cpu()
        return super().__enter__()

    def __exit__(self, *exc):
        super().__exit__(*exc)
        end = _server_cpu()
        self.server = None if end is None or self.server is None else end - self.server


def _server_cpu() -> float | None:
    import os

    from django.db import connection

    if connection.vendor != "postgresql":
        return None  # SQLite works inside this process: its CPU time is in the process's
    connection.ensure_connection()
    try:
        with open(f"/proc/{connection.connection.info.backend_pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None  # a server on another machine
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _figure(*timers) -> str:
    """Wall-clock and this process's CPU time (on a shared machine the wall clock includes waiting
    for a core; on SQLite the CPU time includes the database's work), and on a local PostgreSQL the
    server's CPU time for this connection (in steps of 10 ms)."""
    text = f"{sum(t.wall for t in timers):6.2f} s wall, {sum(t.cpu for t in timers):6.2f} s CPU"
    server = [getattr(t, "server", None) for t in timers]
    if None not in server:
        text += f", {sum(server):5.2f} s server CPU"
    return text


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


def pages(plan, samples: int) -> None:
    from django.test import Client

    task = plan.tasks.order_by("pk").first()
    inspector = task.inspectors.order_by("pk").first()
    client = Client()
    client.force_login(inspector)
    for label, url in (("task page", f"/supervision/tasks/{task.pk}/"), ("my tasks", "/supervision/my-tasks/")):
        client.get(url)  # warm up
        runs = []
        for _ in range(samples):
            with Timer() as timer:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            runs.append(timer)
        print(f"inspector {label:10} {percentiles([r.wall for r in runs], [r.cpu for r in runs])}", flush=True)


def main() -> None:
    args = arguments()
    setup_django(f"supervision_{args.candidates}")
    from django.conf import settings

    from jiliang.ledger.keys import create_log_keys

    settings.ALLOWED_HOSTS = ["*"]
    # The log's own keys for the benchmark's database, kept beside it (what `jiliang init` makes).
    settings.JILIANG_LEDGER_KEY_DIR = Path(settings.VAR_DIR) / "bench" / f"ledger-keys-supervision_{args.candidates}"
    settings.JILIANG_LEDGER_KEY_DIR.mkdir(parents=True, exist_ok=True)
    create_log_keys(settings.JILIANG_LEDGER_ORIGIN)
    load(args.candidates)
    grade()
    analyze()
    pure(args.candidates)
    plan = services_on_the_database(args.drawn)
    pages(plan, args.samples)


if __name__ == "__main__":
    main()
