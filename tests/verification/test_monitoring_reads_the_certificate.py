"""Issue 15, item 4: the monitoring rules read the verified state from verification — the
certificate in force of the instrument a device is bound to — not dates typed into the device."""

import pytest

from jiliang.monitoring import engine, services
from jiliang.monitoring.models import Alert, DeviceKind

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
