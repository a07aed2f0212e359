"""Enforcement benchmark: public complaint submission under concurrent clients, the case list at
100,000 cases, and the daily sharing export with a year of cases.

    .venv/bin/jiliang demo --no-serve                                  # the demo data set, once
    JILIANG_COMPLAINT_CAPTCHA_AFTER=1000000 JILIANG_COMPLAINT_LIMIT_PER_HOUR=1000000 \\
        .venv/bin/jiliang serve 127.0.0.1:8107 --no-jobs &             # one client address sends it all
    .venv/bin/python bench/enforcement.py --url http://127.0.0.1:8107 --clients 50 --requests 1000

1. --clients threads, each with its own keep-alive connection, post complaints (multipart, as the
   phone form does) to /api/v1/public/complaints about random demo sites until --requests answers
   came back; every answer must be 201. Prints p50 / p95 / p99 and the rate. Goal: p95 < 200 ms.
2. Adds cases until there are --cases (100,000) in the database, spread over the last 365 days
   (numbers start "BENCH-", so `--clean` removes them), then asks the case list API as the city
   officer (first page, a stage filter, a deep offset) and the case list page as a county officer,
   --list-requests times each kind, one at a time. Prints p50 / p95.
3. Times the sharing export (enforcement/sharing.py) of one day of that year, then of every day of
   the year, into a temporary folder.
"""

import argparse
import datetime
import http.client
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")

BENCH_PREFIX = "BENCH-"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8107", help="the running server (same database)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--list-requests", type=int, default=100)
    parser.add_argument("--clean", action="store_true", help="remove the benchmark's cases and stop")
    return parser.parse_args()


def quantiles(latencies: list[float]) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return f"p50 {cuts[49] * 1000:.1f} ms  p95 {cuts[94] * 1000:.1f} ms  p99 {cuts[98] * 1000:.1f} ms"


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             for name, value in fields.items()]
    return ("".join(parts) + f"--{boundary}--\r\n").encode(), f"multipart/form-data; boundary={boundary}"


def submissions(url: str, site_ids: list[int], clients: int, total: int) -> tuple[list[float], float]:
    from jiliang.enforcement.models import ComplaintSubject

    server = urlparse(url)
    latencies, failures, lock, remaining = [], [], threading.Lock(), [total]
    today = datetime.date.today().isoformat()

    def client():
        connection = http.client.HTTPConnection(server.hostname, server.port or 80, timeout=30)
        while True:
            with lock:
                if remaining[0] == 0:
                    break
                remaining[0] -= 1
            body, content_type = multipart({
                "subject": random.choice(ComplaintSubject.values), "description": "基准测试：加油机少加油",
                "occurred_on": today, "site_id": str(random.choice(site_ids)), "phone": "13800000000"})
            started = time.perf_counter()
            connection.request("POST", "/api/v1/public/complaints", body, {"Content-Type": content_type})
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status != 201:
                    failures.append(f"HTTP {response.status}")
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(f"{len(failures)} answer(s) were not 201, e.g. {failures[0]} (is the per-client limit lifted?)")
    return latencies, time.perf_counter() - started


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
        print(f"case list, {label}, {total:,} cases: {quantiles(get(url, path, headers, count, cookie))}")


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
    submissions(options.url, site_ids, min(options.clients, 5), 20)  # warm up: connections, caches
    latencies, elapsed = submissions(options.url, site_ids, options.clients, options.requests)
    print(f"complaint submission, {options.clients} concurrent clients, {len(latencies)} requests, "
          f"load average {os.getloadavg()[0]:.2f}: {quantiles(latencies)}  {len(latencies) / elapsed:.0f} requests/s")
    started = time.perf_counter()
    added = seed_cases(options.cases)
    print(f"seeded {added:,} cases in {time.perf_counter() - started:.0f} s")
    case_lists(options.url, options.list_requests)
    exports()


if __name__ == "__main__":
    main()
