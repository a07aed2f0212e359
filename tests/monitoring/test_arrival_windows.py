"""The arrival path reads only what its rules compare: a rule that looks at one device at a time
gets the devices that sent; a rule that compares a site's devices gets them all."""

import datetime as dt

import pytest

from jiliang.monitoring import services
from jiliang.monitoring.models import Alert, DeviceKind
from monitoring_fixtures import T0, post

pytestmark = pytest.mark.django_db


def fill(nozzle, seq: int, minutes: float, duration_s: float) -> dict:
    volume = 20.0
    return {"device": nozzle.code, "seq": seq, "time": (T0 + dt.timedelta(minutes=minutes)).isoformat(),
            "type": "dispenser.transaction", "duration_s": duration_s, "volume_l": volume, "pulses": 2000,
            "k_factor": 100.0, "unit_price": 7.5, "amount_yuan": 150.0, "totaliser_start_l": 1000.0 + volume * seq,
            "totaliser_end_l": 1000.0 + volume * (seq + 1), "fuel_temperature_c": 15.0}


def test_a_site_wide_rule_on_arrival_compares_the_nozzle_that_sent_with_its_silent_siblings(
        make_device, make_site, city_regulator):
    # FD-09 over half a day runs on arrival (rules of up to a day do), with two fills a nozzle enough.
    services.edit_thresholds(city_regulator, "FD-09", {"period": 0.5, "minimum_fills": 2})
    site = make_site()
    nozzles = [make_device(DeviceKind.NOZZLE, site=site, attributes={"qmax": 50.0, "qmin": 5.0, "product": "92#"})
               for _ in range(4)]
    for number, (nozzle, token, _) in enumerate(nozzles[:3]):  # 30 L/min, then silent
        assert post(token, [fill(nozzle, seq, 5 * number + 20 * seq, 40.0) for seq in (1, 2)]).status_code == 200
    assert not Alert.objects.filter(rule_code="FD-09").exists()  # three nozzles are not enough siblings
    slow, token, _ = nozzles[3]  # 10 L/min
    assert post(token, [fill(slow, seq, 45 + 5 * seq, 120.0) for seq in (1, 2)]).status_code == 200
    assert list(Alert.objects.filter(rule_code="FD-09").values_list("device__code", flat=True)) == [slow.code]
