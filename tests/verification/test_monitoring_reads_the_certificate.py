"""Issue 15, item 4: the monitoring rules read the verified state from verification — the
certificate in force of the instrument a device is bound to — not dates typed into the device."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from jiliang.monitoring import engine, services
from jiliang.monitoring.ingest import Incoming, ingest
from jiliang.monitoring.messages import parse_item
from jiliang.monitoring.models import Alert, DeviceKind, IngestSource
from jiliang.monitoring.rules import types as rt
from jiliang.verification import services as verification_services

from .conftest import days
from .due_testkit import with_state

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("failed", [False, True])
def test_fd10_reads_the_certificate_in_force_over_the_devices_own_dates(world, failed):
    instrument = with_state(world, days(-40), failed=failed)  # expired 40 days ago, or failed 10 days ago
    nozzle = services.register_device(world.city, code=f"N-{instrument.pk}", kind=DeviceKind.NOZZLE, instrument=instrument,
                                      attributes={"valid_until": "2099-01-01", "last_verified": "2026-01-01"})
    engine.tick()
    alert = Alert.objects.get(device=nozzle, rule_code="FD-10")
    assert alert.evidence["computation"]["due"] == (days(-10) if failed else days(-40)).isoformat()


@pytest.mark.parametrize("recorded_k", [None, D("100.5000")])
def test_a_verification_registers_the_dispensers_new_k_factor_for_fd01(world, recorded_k):
    """Issue 17, item 4: the verifier re-adjusts K to 100.5 and records it with the verification;
    the dispenser's report of the change is then no tampering (without the record it is)."""
    instrument = world.make_instrument()
    world.record(instrument=instrument, performed_on=days(0), k_factor=recorded_k)
    nozzle = services.register_device(world.city, code=f"N-{instrument.pk}", kind=DeviceKind.NOZZLE, instrument=instrument,
                                      attributes={"verified_k_factor": 100.0})
    now = timezone.now()
    # Two hours ago: past FD-01's grace period, in which a work order recorded after the change explains it.
    change = rt.ParameterChange(nozzle.code, 1, now - dt.timedelta(hours=2), "k_factor", 100.0, 100.5)
    ingest([Incoming(parse_item(engine.message_of(change, 1)))], source=IngestSource.HTTP, sender=nozzle)
    engine.tick(now)
    assert Alert.objects.filter(device=nozzle, rule_code="FD-01").exists() is (recorded_k is None)
    assert engine.device_profile(nozzle.pk).verified_k_factor == (100.5 if recorded_k else 100.0)


def test_a_revoked_verification_no_longer_gives_its_k_factor(world):
    instrument = world.make_instrument()
    world.record(instrument=instrument, performed_on=days(-20), k_factor=D("99.8"))
    latest = world.record(instrument=instrument, performed_on=days(-5), k_factor=D("100.2"))
    nozzle = services.register_device(world.city, code=f"N-{instrument.pk}", kind=DeviceKind.NOZZLE, instrument=instrument)
    assert engine.device_profile(nozzle.pk).verified_k_factor == 100.2
    verification_services.revoke(world.verifier, latest, "录入错误")
    assert engine.device_profile(nozzle.pk).verified_k_factor == 99.8
