"""Long work through the web: a large instrument import and a large CSV export, each a background
task, served by the web unit's own gunicorn line (deploy/systemd/jiliang-web.service) beside
`jiliang jobs`, as production runs them (issue 14, item 7).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jl_bench .venv/bin/python bench/long_work.py
    .venv/bin/python bench/long_work.py --rows 60000 --export-rows 30000     # smaller, SQLite

The database named by DATABASE_URL must be empty (it is migrated and initialised here; SQLite: a
file in the scratch folder). Steps:

1. an installation in a scratch folder: environment file, migrate, init, collectstatic, a city
   regulator (second factor off for the bench, plain http: JILIANG_BEHIND_TLS=0);
2. the organizations and sites the instruments belong to, through `jiliang import` (not measured);
3. a CSV of --rows new instruments (the first --export-rows of them 在用, the rest 停用);
4. gunicorn with the unit's options on --port and `jiliang jobs`;
5. measured: sign in, upload the CSV on the import page (the request answers with the task), poll
   /api/v1/tasks/<id> until it completes; then ask the instrument list's CSV export filtered to
   在用 (--export-rows rows), poll, download the file and count its lines.

It prints the upload time, the time until each task completed, and the download time.
"""

import argparse
import csv
import http.cookiejar
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "bench"))
USER, PASSWORD = "bench-city", "Bench-Long-Work-2026"
SECRET = "Lw7-QpN2vBc_R8yTk4Hd1XfJmZ6sGa3Ue9Ko5Yi0Cx-Ez" * 2


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=600_000, help="instruments in the uploaded CSV")
    parser.add_argument("--export-rows", type=int, default=300_000, help="rows of the measured export (<= --rows)")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--background-rows", type=int, default=20_000,
                        help="JILIANG_BACKGROUND_ROWS (lower it for a small trial run)")
    parser.add_argument("--seed", type=int, default=20261206)
    return parser.parse_args()


def web_unit_command(port: int) -> list[str]:
    unit = (ROOT / "deploy" / "systemd" / "jiliang-web.service").read_text()
    line = re.search(r"^ExecStart=(.*?)(?<!\\)$", unit.replace("\\\n", " "), re.M).group(1)
    command = shlex.split(line)
    command[0] = str(BIN / "gunicorn")
    return [f"127.0.0.1:{port}" if arg == "127.0.0.1:8000" else arg for arg in command]


def installation(folder: Path, background_rows: int) -> dict:
    settings = {
        "JILIANG_BACKGROUND_ROWS": str(background_rows),
        "JILIANG_ENV": "production", "JILIANG_SECRET_KEY": SECRET, "JILIANG_ALLOWED_HOSTS": "127.0.0.1",
        "JILIANG_VAR_DIR": str(folder / "var"), "JILIANG_STATIC_ROOT": str(folder / "static"),
        "JILIANG_LEDGER_ORIGIN": "bench.jiliang.test/log", "JILIANG_BEHIND_TLS": "0",
        "JILIANG_TWO_FACTOR_REQUIRED": "0", "JILIANG_LOG_LEVEL": "WARNING",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite3'}",
    }
    env_file = folder / "jiliang.env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in settings.items()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JILIANG_") and k != "DATABASE_URL"}
    return {**env, **settings, "JILIANG_ENV_FILE": str(env_file)}


def jiliang(env: dict, *args: str, stdin: str | None = None) -> None:
    subprocess.run([str(BIN / "jiliang"), *args], env=env, input=stdin, text=True, check=True,
                   stdout=subprocess.DEVNULL)


def prepare(env: dict, folder: Path, rows: int, export_rows: int, seed: int) -> Path:
    jiliang(env, "migrate", "-v0")
    jiliang(env, "init", "--origin", "bench.jiliang.test/log")
    jiliang(env, "collectstatic", "--noinput", "-v0")
    jiliang(env, "createuser", USER, "--role", "city_regulator", "--division", "511900", "--password-stdin",
            stdin=PASSWORD + "\n")
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiliang.settings"
    import django

    django.setup()
    from registry import World

    world = World(rows, seed)
    jiliang(env, "import", "organizations", str(world.write_organizations(folder / "organizations.csv")), "--as", USER)
    jiliang(env, "import", "sites", str(world.write_sites(folder / "sites.csv")), "--as", USER)
    path = folder / "instruments.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(world.HEADERS)
        for n, row in enumerate(world.instrument_rows(0, rows)):
            row[7] = "在用" if n < export_rows else "停用"
            writer.writerow(row)
    return path


class Browser:
    """A signed-in session over plain http, as a browser would hold it."""

    def __init__(self, base: str):
        self.base, self.cookies = base, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies),
                                                  NoRedirect())

    def csrf(self) -> str:
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def open(self, path: str, data=None, headers=None):
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        return self.opener.open(request, timeout=3600)

    def sign_in(self) -> None:
        self.open("/login/").read()
        form = urllib.parse.urlencode({"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()})
        with self.open("/login/", form.encode()) as answer:
            assert answer.status == 302, answer.status

    def upload(self, path: str, file: Path) -> str:
        """POST ``file`` as the form's ``file`` field, streamed from disk; the redirect's target."""
        boundary = uuid.uuid4().hex
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{self.csrf()}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file.name}\"\r\n"
                "Content-Type: text/csv\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        length = len(head) + file.stat().st_size + len(tail)

        def body():
            yield head
            with file.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    yield chunk
            yield tail

        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(length)}
        with self.open(path, body(), headers) as answer:
            assert answer.status == 302, answer.read()[:500]
            return answer.headers["Location"]

    def redirect_of(self, path: str) -> str:
        with self.open(path) as answer:
            assert answer.status == 302, answer.status
            return answer.headers["Location"]

    def wait_for(self, task_page: str) -> dict:
        task_id = task_page.rstrip("/").rsplit("/", 1)[1]
        while True:
            with self.open(f"/api/v1/tasks/{task_id}") as answer:
                task = json.load(answer)
            if task["state"] in ("completed", "failed"):
                return task
            time.sleep(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, request, answer, code, message, headers):
        return answer


def started(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def wait_ready(base: str, server: subprocess.Popen, log: Path) -> None:
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as ready:
                if ready.status == 200:
                    return
        except OSError:
            if server.poll() is not None:
                sys.exit(log.read_text())
            time.sleep(0.5)
    sys.exit("gunicorn did not become ready")


def main():
    options = arguments()
    with tempfile.TemporaryDirectory(prefix="jiliang-long-work-") as scratch:
        folder = Path(scratch)
        env = installation(folder, options.background_rows)
        clock = time.monotonic()
        upload = prepare(env, folder, options.rows, options.export_rows, options.seed)
        print(f"prepared {options.rows:,} rows ({upload.stat().st_size / 1e6:.1f} MB CSV) "
              f"in {time.monotonic() - clock:.0f} s; database {env['DATABASE_URL'].split('@')[-1]}")
        base = f"http://127.0.0.1:{options.port}"
        web = started(web_unit_command(options.port), env, folder / "gunicorn.log")
        jobs = started([str(BIN / "jiliang"), "jobs"], env, folder / "jobs.log")
        try:
            wait_ready(base, web, folder / "gunicorn.log")
            browser = Browser(base)
            browser.sign_in()

            clock = time.monotonic()
            task_page = browser.upload("/registry/imports/instruments/", upload)
            answered = time.monotonic() - clock
            task = browser.wait_for(task_page)
            total = time.monotonic() - clock
            report = task["report"] or {}
            print(f"import  {options.rows:,} rows: the upload answered in {answered:.1f} s, task {task['state']} "
                  f"after {total:.1f} s ({options.rows / total:,.0f} rows/s); created {report.get('created')}, "
                  f"bad rows {report.get('bad_rows')} {task['message']}")

            clock = time.monotonic()
            task_page = browser.redirect_of("/registry/instruments/?status=in_use&export=csv")
            answered = time.monotonic() - clock
            task = browser.wait_for(task_page)
            ready = time.monotonic() - clock
            with browser.open(urllib.parse.urlparse(task["file_url"]).path) as download:
                lines = sum(chunk.count(b"\n") for chunk in iter(lambda: download.read(1 << 20), b""))
            total = time.monotonic() - clock
            print(f"export  {options.export_rows:,} rows: the request answered in {answered:.1f} s, task {task['state']} "
                  f"after {ready:.1f} s, downloaded after {total:.1f} s; {lines - 1:,} data lines")
        finally:
            for process in (web, jobs):
                process.terminate()
                process.wait(60)
        for log in ("gunicorn.log", "jobs.log"):
            text = (folder / log).read_text()
            if "Traceback" in text or "WORKER TIMEOUT" in text:
                print(f"--- {log}\n{text[-4000:]}")


if __name__ == "__main__":
    main()
