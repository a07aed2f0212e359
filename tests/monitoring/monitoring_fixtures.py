"""Fixtures of the monitoring tests: a gas station with a tank and nozzles, a metered premises,
devices with credentials, and message builders."""

import datetime as dt
import itertools
import json
import shutil
import socket
import subprocess
import time

import pytest

from jiliang.monitoring import services, storage
from jiliang.monitoring.models import DeviceKind
from jiliang.registry.models import Site, SiteKind

_codes = itertools.count(1)


MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_broker(directory, port: int) -> subprocess.Popen:
    """A Mosquitto of the caller's own on ``port``, with the packaged defaults and nothing kept on disk."""
    config = directory / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    return subprocess.Popen([MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def broker_port(tmp_path_factory) -> int:
    """The port of a Mosquitto started for this test process. Not the machine's broker on 1883:
    what other programs left there (persistent sessions of benchmarks and simulations, their
    queued messages, a busy publisher) is not the tests' to depend on."""
    if not shutil.which(MOSQUITTO):
        pytest.skip("Mosquitto is not installed")
    port = free_port()
    broker = start_broker(tmp_path_factory.mktemp("mosquitto"), port)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert broker.poll() is None and time.monotonic() < deadline, "the test broker did not start"
            time.sleep(0.05)
    yield port
    broker.terminate()
    broker.wait(10)


# Three days ago at midnight UTC: inside the retention period, never in the future.
T0 = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _fresh_partitions():
    """Each test database starts without partitions; forget the ones a previous test made."""
    storage.forget_partitions()
    yield
    storage.forget_partitions()


@pytest.fixture
def make_site(make_organization):
    def make(county_code: str = "511902", kind: str = SiteKind.GAS_STATION) -> Site:
        organization = make_organization(county_code)
        return Site.objects.create(organization=organization, name=f"站点{next(_codes)}", kind=kind,
                                   division=organization.division)

    return make


@pytest.fixture
def make_device(city_regulator, make_site):
    """make_device(kind, site=..., **fields) -> (device, http_token, mqtt_secret)."""

    def make(kind: str = DeviceKind.METER, site=None, code: str | None = None, **fields):
        device = services.register_device(
            city_regulator, code=code or f"dev-{kind}-{next(_codes)}", kind=kind, site=site or make_site(), **fields
        )
        token, secret = services.issue_credentials(city_regulator, device)
        device.refresh_from_db()
        return device, token, secret

    return make


def meter_reading(device, seq: int, minutes: float, register: float, **extra) -> dict:
    return {"device": device.code, "seq": seq, "time": (T0 + dt.timedelta(minutes=minutes)).isoformat(),
            "type": "meter.reading", "register": register, **extra}


def event(device, seq: int, minutes: float, code: str) -> dict:
    return {"device": device.code, "seq": seq, "time": (T0 + dt.timedelta(minutes=minutes)).isoformat(),
            "type": "event", "code": code}


def post(token: str, items: list[dict]):
    """Send a batch over the HTTP ingest with a device token."""
    from django.test import Client

    return Client().post("/api/v1/monitoring/ingest", data=json.dumps(items), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {token}")
