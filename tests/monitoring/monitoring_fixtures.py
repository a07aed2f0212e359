"""Fixtures of the monitoring tests: a gas station with a tank and nozzles, a metered premises,
devices with credentials, and message builders."""

import datetime as dt
import itertools
import json
import socket

import pytest

from jiliang.monitoring import services, storage
from jiliang.monitoring.models import DeviceKind
from jiliang.registry.models import Site, SiteKind

_codes = itertools.count(1)


def _broker_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 1883), timeout=1).close()
        return True
    except OSError:
        return False


needs_broker = pytest.mark.skipif(not _broker_up(), reason="Mosquitto is not listening on 127.0.0.1:1883")

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
