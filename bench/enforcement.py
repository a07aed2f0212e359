"""Enforcement benchmark: public complaint submission under concurrent clients, the case list at
100,000 cases, and the daily sharing export with a year of cases.

    .venv/bin/jiliang demo --no-serve                                  # the demo data set, once
    JILIANG_COMPLAINT_CAPTCHA_AFTER=1000000 JILIANG_COMPLAINT_LIMIT_PER_HOUR=1000000 \\
        .venv/bin/jiliang serve 127.0.0.1:8107 --no-jobs &             # one client address sends it all
    .venv/bin/python bench/enforcement.py --url http://127.0.0.1:8107 --clients 50 --requests 1000 [--pause 1-3]

1. --clients threads post complaints (multipart, as the phone form does) to
   /api/v1/public/complaints about random demo sites until --requests answers came back, twice
   (bench/http_load.py): as users, each waiting --pause seconds (1–3) between its submissions, then
   back-to-back (each sends again as soon as it is answered: the saturation figure, whose p95 is the
   queue, --clients / throughput); every answer must be 201. Prints p50 / p95 / p99 and the rate of
   each. Goal: p95 < 200 ms under 50 clients.
2. Adds cases until there are --cases (100,000) in the database, spread over the last 365 days
   (numbers start "BENCH-", so `--clean` removes them), then asks the case list API as the city
   officer (first page, a stage filter, a deep offset) and the case list page as a county officer,
   --list-requests times each kind, one at a time. Prints p50 / p95.
3. Times the sharing export (enforcement/sharing.py) of one day of that year, then of every day of
   the year, into a temporary folder.

With --cpu N it only measures, in this process (Django test client, no server, no network), the CPU
time of N complaint submissions after 10 warm-up ones, `time.process_time()` per request, with no
photo and with one 200 kB PNG; --profile FILE also writes the cProfile statistics of the no-photo run
(`python -m pstats FILE`). Run it under `valgrind --tool=callgrind` for instruction counts.
"""

import argparse
import cProfile
import datetime
import http.client
import io
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import http_load

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")

BENCH_PREFIX = "BENCH-"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8107", help="the running server (same database)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--pause", type=http_load.pause_range, default=http_load.USERS_PAUSE, metavar="MIN-MAX",
                        help="seconds between a user's submissions in the first run (default 1-3)")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--list-requests", type=int, default=100)
    parser.add_argument("--clean", action="store_true", help="remove the benchmark's cases and stop")
    parser.add_argument("--cpu", type=int, default=0, help="only measure the CPU time of this many submissions in process")
    parser.add_argument("--profile", help="with --cpu: write the cProfile statistics here")
    return parser.parse_args()


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             for name, value in fields.items()]
    return ("".join(parts) + f"--{boundary}--\r\n").encode(), f"multipart/form-data; boundary={boundary}"


def submissions(url: str, site_ids: list[int], clients: int, total: int,
                pause: http_load.Pause = None) -> tuple[list[float], float]:
    from jiliang.enforcement.models import ComplaintSubject

    today = datetime.date.today().isoformat()

    def complaint() -> http_load.Request:
        body, content_type = multipart({
            "subject": random.choice(ComplaintSubject.values), "description": "基准测试：加油机少加油",
            "occurred_on": today, "site_id": str(random.choice(site_ids)), "phone": "13800000000"})
        return "POST", "/api/v1/public/complaints", body, {"Content-Type": content_type}

    return http_load.run(url, complaint, clients, total, expected=201, hint="(is the per-client limit lifted?)",
                         pause=pause)


def png(size: int) -> bytes:
    """A valid PNG of about ``size`` bytes (noise does not compress)."""
    from PIL import Image

    side = int((size / 3) ** 0.5)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), random.randbytes(side * side * 3)).save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


def cpu_per_submission(site_ids: list[int], count: int, profile: str | None) -> None:
    from django.test import Client
    from django.test.utils import override_settings

    from jiliang.enforcement.models import ComplaintSubject

    client, today, photo = Client(), datetime.date.today().isoformat(), png(200_000)

    def post(with_photo: bool) -> None:
        data = {"subject": random.choice(ComplaintSubject.values), "description": "基准测试：加油机少加油",
                "occurred_on": today, "site_id": str(random.choice(site_ids)), "phone": "13800000000"}
        if with_photo:
            data["photos"] = io.BytesIO(photo)
            data["photos"].name = "photo.png"
        response = client.post("/api/v1/public/complaints", data)
        if response.status_code != 201:
            sys.exit(f"HTTP {response.status_code}: {response.content[:300]!r}")

    with override_settings(JILIANG_COMPLAINT_CAPTCHA_AFTER=10**9, JILIANG_COMPLAINT_LIMIT_PER_HOUR=10**9,
                           ALLOWED_HOSTS=["testserver"]):
        for with_photo in (False, True):
            for _ in range(10):
                post(with_photo)
            profiler = cProfile.Profile(time.process_time) if profile and not with_photo else None
            started = time.process_time()
            if profiler:
                profiler.enable()
            for _ in range(count):
                post(with_photo)
            if profiler:
                profiler.disable()
                profiler.dump_stats(profile)
            spent = (time.process_time() - started) / count
            print(f"complaint submission in process, {count} requests, {'one 200 kB PNG' if with_photo else 'no photo'}"
                  f"{' (profiled)' if profiler else ''}: {spent * 1000:.2f} ms CPU each")


def seed_cases(total: int) -> int:
    """Bulk-insert cases up to ``total``, spread over the last 365 days; returns how many were added."""
    from django.db import transaction
    from django.utils import timezone

    from jiliang.accounts.models import User
    from jiliang.enforcement.models import Case, CaseSource, CaseStage
    from jiliang.registry.models import Organization

    missing = total - Case.objects.count()
    if missing <= 0:
        return 0
    organizations = list(Organization.objects.select_related("division").order_by("pk")[:2000])
    officer = User.objects.get(username="city")
    today = timezone.localdate()
    stages = [CaseStage.FILED, CaseStage.INVESTIGATING, CaseStage.DECIDED, CaseStage.CLOSED]
    start = Case.objects.filter(number__startswith=BENCH_PREFIX).count()
    for chunk in range(0, missing, 5000):
        rows = []
        for index in range(start + chunk, start + min(chunk + 5000, missing)):
            organization = organizations[index % len(organizations)]
            filed = today - datetime.timedelta(days=index % 365)
            decided = filed if index % 4 >= 2 else None
            rows.append(Case(number=f"{BENCH_PREFIX}{index:07d}", title="基准测试案件", organization=organization,
                             division=organization.division.county, source_type=CaseSource.MANUAL, officer=officer,
                             discovered_on=filed, filed_on=filed, stage=stages[index % 4], stage_since=filed,
                             basis="unverified_use" if decided else "", warning=bool(decided), decided_on=decided))
        with transaction.atomic():
            Case.objects.bulk_create(rows, batch_size=1000)
    for offset in range(365):  # updated_at as if each case changed on its filing day (auto_now set it to now)
        day = today - datetime.timedelta(days=offset)
        Case.objects.filter(number__startswith=BENCH_PREFIX, filed_on=day).update(
            updated_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))))
    return missing


def get(url: str, path: str, headers: dict, count: int, cookie: str = "") -> list[float]:
    server = urlparse(url)
    connection = http.client.HTTPConnection(server.hostname, server.port or 80, timeout=60)
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers | ({"Cookie": cookie} if cookie else {}))
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            sys.exit(f"GET {path}: HTTP {response.status}")
    connection.close()
    return latencies


def session_cookie(username: str) -> str:
    from django.test import Client

    from jiliang.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return f"sessionid={client.cookies['sessionid'].value}"


def case_lists(url: str, count: int) -> None:
    from jiliang.accounts import services as account_services
    from jiliang.accounts.models import User
    from jiliang.enforcement.models import Case

    _token, raw = account_services.issue_api_token(User.objects.get(username="city"), "bench",
                                                   scopes=["enforcement:read"])
    bearer = {"Authorization": f"Bearer {raw}"}
    total = Case.objects.count()
    for label, path, headers, cookie in (
        ("API first page (city)", "/api/v1/enforcement/cases?limit=50", bearer, ""),
        ("API stage filter (city)", "/api/v1/enforcement/cases?stage=decided&limit=50", bearer, ""),
        ("API offset 10,000 (city)", "/api/v1/enforcement/cases?offset=10000&limit=50", bearer, ""),
        ("page /enforcement/cases/ (county)", "/enforcement/cases/", {}, session_cookie("bazhou")),
    ):
        print(f"case list, {label}, {total:,} cases: {http_load.quantiles(get(url, path, headers, count, cookie))}")


def exports() -> None:
    from django.utils import timezone

    from jiliang.enforcement import sharing

    today = timezone.localdate()
    with tempfile.TemporaryDirectory() as folder:
        adapter = sharing.FileDropAdapter(Path(folder))
        started = time.perf_counter()
        counts = sharing.export(today - datetime.timedelta(days=1), adapter)
        one_day = time.perf_counter() - started
        started = time.perf_counter()
        rows = sum(sharing.export(today - datetime.timedelta(days=offset), adapter)["cases"] for offset in range(365))
        year = time.perf_counter() - started
    print(f"sharing export: one day ({counts['cases']} cases) {one_day * 1000:.0f} ms; "
          f"every day of the year ({rows:,} case rows, 365 files of each kind) {year:.1f} s")


def main():
    options = arguments()
    import django

    django.setup()
    from jiliang.enforcement.models import Case
    from jiliang.registry.models import Site

    if options.clean:
        print(f"removed {Case.objects.filter(number__startswith=BENCH_PREFIX).delete()[0]} benchmark rows")
        return
    site_ids = list(Site.objects.order_by("?").values_list("pk", flat=True)[:500])
    if not site_ids:
        sys.exit("no sites in the configured database: run `jiliang demo --no-serve` first")
    if options.cpu:
        cpu_per_submission(site_ids, options.cpu, options.profile)
        return
    submissions(options.url, site_ids, min(options.clients, 5), 20)  # warm up: connections, caches
    print("complaint submission p95 under 50 concurrent clients (goal < 200 ms):")
    for pause in (options.pause, None):
        latencies, elapsed = submissions(options.url, site_ids, options.clients, options.requests, pause)
        print(http_load.report("complaint submission", options.clients, pause, latencies, elapsed,
                               f", load average {os.getloadavg()[0]:.2f}"), flush=True)
    started = time.perf_counter()
    added = seed_cases(options.cases)
    print(f"seeded {added:,} cases in {time.perf_counter() - started:.0f} s")
    case_lists(options.url, options.list_requests)
    exports()


if __name__ == "__main__":
    main()
