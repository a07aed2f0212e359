"""Registry benchmark: import rate, import memory and API list latency at city scale.

    .venv/bin/python bench/registry.py                       # SQLite, 1,000,000 instruments
    .venv/bin/python bench/registry.py --instruments 100000  # smaller
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/registry.py

It builds a throw-away database next to the configured one (SQLite: bench/registry.sqlite3 under
the var directory, JILIANG_VAR_DIR; PostgreSQL: a database named jiliang_bench_registry on the same server),
dropped at the end unless --keep, then, through the real importer (jiliang.registry.importing, as `jiliang import` runs it):

1. imports the organizations and sites from generated CSV files;
2. imports N new instruments from a generated CSV file (the figure the target is about);
3. re-imports the same CSV (every row unchanged: the idempotence path; --no-reimport skips it);
4. imports --xlsx-rows further new instruments from a generated XLSX file;
   then --traced-rows more from CSV under tracemalloc (Python heap peak; the import works in
   batches, so the peak does not grow with the file, and tracing slows everything, so the rates
   above are taken without it);
5. measures /api/v1/instruments through the Django test client with a bearer token: a filtered
   page (county + type + status) and a text search, each --requests times, as a county and as a
   city regulator; prints p50 and p95.

Prepare the files at low priority first, then measure under the shared lock:

    nice -n 10 .venv/bin/python bench/registry.py --files /tmp/registry-bench --generate-only
    flock /tmp/jiliang-bench.lock .venv/bin/python bench/registry.py --files /tmp/registry-bench

Targets (issue 3): CSV import >= 10,000 rows/s; filtered page p95 < 100 ms.
"""

import argparse
import csv
import datetime
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")

COUNTIES = ["511902", "511903", "511921", "511922", "511923"]
MANUFACTURERS = [f"制造商{n:02d}有限公司" for n in range(20)]
STATUSES = ["在用"] * 90 + ["停用"] * 7 + ["报废"] * 3
PURPOSES = ["贸易结算"] * 80 + ["医疗卫生", "安全防护", "环境监测", "其他(非强检用途)"] * 5
SERIAL_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instruments", type=int, default=1_000_000, help="instruments imported from CSV")
    parser.add_argument("--xlsx-rows", type=int, default=None,
                        help="further instruments imported from XLSX (default: a tenth, at most 100,000)")
    parser.add_argument("--traced-rows", type=int, default=20_000, help="rows imported under tracemalloc")
    parser.add_argument("--requests", type=int, default=200, help="API requests per measured query")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--no-reimport", action="store_true", help="skip step 3 (the unchanged re-import)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    parser.add_argument("--files", type=Path, help="keep the generated files under this directory and reuse "
                        "them on a later run with the same options")
    parser.add_argument("--generate-only", action="store_true",
                        help="only write the files (with --files: prepare them outside the measuring run)")
    return parser.parse_args()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django():
    import django
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        bench_dir = Path(settings.VAR_DIR) / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        database["TEST"] = {"NAME": str(bench_dir / "registry.sqlite3")}
    else:
        database["TEST"] = {"NAME": "jiliang_bench_registry"}
    django.setup()


class World:
    """The generated city: organizations (with their county), sites and the rows of instruments."""

    def __init__(self, instruments: int, seed: int):
        from jiliang.accounts.models import Division
        from jiliang.registry.codes import make_uscc
        from jiliang.registry.models import InstrumentType

        self.random = random.Random(seed)
        self.type_codes = list(InstrumentType.objects.order_by("code").values_list("code", flat=True))
        townships = {c: list(Division.objects.filter(parent__code=c).values_list("code", flat=True)) for c in COUNTIES}
        self.organizations = []  # (uscc, name, county, township)
        for n in range(max(50, instruments // 200)):
            county = COUNTIES[n % len(COUNTIES)]
            township = self.random.choice(townships[county]) if townships[county] else county
            self.organizations.append((make_uscc("91", county, f"BA{n:06d}"), f"基准测试单位{n:06d}", county, township))
        self.sites = [(org, f"场所{n:06d}-{k}") for n, org in enumerate(self.organizations) for k in range(2)]

    def write_organizations(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["统一社会信用代码", "单位名称", "所属区划", "联系电话", "行业"])
            for uscc, name, county, _ in self.organizations:
                writer.writerow([uscc, name, county, f"138{self.random.randrange(10**8):08d}", "零售"])
        return path

    def write_sites(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["经营单位统一社会信用代码", "场所名称", "场所类型", "所在区划", "地址"])
            for (uscc, _, _, township), name in self.sites:
                writer.writerow([uscc, name, "加油(气)站", township, "某某路 1 号"])
        return path

    def instrument_rows(self, start: int, count: int):
        start_day = datetime.date(2015, 1, 1).toordinal()
        for n in range(start, start + count):
            (uscc, _, _, _), site = self.sites[self.random.randrange(len(self.sites))]
            yield [
                self.random.choice(self.type_codes),
                f"{SERIAL_LETTERS[n % len(SERIAL_LETTERS)]}{n:09d}",
                self.random.choice(MANUFACTURERS),
                f"X{self.random.randrange(100)}",
                uscc,
                site,
                self.random.choice(PURPOSES),
                self.random.choice(STATUSES),
                datetime.date.fromordinal(start_day + self.random.randrange(3650)).isoformat(),
            ]

    HEADERS = ["器具种类", "出厂编号", "制造单位", "型号规格", "使用单位统一社会信用代码", "安装场所", "用途", "状态", "安装日期"]

    def write_instruments_csv(self, path: Path, start: int, count: int) -> Path:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(self.HEADERS)
            writer.writerows(self.instrument_rows(start, count))
        return path

    def write_instruments_xlsx(self, path: Path, start: int, count: int) -> Path:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(self.HEADERS)
        for row in self.instrument_rows(start, count):
            sheet.append(row)
        workbook.save(path)
        return path


def server_cpu_seconds() -> float:
    """CPU time so far of the PostgreSQL backend serving this connection (same machine), 0 on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return process_cpu_seconds(pid) or 0.0


def process_cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class OtherBackends:
    """CPU of the other PostgreSQL backends on this database while it runs (the import's writer
    thread has a connection of its own, closed when it ends): /proc read every 0.1 s, so a
    backend's last tenth of a second before it exits can be missed."""

    def __init__(self):
        from django.db import connection

        self.own = None
        self.database = connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()

    def __enter__(self):
        if self.database:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (self.own,) = cursor.fetchone()
            self.before = set(self.backends())
            self.thread = threading.Thread(target=self.watch, daemon=True)
            self.thread.start()
        return self

    def backends(self):
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != self.own:
                try:
                    command = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if command.startswith(b"postgres: ") and f" {self.database} ".encode() in command:
                    yield int(entry.name)

    def watch(self):
        while not self.stop.wait(0.1):
            for pid in self.backends():
                if pid in self.before:
                    continue
                cpu = process_cpu_seconds(pid)
                if cpu is not None:
                    self.first.setdefault(pid, 0.0)  # a new backend: all its CPU is this import's
                    self.last[pid] = cpu

    def __exit__(self, *exc):
        if self.database:
            self.stop.set()
            self.thread.join()

    @property
    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def timed_import(user, kind: str, path: Path, label: str, *, trace: bool = False) -> dict:
    from jiliang.registry.importing.engine import run_import
    from jiliang.registry.importing.kinds import KINDS

    if trace:
        tracemalloc.start()
    server_started = server_cpu_seconds()
    started, cpu_started = time.perf_counter(), time.process_time()
    marks = {}  # phase -> (wall, this process's CPU, server CPU) when it began; "commit": after the last batch

    def progress(phase: str, done: int, total: int | None) -> None:
        if phase not in marks:
            marks[phase] = (time.perf_counter(), time.process_time(), server_cpu_seconds())
        if phase == "write" and done == total:
            marks["commit"] = (time.perf_counter(), time.process_time(), server_cpu_seconds())

    with OtherBackends() as others:
        report = run_import(user, KINDS[kind], path, filename=path.name, progress=progress)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    server = server_cpu_seconds() - server_started + others.seconds
    ended = (time.perf_counter(), time.process_time(), server_cpu_seconds())
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    if trace:
        tracemalloc.stop()
    assert report.ok, report.errors[:5]
    rate = report.rows / seconds if seconds else 0
    total_cpu = cpu + server
    print(f"  {label:<44} {report.rows:>10,} rows {seconds:8.1f} s {rate:>10,.0f} rows/s "
          f"[CPU: this process {cpu:.1f} s" + (f" + database server {server:.1f} s" if server else "")
          + f", {report.rows / total_cpu if total_cpu else 0:,.0f} rows per CPU-second] "
          f"(created {report.created:,}, updated {report.updated:,}, unchanged {report.unchanged:,}); "
          f"max RSS so far {rss_mb():,.0f} MB" + (f"; tracemalloc peak {peak:,.1f} MB" if trace else ""))
    if "write" in marks:
        begun = (started, cpu_started, server_started)
        steps = [("validate", begun, marks["write"]), ("write", marks["write"], marks.get("commit", ended)),
                 ("commit", marks.get("commit", ended), ended)]
        print("    " + "; ".join(f"{name} {b[0] - a[0]:.1f} s (CPU here {b[1] - a[1]:.1f} s"
                                  + (f", server {b[2] - a[2]:.1f} s" if server else "") + ")"
                                  for name, a, b in steps))
    return {"rows": report.rows, "seconds": seconds, "rate": rate, "peak": peak,
            "cpu_rate": report.rows / total_cpu if total_cpu else 0}


def latency(client, url: str, params_list: list[dict], requests: int) -> tuple[float, float, int]:
    for params in params_list[:10]:  # warm-up
        assert client.get(url, params).status_code == 200
    samples, items = [], 0
    for n in range(requests):
        params = params_list[n % len(params_list)]
        started = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
        items += len(response.json()["items"])
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    return statistics.median(samples), p95, items // requests


def main() -> None:
    options = arguments()
    xlsx_rows = options.xlsx_rows if options.xlsx_rows is not None else min(100_000, max(1, options.instruments // 10))
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()  # the test client's host name, as in the test suite
    old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=[])
    try:
        from jiliang.accounts import services as account_services
        from jiliang.accounts.models import Division, Role, User

        vendor = connection.vendor
        version = connection.pg_version if vendor == "postgresql" else connection.Database.sqlite_version
        print(f"Jiliang registry benchmark on {vendor} {version}: {options.instruments:,} instruments from CSV, "
              f"{xlsx_rows:,} from XLSX, Python {sys.version.split()[0]}")
        city = User.objects.create(username="bench-city", role=Role.CITY_REGULATOR,
                                   division=Division.objects.get(code="511900"))
        county = User.objects.create(username="bench-county", role=Role.COUNTY_REGULATOR,
                                     division=Division.objects.get(code="511902"))
        world = World(options.instruments, options.seed)
        with tempfile.TemporaryDirectory(prefix="jiliang-bench-") as scratch:
            folder, reused = Path(scratch), False
            if options.files:
                folder = options.files / f"n{options.instruments}-x{xlsx_rows}-t{options.traced_rows}-s{options.seed}"
                reused = (folder / "complete").exists()
                folder.mkdir(parents=True, exist_ok=True)
            files = {name: folder / name for name in
                     ("instruments.csv", "instruments.xlsx", "traced.csv", "organizations.csv", "sites.csv")}
            started = time.perf_counter()
            if not reused:
                world.write_instruments_csv(files["instruments.csv"], 0, options.instruments)
                world.write_instruments_xlsx(files["instruments.xlsx"], options.instruments, xlsx_rows)
                world.write_instruments_csv(files["traced.csv"], options.instruments + xlsx_rows, options.traced_rows)
                world.write_organizations(files["organizations.csv"])
                world.write_sites(files["sites.csv"])
                (folder / "complete").touch()
            instruments_csv, instruments_xlsx = files["instruments.csv"], files["instruments.xlsx"]
            print(f"  {'reused' if reused else 'generated'} files in {time.perf_counter() - started:.1f} s "
                  f"(CSV {instruments_csv.stat().st_size / 2**20:,.0f} MB, XLSX {instruments_xlsx.stat().st_size / 2**20:,.0f} MB)"
                  + (f" in {folder}" if options.files else ""))
            if options.generate_only:
                return
            print("Import (validate every row, then write in batches in one transaction):")
            timed_import(city, "organizations", files["organizations.csv"], "organizations, CSV")
            timed_import(city, "sites", files["sites.csv"], "sites, CSV")
            rss_before = rss_mb()
            csv_run = timed_import(city, "instruments", instruments_csv, "instruments, CSV, new")
            if not options.no_reimport:
                timed_import(city, "instruments", instruments_csv, "instruments, CSV, same file again (unchanged)")
            xlsx_run = timed_import(city, "instruments", instruments_xlsx, "instruments, XLSX, new")
            traced = timed_import(city, "instruments", files["traced.csv"], "instruments, CSV, new, under tracemalloc",
                                  trace=True)
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        print("API list latency, /api/v1/instruments (Django test client, bearer token, 50 per page):")
        rng = random.Random(options.seed)
        filtered_city = [{"division": rng.choice(COUNTIES), "type": rng.choice(world.type_codes),
                          "status": rng.choice(["in_use", "in_use", "out_of_service", "scrapped"])} for _ in range(50)]
        filtered_county = [{**p, "division": "511902"} for p in filtered_city]
        searches = [{"q": f"{SERIAL_LETTERS[n % len(SERIAL_LETTERS)]}{n:09d}"[:rng.choice([6, 7, 10])]}
                    for n in (rng.randrange(options.instruments) for _ in range(50))]
        results = {}
        for who, user, filtered in (("county regulator", county, filtered_county), ("city regulator", city, filtered_city)):
            _token, raw = account_services.issue_api_token(user, "bench")
            client = Client(headers={"Authorization": f"Bearer {raw}"})
            for label, params in (("filtered page (county + type + status)", filtered), ("text search (serial prefix)", searches)):
                p50, p95, per_page = latency(client, "/api/v1/instruments", params, options.requests)
                results[(who, label)] = p95
                print(f"  {who:<17} {label:<40} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({per_page} items/page avg)")

        print("Summary:")
        print(f"  CSV import rate       {csv_run['rate']:>10,.0f} rows/s  (target >= 10,000)  "
              f"{'OK' if csv_run['rate'] >= 10_000 else 'BELOW TARGET'}; "
              f"{csv_run['cpu_rate']:,.0f} rows per CPU-second (this process and the database server); "
              f"load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs")
        print(f"  XLSX import rate      {xlsx_run['rate']:>10,.0f} rows/s  ({xlsx_run['cpu_rate']:,.0f} rows per CPU-second)")
        print(f"  peak memory           max RSS {rss_mb():,.0f} MB (before the CSV import {rss_before:,.0f} MB); "
              f"tracemalloc peak (Python heap) of an import {traced['peak']:,.1f} MB")
        worst = max(p95 for (who, label), p95 in results.items() if label.startswith("filtered"))
        print(f"  filtered page p95     {worst:>10.1f} ms      (target < 100)     {'OK' if worst < 100 else 'ABOVE TARGET'}")
    finally:
        if not options.keep:
            teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
