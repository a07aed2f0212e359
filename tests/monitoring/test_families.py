"""Issue 15, item 5: the behaviour-family simulator, whose devices and faults do not follow the rules'
thresholds, run through the real ingest and rule clock: no alert on what is not labelled."""

import itertools
import json
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command

from jiliang.monitoring.models import Alert
from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME, local_date
from jiliang.monitoring.rules.holidays import is_statutory_holiday
from jiliang.monitoring.rules.types import Heartbeat, MeterReading
from jiliang.monitoring.simulation import SimulationConfig
from jiliang.monitoring.simulation.families import FAMILIES, family_of, simulate_families

NATIONAL_DAY = SimulationConfig(seed=5, start=datetime(2025, 9, 29, tzinfo=CHINA_STANDARD_TIME), duration=timedelta(days=4),
                                stations=4, meters=24, fault_rate=0.1, generator="families")


def test_families_are_deterministic_and_every_family_is_there():
    first, again = simulate_families(NATIONAL_DAY), simulate_families(NATIONAL_DAY)
    assert first.labels == again.labels
    assert list(itertools.islice(first.readings(), 3000)) == list(itertools.islice(again.readings(), 3000))
    assert {family_of(code) for code in first.profiles} == set(FAMILIES)
    other = simulate_families(replace(NATIONAL_DAY, seed=6))
    assert list(itertools.islice(first.readings(), 3000)) != list(itertools.islice(other.readings(), 3000))


def test_benign_behaviour_is_in_the_data():
    """Batches arrive hours after their readings; a station with opening hours that closes for the
    holiday sends nothing on its days; meter cadences run from 1 to 60 minutes."""
    simulation = simulate_families(replace(NATIONAL_DAY, stations=12))
    latest, late, on_holiday = {}, 0, set()
    for item in simulation.readings():
        arrived = latest.get("clock", item.time)
        late += family_of(item.device_id) == "BL" and arrived - item.time > timedelta(hours=1)
        latest["clock"] = max(arrived, item.time)
        if family_of(item.device_id) == "EH" and is_statutory_holiday(local_date(item.time)):
            on_holiday.add(simulation.profiles[item.device_id].site_id)
    stations = {p.site_id for p in simulation.profiles.values() if family_of(p.device_id) == "EH"}
    assert late > 0 and on_holiday and on_holiday != stations
    assert is_statutory_holiday(date(2025, 10, 1))
    cadences = {p.report_interval for p in simulation.profiles.values() if family_of(p.device_id) == "FC"}
    assert len(cadences) > 3 and all(timedelta(minutes=1) <= c <= timedelta(hours=1) for c in cadences)


def test_drifting_clocks_stay_within_seconds_unless_they_jumped():
    simulation = simulate_families(replace(NATIONAL_DAY, fault_rate=0.0))
    offsets = [abs((b.device_clock - b.time).total_seconds()) for b in simulation.readings()
               if isinstance(b, Heartbeat) and family_of(b.device_id) == "DC"]
    assert offsets and max(offsets) < 30
    assert not simulation.labels


@pytest.mark.django_db
def test_a_families_run_raises_alerts_only_on_labelled_faults(tmp_path, city_regulator):
    """Simulate → ingest → rule clock over four days around National Day: every alert is on a
    labelled fault (no false alarm from the holiday closures, power cuts, late batches or price
    changes) and the clock jumps the drifting meters' faults are found."""
    labels = tmp_path / "labels.csv"
    call_command("simulate", "--generator", "families", "--start", "2025-09-29", "--days", "4", "--stations", "3",
                 "--meters", "24", "--fault-rate", "0.1", "--tick-minutes", "120", "--labels", str(labels),
                 "--as-user", city_regulator.username)
    record = json.loads(labels.with_suffix(".json").read_text())
    assert record["generator"] == "families"
    from jiliang.monitoring.simulation import read_labels

    truth = read_labels(labels.open())
    labelled = {(label.device_id, label.rule_code) for label in truth}
    alerts = set(Alert.objects.values_list("device__code", "rule_code"))
    assert alerts <= labelled
    assert {(d, r) for d, r in labelled if r == "MT-04"} <= alerts
