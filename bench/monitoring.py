"""Monitoring ingest benchmark (a script, not a test): end to end over HTTP batch and MQTT.

    .venv/bin/python bench/monitoring.py                       # SQLite, then PostgreSQL if reachable
    .venv/bin/python bench/monitoring.py --db sqlite --seconds 20
    .venv/bin/python bench/monitoring.py --db postgres --postgres-url postgres://postgres@127.0.0.1:5432/postgres

For each database it makes a fresh database, migrates it, registers meters behind site gateways,
then runs the real processes: `jiliang serve` for HTTP, `jiliang monitor worker` with the real
Mosquitto for MQTT. "End to end" is parse, validate, authenticate, de-duplicate, store, roll up and
evaluate the arrival rules, committed before the answer (HTTP) or the PUBACK (MQTT).

Printed per path: sustained readings/s, p50/p95/p99 receipt-to-alert latency (a tamper event is
sent every few batches; latency = alert row written − message sent), peak RSS of the server or
worker, stored vs sent (loss), and the behaviour at 3x and 10x the sustained rate (503s with
Retry-After on HTTP; on MQTT the broker holds what the worker has not acknowledged).
"""

import argparse
import datetime as dt
import json
import os
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

from jiliang.monitoring.credentials import sign  # noqa: E402

SITES = 50
METERS_PER_SITE = 40
HTTP_BATCH = 5000
PORT = 8765
READ_INTERVAL = dt.timedelta(minutes=15)
START = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=60)

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
        if kind == "sqlite":
            self.path = workdir / "bench.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"jiliang_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(postgres_url, autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {self.name}")
            self.admin_url = postgres_url
            self.url = urlunparse(urlparse(postgres_url)._replace(path=f"/{self.name}"))

    def scalar(self, sql: str):
        if self.kind == "sqlite":
            with sqlite3.connect(self.path, timeout=60) as connection:
                return connection.execute(sql).fetchone()[0]
        with psycopg.connect(self.url) as connection:
            return connection.execute(sql).fetchone()[0]

    def drop(self):
        if self.kind == "postgres":
            with psycopg.connect(self.admin_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE {self.name} WITH (FORCE)")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return "n/a (too few alerts)"
    cuts = statistics.quantiles(values, n=100)
    return f"p50 {statistics.median(values):.3f} s  p95 {cuts[94]:.3f} s  p99 {cuts[98]:.3f} s  (n={len(values)})"


class Sequencer:
    """Per-meter sequence numbers and registers, and the tamper events that measure latency."""

    def __init__(self, sites: list[dict]):
        self.sites = sites
        self.next_seq: dict[str, int] = {}
        self.register: dict[str, float] = {}
        self.tamper_sent: dict[str, float] = {}  # meter code -> wall time the tamper event was sent
        self.lock = threading.Lock()
        self.tampered = 0

    def readings(self, site: dict, count: int, tamper: bool) -> list[dict]:
        """Interval reads at the real 15-minute rhythm, starting 60 days back (a head-end catching
        up), so that rule windows and rollups hold what they would in the field."""
        now = dt.datetime.now(dt.UTC)
        items = []
        with self.lock:
            meters = site["meters"]
            for n in range(count):
                code = meters[n % len(meters)][0]
                seq = self.next_seq.get(code, 0) + 1
                self.next_seq[code] = seq
                self.register[code] = self.register.get(code, 0.0) + 0.25
                items.append({"device": code, "seq": seq, "time": (START + seq * READ_INTERVAL).isoformat(),
                              "type": "meter.reading", "register": round(self.register[code], 3)})
            if tamper:
                code = meters[self.tampered % len(meters)][0]
                self.tampered += 1
                seq = self.next_seq.get(code, 0) + 1
                self.next_seq[code] = seq
                items.append({"device": code, "seq": seq, "time": now.isoformat(), "type": "event",
                              "code": "magnetic_field"})
                self.tamper_sent[code] = time.time()
        return items


def alert_latencies(db: Database, sent: dict[str, float]) -> list[float]:
    rows = json.loads(db.scalar(
        "SELECT json_group_array(json_array(d.code, a.created_at)) FROM monitoring_alert a "
        "JOIN monitoring_device d ON d.id = a.device_id WHERE a.rule_code = 'MT-03'"
        if db.kind == "sqlite" else
        "SELECT COALESCE(json_agg(json_build_array(d.code, extract(epoch FROM a.created_at))), '[]')::text "
        "FROM monitoring_alert a JOIN monitoring_device d ON d.id = a.device_id WHERE a.rule_code = 'MT-03'"
    ))
    latencies = []
    for code, created in rows:
        if code not in sent:
            continue
        if isinstance(created, str):
            created = dt.datetime.fromisoformat(created).replace(tzinfo=dt.UTC).timestamp()
        latencies.append(created - sent[code])
    return latencies


# ---------------------------------------------------------------- HTTP


def http_post(token: str, items: list[dict]) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}/api/v1/monitoring/ingest", data=json.dumps(items).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def http_run(seq: Sequencer, seconds: float, clients: int, rate: float | None = None) -> dict:
    """Clients send batches for ``seconds``; with ``rate`` (readings/s in total) they pace themselves."""
    stats = {"accepted": 0, "sent": 0, "busy": 0, "errors": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int):
        batches = 0
        while time.monotonic() < deadline:
            site = seq.sites[(number + batches * clients) % len(seq.sites)]
            items = seq.readings(site, HTTP_BATCH, tamper=batches % 3 == 0)
            started = time.monotonic()
            status, body = http_post(site["token"], items)
            with lock:
                stats["sent"] += len(items)
                if status == 200:
                    stats["accepted"] += body["accepted"]
                elif status == 503:
                    stats["busy"] += 1
                else:
                    stats["errors"] += 1
            batches += 1
            if rate:
                pause = len(items) / (rate / clients) - (time.monotonic() - started)
                if pause > 0:
                    time.sleep(pause)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats["elapsed"] = time.monotonic() - started
    return stats


def bench_http(db: Database, env: dict, seq: Sequencer, seconds: float) -> None:
    server = subprocess.Popen([sys.executable, "-m", "jiliang.cli", "serve", f"127.0.0.1:{PORT}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        before = db.scalar("SELECT COUNT(*) FROM monitoring_reading")
        sustained = http_run(seq, seconds, clients=2)
        stored = db.scalar("SELECT COUNT(*) FROM monitoring_reading") - before
        rate = sustained["accepted"] / sustained["elapsed"]
        print(f"  HTTP batch sustained: {rate:,.0f} readings/s ({sustained['accepted']:,} in {sustained['elapsed']:.1f} s, "
              f"2 clients x {HTTP_BATCH} per batch; 503s {sustained['busy']}, errors {sustained['errors']})")
        print(f"  HTTP stored {stored:,} of {sustained['accepted']:,} acknowledged (200); lost: {sustained['accepted'] - stored:,}")
        print(f"  HTTP receipt-to-alert: {percentiles(alert_latencies(db, seq.tamper_sent))}")
        for factor in (3, 10):
            overload = http_run(seq, seconds / 2, clients=2 * factor, rate=rate * factor)
            print(f"  HTTP at {factor}x ({rate * factor:,.0f} readings/s offered by {2 * factor} clients): "
                  f"{overload['accepted'] / overload['elapsed']:,.0f} readings/s accepted, "
                  f"{overload['busy']} batches refused with 503 + Retry-After, {overload['errors']} errors")
        print(f"  HTTP server peak RSS: {peak_rss_mb(server.pid):,.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)


# ---------------------------------------------------------------- MQTT


def mqtt_publisher() -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(2000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    return client


def mqtt_send(client: mqtt.Client, seq: Sequencer, count: int, tamper: bool) -> list:
    infos = []
    for site in seq.sites:
        items = seq.readings(site, count, tamper)
        secrets = dict(site["meters"])
        for item in items:
            topic = f"jiliang/{item['device']}/{'events' if item['type'] == 'event' else 'readings'}"
            payload = json.dumps(item).encode()
            properties = Properties(PacketTypes.PUBLISH)
            properties.UserProperty = ("sig", sign(secrets[item["device"]], topic, payload))
            infos.append(client.publish(topic, payload, qos=1, properties=properties))
    return infos


def mqtt_phase(db: Database, client: mqtt.Client, seq: Sequencer, seconds: float, rate: float, window: int) -> dict:
    """Publish at ``rate`` msg/s for ``seconds``; the publisher never runs more than ``window``
    messages ahead of what is stored (the devices' own QoS 1 flow control stands in for this)."""
    before = db.scalar("SELECT COUNT(*) FROM monitoring_reading")
    sent, started, waited = 0, time.monotonic(), 0.0
    round_size = len(seq.sites) * 10
    while time.monotonic() - started < seconds:
        tick = time.monotonic()
        infos = mqtt_send(client, seq, 10, tamper=(sent // round_size) % 5 == 0)
        sent += len(infos)
        ahead = sent - (db.scalar("SELECT COUNT(*) FROM monitoring_reading") - before)
        while ahead > window:
            pause = time.monotonic()
            time.sleep(0.05)
            waited += time.monotonic() - pause
            ahead = sent - (db.scalar("SELECT COUNT(*) FROM monitoring_reading") - before)
        pause = len(infos) / rate - (time.monotonic() - tick)
        if pause > 0:
            time.sleep(pause)
    deadline = time.monotonic() + 120
    while db.scalar("SELECT COUNT(*) FROM monitoring_reading") - before < sent and time.monotonic() < deadline:
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    stored = db.scalar("SELECT COUNT(*) FROM monitoring_reading") - before
    return {"sent": sent, "stored": stored, "elapsed": elapsed, "held_back_s": waited}


def bench_mqtt(db: Database, env: dict, seq: Sequencer, seconds: float) -> None:
    client_id = f"jiliang-bench-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen([sys.executable, "-m", "jiliang.cli", "monitor", "worker", "--client-id", client_id,
                               "--no-tick"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    publisher = mqtt_publisher()
    try:
        time.sleep(12)  # the worker starts and subscribes
        # Mosquitto here keeps max_queued_messages = 1000 per session: the window keeps the
        # publisher within it so that a loss would be ours, not the broker's configured limit.
        sustained = mqtt_phase(db, publisher, seq, seconds, rate=50_000, window=1200)
        rate = sustained["stored"] / sustained["elapsed"]
        print(f"  MQTT sustained: {rate:,.0f} msg/s (one reading per QoS 1 publication; {sustained['stored']:,} stored "
              f"of {sustained['sent']:,} published, loss {sustained['sent'] - sustained['stored']})")
        print(f"  MQTT receipt-to-alert: {percentiles(alert_latencies(db, seq.tamper_sent))}")
        for factor in (3, 10):
            phase = mqtt_phase(db, publisher, seq, seconds / 2, rate=rate * factor, window=1200)
            print(f"  MQTT at {factor}x ({rate * factor:,.0f} msg/s offered): {phase['stored'] / phase['elapsed']:,.0f} msg/s "
                  f"stored, loss {phase['sent'] - phase['stored']}, publisher held back {phase['held_back_s']:.1f} s "
                  f"by unacknowledged QoS 1 messages")
        print(f"  MQTT worker peak RSS: {peak_rss_mb(worker.pid):,.0f} MB "
              f"(Receive Maximum = JILIANG_MONITORING_QUEUE_SIZE bounds what is in memory)")
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        publisher.disconnect()
        publisher.loop_stop()
        forget = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        forget.connect("127.0.0.1", 1883, clean_start=True)
        forget.disconnect()


# ---------------------------------------------------------------- main


def run(kind: str, postgres_url: str, seconds: float, paths: list[str]) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        db = Database(kind, postgres_url, Path(workdir))
        env = {**os.environ, "DATABASE_URL": db.url, "JILIANG_VAR_DIR": str(Path(workdir) / "var"),
               "DJANGO_SETTINGS_MODULE": "jiliang.settings", "JILIANG_LOG_LEVEL": "ERROR",
               "PYTHONPATH": str(SRC), "JILIANG_MONITORING_QUEUE_SIZE": "20000",
               "JILIANG_MONITORING_BATCH_SIZE": "2000"}
        try:
            subprocess.run([sys.executable, "-m", "jiliang.cli", "migrate", "-v0"], env=env, check=True)
            setup = subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, capture_output=True, text=True)
            seq = Sequencer(json.loads(setup.stdout.strip().splitlines()[-1])["sites"])
            print(f"== {kind}: {SITES} sites x {METERS_PER_SITE} meters, load average {os.getloadavg()[0]:.1f} "
                  f"on {os.cpu_count()} CPUs ==")
            if "http" in paths:
                bench_http(db, env, seq, seconds)
            if "mqtt" in paths:
                bench_mqtt(db, env, seq, seconds)
        finally:
            db.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--paths", default="http,mqtt")
    args = parser.parse_args()
    for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        run(kind, args.postgres_url, args.seconds, args.paths.split(","))


if __name__ == "__main__":
    main()
