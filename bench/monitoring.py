"""Monitoring ingest benchmark (a script, not a test): end to end over HTTP batch and MQTT.

    .venv/bin/python bench/monitoring.py                       # SQLite, then PostgreSQL
    .venv/bin/python bench/monitoring.py --db postgres --seconds 20
    .venv/bin/python bench/monitoring.py --db sqlite --paths http --http-workers 3

For each database it makes a fresh database, migrates it, registers meters behind site gateways,
then runs the production processes: gunicorn (`gunicorn jiliang.wsgi`, gthread workers; the
`production` extra) for HTTP, and `jiliang monitor worker` processes sharing one MQTT v5 shared
subscription for MQTT, against a Mosquitto that the bench starts with the deployment settings of
docs/monitoring.md (large per-session queue; the system broker keeps the default 1000 and drops
beyond it). "End to end" is parse, validate, authenticate, de-duplicate, store, roll up and
evaluate the arrival rules, committed before the answer (HTTP) or the PUBACK (MQTT).

Per path and phase:
- sustained: the most the server takes (HTTP: clients send back to back; MQTT: --mqtt-messages
  published as fast as the publishers can, the broker holds what the workers have not taken) —
  readings/s from first send to last stored;
- steady: paced at 80 % of sustained — the receipt-to-alert latency: a tamper event (MT-03) goes
  with every third HTTP batch and, over MQTT, from each site every 40th round of 10 readings (one
  message in about 400: far more alerts than a city raises), each from a meter not tampered before
  (so each raises a new alert); printed as p50/p95/p99 of
  sent → alert row (bench clock, includes queueing and transfer) and received → alert row
  (the reading's received_at: the server's receipt);
- 3x and 10x: offered at 3 and 10 times sustained — HTTP answers 503 + Retry-After beyond the
  admission bound and the clients send the refused batch again after Retry-After (until the phase
  ends); MQTT workers take what they can and the broker holds the rest until they drain it;
- loss: every phase compares what was acknowledged (HTTP 200, MQTT PUBACK by the broker to the
  publisher) with what is stored; peak RSS of each server/worker process; CPU seconds used.
"""

import argparse
import datetime as dt
import json
import multiprocessing
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))

from jiliang.monitoring import paho_tables  # noqa: E402
from jiliang.monitoring.credentials import sign  # noqa: E402
from jiliang.monitoring.paho_batching import BatchingClient  # noqa: E402

SITES = 50
METERS_PER_SITE = 40
HTTP_BATCH = 5000
PORT = 8765  # the HTTP server's, unless --port
BROKER_PORT = 18831
READ_INTERVAL = dt.timedelta(minutes=15)
# A tamper event from each site every this many MQTT rounds: the 40 meters of a site, each tampered
# once, last through the sustained, 3x and 10x phases.
TAMPER_ROUNDS = 40
START = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=60)
BROKER_CONFIG = """\
listener {port} 127.0.0.1
allow_anonymous true
persistence false
# Deployment settings (docs/monitoring.md): a worker's session may queue a long backlog, and each
# worker's Receive Maximum (JILIANG_MONITORING_QUEUE_SIZE) bounds what is in flight to it.
max_queued_messages 2000000
max_queued_bytes 0
max_inflight_messages 0
"""

SETUP = f"""
import json
import django
django.setup()
from jiliang.accounts import services as accounts
from jiliang.accounts.models import Division, Role
from jiliang.monitoring import services
from jiliang.registry.codes import make_uscc
from jiliang.registry.models import Organization, Site
admin = accounts.create_user(None, username="bench", password="Bench-Passw0rd!", role=Role.CITY_REGULATOR,
                             division=Division.objects.get(code="511900"))
counties = ["511902", "511903", "511921", "511922", "511923"]
out = {{"sites": []}}
for s in range({SITES}):
    county = Division.objects.get(code=counties[s % 5])
    org = Organization.objects.create(uscc=make_uscc("91", county.code, f"BENCH{{s:03d}}"), name=f"供电{{s}}", division=county)
    site = Site.objects.create(organization=org, name=f"台区{{s}}", division=county)
    gateway = services.register_device(admin, code=f"gw-{{s}}", kind="gateway", site=site)
    token, secret = services.issue_credentials(admin, gateway)
    meters = []
    for m in range({METERS_PER_SITE}):
        meter = services.register_device(admin, code=f"em-{{s}}-{{m}}", kind="meter", site=site, medium="electricity")
        meters.append([meter.code, services.issue_credentials(admin, meter)[1]])
    out["sites"].append({{"gateway": gateway.code, "token": token, "secret": secret, "meters": meters}})
print(json.dumps(out))
"""


# ---------------------------------------------------------------- databases and processes


class Database:
    def __init__(self, kind: str, postgres_url: str, workdir: Path):
        self.kind = kind
        self.floor: dt.datetime | None = None
        if kind == "sqlite":
            self.path = workdir / "bench.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"jiliang_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(postgres_url, autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {self.name}")
            self.admin_url = postgres_url
            self.url = urlunparse(urlparse(postgres_url)._replace(path=f"/{self.name}"))

    def rows(self, sql: str) -> list[tuple]:
        if self.kind == "sqlite":
            with sqlite3.connect(self.path, timeout=60) as connection:
                return connection.execute(sql).fetchall()
        with psycopg.connect(self.url) as connection:
            return connection.execute(sql).fetchall()

    def scalar(self, sql: str):
        return self.rows(sql)[0][0]

    def readings(self) -> int:
        """Readings stored at or after the floor (see set_floor): counting the whole table every
        0.1 s took a PostgreSQL core from the phase being measured once it held millions of rows."""
        if self.floor is None:
            return self.scalar("SELECT COUNT(*) FROM monitoring_reading")
        floor = self.floor.isoformat() if self.kind == "postgres" else f"{self.floor.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}"
        return self.scalar(f"SELECT COUNT(*) FROM monitoring_reading WHERE time >= '{floor}'")

    def activity(self) -> tuple:
        """A cheap mark of what the meters last stored (sums over their rows of the latest register
        sequence and of the latest message time): it moves with every commit that stores a meter's
        newest message, and reads 2,000 rows where counting readings reads all above the floor."""
        seen = "EXTRACT(EPOCH FROM last_seen_at)" if self.kind == "postgres" else "julianday(last_seen_at)"
        return self.rows(f"SELECT SUM(last_register_seq), SUM({seen}) FROM monitoring_device WHERE kind = 'meter'")[0]

    def set_floor(self) -> None:
        """Before a phase: every meter's next message comes after its latest stored read (the
        sequencer only moves forward), so counting from the earliest of those counts everything the
        phase stores; none while a meter has no read yet."""
        rows = self.rows("SELECT COUNT(*) FILTER (WHERE last_register_at IS NULL), MIN(last_register_at) "
                         "FROM monitoring_device WHERE kind = 'meter'")
        missing, earliest = rows[0]
        self.floor = None if missing or earliest is None else _aware(earliest)

    def backends(self) -> list[int]:
        """The PostgreSQL server processes working for this database (none for SQLite: in-process)."""
        if self.kind == "sqlite":
            return []
        return [pid for (pid,) in self.rows(
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.name}' AND pid <> pg_backend_pid()")]

    def server_version(self) -> str:
        return sqlite3.sqlite_version if self.kind == "sqlite" else self.scalar("SHOW server_version")

    def drop(self):
        if self.kind == "postgres":
            with psycopg.connect(self.admin_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE {self.name} WITH (FORCE)")


def _aware(value) -> dt.datetime:
    """A timestamp read from either database (SQLite keeps UTC as text) as an aware datetime."""
    value = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def family(pid: int) -> list[int]:
    """The process and its descendants (gunicorn's master and workers)."""
    found = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += family(int(child))
    except OSError:
        pass
    return found


def _status(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


class Watch:
    """Peak RSS and CPU of a set of processes and their children (sampled: workers may be replaced)."""

    def __init__(self, roots):
        self.roots = roots if callable(roots) else (lambda: roots)
        self.peak: dict[int, int] = {}
        self.cpu: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def sample(self):
        for root in self.roots():
            for pid in family(root):
                self.peak[pid] = max(self.peak.get(pid, 0), _status(pid, "VmHWM:"))
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu_seconds([pid]))

    def _run(self):
        while not self.stop.wait(0.5):
            try:
                self.sample()
            except psycopg.Error:  # the database went away at the end of the run
                return

    def cpu_total(self) -> float:
        self.sample()
        return sum(self.cpu.values())

    def rss_text(self) -> str:
        self.sample()
        self.stop.set()
        values = sorted((kb / 1024 for kb in self.peak.values()), reverse=True)
        return f"{max(values):,.0f} MB per process (largest of {len(values)}; all together {sum(values):,.0f} MB)"


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return f"n/a (n={len(values)})"
    cuts = statistics.quantiles(values, n=100)
    return f"p50 {statistics.median(values):.3f} s  p95 {cuts[94]:.3f} s  p99 {cuts[98]:.3f} s  (n={len(values)})"


def wait_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


def wait_stored(db: Database, expected: int, progress_timeout: float = 60, quiet: float = 0.3) -> tuple[float, int]:
    """Wait until ``expected`` readings are stored or nothing moved for ``progress_timeout`` s.
    Returns the monotonic time the last reading was seen stored, and the backlog at the start.

    Watches the meters' activity mark every 0.1 s and counts the readings only when the mark stood
    still for ``quiet`` s: once sites had drifted a day apart (the HTTP phases), the count read
    hundreds of thousands of rows above the floor with both cores, and polling it every 0.1 s halved
    the MQTT figure it was measuring. A count that moved without the mark (a late message older
    than its meter's newest) counts as a change too."""
    counted = db.readings()
    backlog, mark, last_change, counted_at = expected - counted, db.activity(), time.monotonic(), time.monotonic()
    while counted < expected and time.monotonic() - last_change < progress_timeout:
        time.sleep(0.1)
        now = db.activity()
        if now != mark:
            mark, last_change = now, time.monotonic()
        elif time.monotonic() - max(last_change, counted_at) >= quiet:
            recount, previous_count_at, counted_at = db.readings(), counted_at, time.monotonic()
            if recount != counted and last_change < previous_count_at:
                last_change = counted_at  # moved without the mark: some time since the previous count
            counted = recount
    return last_change, backlog


class Sequencer:
    """Per-meter sequence numbers and registers, and the tamper events that measure latency."""

    def __init__(self, sites: list[dict]):
        self.sites = sites
        self.next_seq: dict[str, int] = {}
        self.register: dict[str, float] = {}
        self.tampered: set[str] = set()
        self.tamper_sent: dict[str, float] = {}  # meter code -> wall time its tamper event was first sent
        self.lock = threading.Lock()

    def readings(self, site: dict, count: int, tamper: bool) -> list[dict]:
        """Interval reads at the real 15-minute rhythm, starting 60 days back (a head-end catching
        up), so that rule windows and rollups hold what they would in the field; with ``tamper``,
        a magnetic-field event of a meter of the site not tampered before (one alert each), on the
        same timeline as the reads (an event stamped "now" among reads 60 days old would stretch
        every later arrival window of its site over those 60 days). The least advanced meters read
        first: a round smaller than the site (MQTT's 10 of 40 meters) goes round all of them, so
        every meter, and the fresh one a tamper event comes from, stays on the site's timeline."""
        items = []
        with self.lock:
            meters = site["meters"]
            order = sorted(range(len(meters)), key=lambda index: (self.next_seq.get(meters[index][0], 0), index))
            for n in range(count):
                code = meters[order[n % len(meters)]][0]
                seq = self.next_seq.get(code, 0) + 1
                self.next_seq[code] = seq
                self.register[code] = self.register.get(code, 0.0) + 0.25
                items.append({"device": code, "seq": seq, "time": (START + seq * READ_INTERVAL).isoformat(),
                              "type": "meter.reading", "register": round(self.register[code], 3)})
            fresh = [code for code, _ in meters if code not in self.tampered]
            if tamper and fresh:
                code = fresh[0]
                self.tampered.add(code)
                seq = self.next_seq.get(code, 0) + 1
                self.next_seq[code] = seq
                items.append({"device": code, "seq": seq, "time": (START + seq * READ_INTERVAL).isoformat(),
                              "type": "event", "code": "magnetic_field"})
        return items

    def sent(self, items: list[dict]) -> None:
        now = time.time()
        with self.lock:
            for item in items:
                if item["type"] == "event":
                    self.tamper_sent.setdefault(item["device"], now)


def _epoch(value) -> float:
    return _aware(value).timestamp()


def alert_latencies(db: Database, sent: dict[str, float]) -> tuple[list[float], list[float]]:
    """(sent → alert, received → alert) in seconds for the tamper events in ``sent``."""
    rows = db.rows(
        "SELECT d.code, a.created_at, r.received_at FROM monitoring_alert a "
        "JOIN monitoring_device d ON d.id = a.device_id "
        "JOIN monitoring_reading r ON r.device_id = a.device_id AND r.kind = 'event' "
        "WHERE a.rule_code = 'MT-03'"
    )
    from_sent, from_receipt = [], []
    for code, created, received in rows:
        if code in sent:
            from_sent.append(_epoch(created) - sent[code])
            from_receipt.append(_epoch(created) - _epoch(received))
    return from_sent, from_receipt


def batch_sizes(db: Database, source: str) -> str:
    """Transactions and messages per transaction so far, from the ingest audit rows."""
    sizes = [int(text.rsplit(" ", 1)[1]) for (text,) in db.rows(
        f"SELECT object_repr FROM accounts_auditevent WHERE action = 'monitoring.ingest' "
        f"AND object_repr LIKE '{source} batch of %'")]
    if not sizes:
        return "no transactions"
    return f"{len(sizes):,} transactions, {statistics.mean(sizes):,.0f} messages each on average"


def latency_lines(prefix: str, db: Database, sent: dict[str, float]) -> None:
    from_sent, from_receipt = alert_latencies(db, sent)
    print(f"{prefix} sent-to-alert     {percentiles(from_sent)}")
    print(f"{prefix} receipt-to-alert  {percentiles(from_receipt)}")


# ---------------------------------------------------------------- HTTP


def http_post(body: bytes, token: str, port: int) -> tuple[int, dict, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/monitoring/ingest", data=body,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, json.loads(response.read()), ""
    except urllib.error.HTTPError as error:
        return error.code, {}, error.headers.get("Retry-After", "")


def http_run(seq: Sequencer, port: int, seconds: float, clients: int, rate: float | None = None) -> dict:
    """Clients send batches for ``seconds`` (paced to ``rate`` readings/s in total if given); a
    batch refused with 503 is sent again after Retry-After, as a device would, until the phase
    ends (a batch still refused then was never acknowledged: the device keeps it)."""
    stats = {"accepted": 0, "sent": 0, "busy": 0, "errors": 0, "kept": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int):
        batches = 0
        next_slot = time.monotonic()
        while time.monotonic() < deadline:
            site = seq.sites[(number + batches * clients) % len(seq.sites)]
            items = seq.readings(site, HTTP_BATCH, tamper=batches % 3 == 0)
            body = json.dumps(items).encode()
            seq.sent(items)
            while True:
                status, answer, retry_after = http_post(body, site["token"], port)
                with lock:
                    if status == 200:
                        stats["accepted"] += answer["accepted"]
                    elif status == 503:
                        stats["busy"] += 1
                    else:
                        stats["errors"] += 1
                if status != 503:
                    break
                if time.monotonic() + float(retry_after or 1) > deadline:
                    with lock:
                        stats["kept"] += 1
                    break
                time.sleep(float(retry_after or 1))
            with lock:
                stats["sent"] += len(items)
            batches += 1
            if rate:
                next_slot += len(items) / (rate / clients)
                time.sleep(max(0.0, next_slot - time.monotonic()))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats["elapsed"] = time.monotonic() - started
    return stats


def server_command(workers: int, threads: int, port: int) -> tuple[list[str], str]:
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or _importable("gunicorn"):
        return ([sys.executable, "-m", "gunicorn", "jiliang.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
                 "--timeout", "300", "--log-level", "warning"],
                f"gunicorn jiliang.wsgi --workers {workers} --worker-class gthread --threads {threads}")
    return ([sys.executable, "-m", "jiliang.cli", "serve", f"127.0.0.1:{port}"],
            "jiliang serve (one process; install the production extra for gunicorn)")


def _importable(name: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True).returncode == 0


def bench_http(db: Database, env: dict, seq: Sequencer, seconds: float, workers: int, threads: int,
               admitted_batches: int, port: int) -> None:
    command, described = server_command(workers, threads, port)
    queue = admitted_batches * HTTP_BATCH
    server = subprocess.Popen(command, env={**env, "JILIANG_MONITORING_QUEUE_SIZE": str(queue)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        http_post(b"[]", seq.sites[0]["token"], port)  # warm up: imports, first connection
        watch, database = Watch([server.pid]), Watch(db.backends)
        print(f"  HTTP server: {described}; JILIANG_MONITORING_QUEUE_SIZE={queue} per process; "
              f"{HTTP_BATCH} readings per request")
        clients = 2 * workers
        db.set_floor()
        before, cpu0, db_cpu0 = db.readings(), watch.cpu_total(), database.cpu_total()
        run = http_run(seq, port, seconds, clients=clients)
        stored = db.readings() - before
        rate = run["accepted"] / run["elapsed"]
        print(f"  HTTP sustained: {rate:,.0f} readings/s ({run['accepted']:,} in {run['elapsed']:.1f} s, {clients} clients "
              f"back to back; CPU: server {watch.cpu_total() - cpu0:.1f} s, database {database.cpu_total() - db_cpu0:.1f} s; "
              f"{load()})")
        print(f"  HTTP sustained: stored {stored:,} of {run['accepted']:,} acknowledged; lost {run['accepted'] - stored:,}; "
              f"503s {run['busy']}, errors {run['errors']}")
        for label, factor, count in (("steady 80%", 0.8, clients), ("3x", 3, 3 * clients), ("10x", 10, 10 * clients)):
            db.set_floor()
            before, cpu0, db_cpu0 = db.readings(), watch.cpu_total(), database.cpu_total()
            marker = set(seq.tamper_sent)
            run = http_run(seq, port, seconds / (1 if factor < 1 else 2), clients=count, rate=rate * factor)
            stored = db.readings() - before
            print(f"  HTTP {label} ({rate * factor:,.0f} readings/s offered by {count} clients): "
                  f"{run['accepted'] / run['elapsed']:,.0f} readings/s accepted; {run['busy']} requests refused with "
                  f"503 + Retry-After (sent again after it; {run['kept']} still refused when the phase ended, kept by "
                  f"the device); errors {run['errors']}; stored {stored:,} of {run['accepted']:,} "
                  f"acknowledged, lost {run['accepted'] - stored:,}; CPU: server {watch.cpu_total() - cpu0:.1f} s, database "
                  f"{database.cpu_total() - db_cpu0:.1f} s; {load()}")
            latency_lines(f"  HTTP {label}:", db, {c: t for c, t in seq.tamper_sent.items() if c not in marker})
        print(f"  HTTP ingest: {batch_sizes(db, 'http')}")
        print(f"  HTTP server peak RSS: {watch.rss_text()}")
    finally:
        server.terminate()
        server.wait(timeout=60)


# ---------------------------------------------------------------- MQTT


def _publisher(pipe, sites: list[dict], state: tuple, port: int) -> None:
    """One publisher process (devices of its own sites): publishes QoS 1 at the asked rate and
    reports what it sent, what the broker acknowledged, and when each tamper event went out."""
    paho_tables.install()  # the devices' own CPU is not the platform's: keep the publishers lean
    seq = Sequencer(sites)
    seq.next_seq, seq.register, seq.tampered = state
    acked = [0]
    # BatchingClient reads the broker's PUBACKs in large chunks (paho reads each packet with
    # three recv calls and a select), as the worker does with publications.
    client = BatchingClient(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    # No in-flight limit: with one, paho re-scans every unacknowledged message on each PUBACK
    # (Client._update_inflight), and a publisher tens of thousands ahead spent both cores on that,
    # starving the workers it was measuring. The broker acknowledges each publication on receipt.
    client.max_inflight_messages_set(0)
    client.max_queued_messages_set(0)
    client.on_publish = lambda *args: acked.__setitem__(0, acked[0] + 1)
    client.connect("127.0.0.1", port)
    client.loop_start()
    secrets = {code: secret for site in sites for code, secret in site["meters"]}
    while True:
        command = pipe.recv()
        if command is None:
            break
        rate, seconds, count = command
        sent, rounds, acked[0] = 0, 0, 0
        seq.tamper_sent = {}
        started = time.monotonic()
        next_slot = started
        while (sent < count) if count else (time.monotonic() - started < seconds):
            for site in sites:
                items = seq.readings(site, 10, tamper=rounds % TAMPER_ROUNDS == 0)
                for item in items:
                    topic = f"jiliang/{item['device']}/{'events' if item['type'] == 'event' else 'readings'}"
                    payload = json.dumps(item).encode()
                    properties = Properties(PacketTypes.PUBLISH)
                    properties.UserProperty = ("sig", sign(secrets[item["device"]], topic, payload))
                    client.publish(topic, payload, qos=1, properties=properties)
                seq.sent(items)
                sent += len(items)
            rounds += 1
            if rate:
                next_slot += 10 * len(sites) / rate
                time.sleep(max(0.0, next_slot - time.monotonic()))
        elapsed = time.monotonic() - started
        deadline = time.monotonic() + 120
        while acked[0] < sent and time.monotonic() < deadline:
            time.sleep(0.05)
        pipe.send({"sent": sent, "acked": acked[0], "elapsed": elapsed, "tamper_sent": seq.tamper_sent})
    client.disconnect()
    client.loop_stop()


class Publishers:
    def __init__(self, seq: Sequencer, count: int, port: int):
        self.pipes, self.processes = [], []
        context = multiprocessing.get_context("fork")
        for number in range(count):
            mine, theirs = context.Pipe()
            sites = seq.sites[number::count]
            codes = {code for site in sites for code, _ in site["meters"]}
            state = ({c: s for c, s in seq.next_seq.items() if c in codes},
                     {c: r for c, r in seq.register.items() if c in codes}, set(seq.tampered) & codes)
            process = context.Process(target=_publisher, args=(theirs, sites, state, port), daemon=True)
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)

    def run(self, rate: float | None, seconds: float, count: int = 0) -> dict:
        """Publish at ``rate`` msg/s in total for ``seconds``, or ``count`` messages as fast as possible."""
        for pipe in self.pipes:
            pipe.send((rate / len(self.pipes) if rate else None, seconds, count // len(self.pipes)))
        answers = [pipe.recv() for pipe in self.pipes]
        return {"sent": sum(a["sent"] for a in answers), "acked": sum(a["acked"] for a in answers),
                "elapsed": max(a["elapsed"] for a in answers),
                "tamper_sent": {c: t for a in answers for c, t in a["tamper_sent"].items()}}

    def close(self):
        for pipe in self.pipes:
            pipe.send(None)
        for process in self.processes:
            process.join(timeout=30)


def probe_until_subscribed(db: Database, site: dict, port: int, timeout: float = 120) -> None:
    """Publish gateway heartbeats until one is stored: the workers are up and subscribed."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", port)
    client.loop_start()
    topic, before, deadline = f"jiliang/{site['gateway']}/events", db.readings(), time.monotonic() + timeout
    try:
        for number in range(1, 10_000):
            payload = json.dumps({"device": site["gateway"], "seq": number, "type": "heartbeat",
                                  "time": dt.datetime.now(dt.UTC).isoformat()}).encode()
            properties = Properties(PacketTypes.PUBLISH)
            properties.UserProperty = ("sig", sign(site["secret"], topic, payload))
            client.publish(topic, payload, qos=1, properties=properties).wait_for_publish(10)
            time.sleep(1)
            if db.readings() > before or time.monotonic() > deadline:
                return
    finally:
        client.disconnect()
        client.loop_stop()


def start_broker(workdir: Path, system: bool) -> tuple[subprocess.Popen | None, int, str]:
    if system or not shutil.which("mosquitto", path="/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin"):
        return None, 1883, "the system Mosquitto on 1883 (its own configuration)"
    config = workdir / "mosquitto.conf"
    config.write_text(BROKER_CONFIG.format(port=BROKER_PORT))
    binary = shutil.which("mosquitto", path="/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin")
    broker = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(BROKER_PORT)
    return broker, BROKER_PORT, (f"a Mosquitto of its own on {BROKER_PORT} with the deployment settings "
                                 "(max_queued_messages 2000000, max_inflight_messages 0)")


def mqtt_phase(db: Database, publishers: Publishers, rate: float | None, seconds: float, count: int = 0) -> dict:
    db.set_floor()
    before = db.readings()
    started = time.monotonic()
    published = publishers.run(rate, seconds, count)
    finished, backlog = wait_stored(db, before + published["acked"])
    stored = db.readings() - before
    return {**published, "stored": stored, "span": finished - started, "backlog": backlog,
            "drain": max(0.0, finished - started - published["elapsed"])}


def bench_mqtt(db: Database, env: dict, seq: Sequencer, seconds: float, workers: int, publishers_count: int,
               messages: int, workdir: Path, system_broker: bool) -> None:
    broker, port, described = start_broker(workdir, system_broker)
    group = f"bench{uuid.uuid4().hex[:6]}"
    client_ids = [f"jiliang-bench-{group}-{n}" for n in range(workers)]
    processes = [subprocess.Popen([sys.executable, "-m", "jiliang.cli", "monitor", "worker", "--client-id", client_id,
                                   "--share", group, "--no-tick"],
                                  env={**env, "JILIANG_MONITORING_MQTT_PORT": str(port)},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for client_id in client_ids]
    publishers = None
    try:
        print(f"  MQTT broker: {described}; {workers} x `jiliang monitor worker --share {group}` "
              f"(JILIANG_MONITORING_QUEUE_SIZE={env['JILIANG_MONITORING_QUEUE_SIZE']}, "
              f"BATCH_SIZE={env['JILIANG_MONITORING_BATCH_SIZE']}); {publishers_count} publisher processes, "
              "one reading per signed QoS 1 publication")
        probe_until_subscribed(db, seq.sites[0], port)
        watch, database = Watch([p.pid for p in processes]), Watch(db.backends)
        publishers = Publishers(seq, publishers_count, port)
        cpu0, db_cpu0 = watch.cpu_total(), database.cpu_total()
        run = mqtt_phase(db, publishers, None, 0, messages)
        rate = run["stored"] / run["span"]
        print(f"  MQTT sustained: {rate:,.0f} msg/s ({run['stored']:,} stored in {run['span']:.1f} s; published as fast as "
              f"the publishers could, {run['sent'] / run['elapsed']:,.0f} msg/s for {run['elapsed']:.1f} s, "
              f"the broker's backlog drained {run['drain']:.1f} s after; CPU: workers "
              f"{watch.cpu_total() - cpu0:.1f} s, database {database.cpu_total() - db_cpu0:.1f} s; {load()})")
        print(f"  MQTT sustained: stored {run['stored']:,} of {run['acked']:,} acknowledged by the broker "
              f"({run['sent']:,} published); lost {run['acked'] - run['stored']:,}")
        for label, factor in (("steady 80%", 0.8), ("3x", 3), ("10x", 10)):
            cpu0, db_cpu0 = watch.cpu_total(), database.cpu_total()
            run = mqtt_phase(db, publishers, rate * factor, seconds / (1 if factor < 1 else 2))
            print(f"  MQTT {label} ({rate * factor:,.0f} msg/s asked, {run['sent'] / run['elapsed']:,.0f} msg/s published): "
                  f"{run['stored'] / run['span']:,.0f} msg/s stored; the broker still held {run['backlog']:,} messages "
                  f"when the publishers had their last PUBACK, drained {run['drain']:.1f} s after publishing; stored {run['stored']:,} of "
                  f"{run['acked']:,} acknowledged, lost {run['acked'] - run['stored']:,}; CPU: workers "
                  f"{watch.cpu_total() - cpu0:.1f} s, database {database.cpu_total() - db_cpu0:.1f} s; {load()}")
            latency_lines(f"  MQTT {label}:", db, run["tamper_sent"])
        print(f"  MQTT ingest: {batch_sizes(db, 'mqtt')}")
        print(f"  MQTT worker peak RSS: {watch.rss_text()} (Receive Maximum = JILIANG_MONITORING_QUEUE_SIZE "
              "bounds what each worker holds)")
    finally:
        if publishers:
            publishers.close()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        for client_id in client_ids:  # end the persistent sessions
            forget = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
            forget.connect("127.0.0.1", port, clean_start=True)
            forget.disconnect()
        if broker:
            broker.terminate()
            broker.wait(timeout=30)


# ---------------------------------------------------------------- main


def run(kind: str, args) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        db = Database(kind, args.postgres_url, Path(workdir))
        env = {**os.environ, "DATABASE_URL": db.url, "JILIANG_VAR_DIR": str(Path(workdir) / "var"),
               "DJANGO_SETTINGS_MODULE": "jiliang.settings", "JILIANG_LOG_LEVEL": "ERROR",
               "PYTHONPATH": str(SRC), "JILIANG_MONITORING_QUEUE_SIZE": str(args.mqtt_queue),
               "JILIANG_MONITORING_BATCH_SIZE": str(args.mqtt_batch)}
        try:
            subprocess.run([sys.executable, "-m", "jiliang.cli", "migrate", "-v0"], env=env, check=True)
            setup = subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, capture_output=True, text=True)
            seq = Sequencer(json.loads(setup.stdout.strip().splitlines()[-1])["sites"])
            print(f"== {kind} {db.server_version()}: {SITES} sites x {METERS_PER_SITE} meters; "
                  f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {load()} on {os.cpu_count()} CPUs ==")
            if "http" in args.paths:
                bench_http(db, env, seq, args.seconds, args.http_workers, args.http_threads, args.http_admitted,
                           args.port)
            if "mqtt" in args.paths:
                bench_mqtt(db, env, seq, args.seconds, args.mqtt_workers, args.publishers, args.mqtt_messages,
                           Path(workdir), args.system_broker)
        finally:
            db.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=PORT, help="port of the HTTP server the bench starts")
    parser.add_argument("--paths", default="http,mqtt")
    parser.add_argument("--http-workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--http-threads", type=int, default=6, help="threads per gunicorn worker")
    parser.add_argument("--http-admitted", type=int, default=3,
                        help="batches a server process works on at once (JILIANG_MONITORING_QUEUE_SIZE = this x batch);"
                             " the other threads answer 503 + Retry-After")
    parser.add_argument("--mqtt-workers", type=int, default=2, help="`jiliang monitor worker` processes (one share group)")
    parser.add_argument("--mqtt-queue", type=int, default=20_000,
                        help="JILIANG_MONITORING_QUEUE_SIZE of a worker (its Receive Maximum and queue)")
    parser.add_argument("--mqtt-batch", type=int, default=5_000,
                        help="JILIANG_MONITORING_BATCH_SIZE of a worker (publications a batch takes from its queue)")
    parser.add_argument("--publishers", type=int, default=2, help="MQTT publisher processes")
    # 200,000: about half a minute; a run of 40,000 was mostly the publishers' two-second burst and
    # moved by a factor of two from run to run.
    parser.add_argument("--mqtt-messages", type=int, default=200_000,
                        help="messages published as fast as possible in the sustained MQTT phase")
    parser.add_argument("--system-broker", action="store_true", help="use the system Mosquitto on 1883")
    args = parser.parse_args()
    for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        run(kind, args)


if __name__ == "__main__":
    main()
