"""Issue 15: the families simulator plants each meter rule's fault as a meter shows it, beside benign
look-alikes, and the meter rules find those faults and nothing else (the rules' own replay, no database;
test_families.py runs the families through ingest and the clock)."""

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME, add_months
from jiliang.monitoring.rules.registry import RULES
from jiliang.monitoring.rules.replay import replay
from jiliang.monitoring.rules.thresholds import load_rulebook
from jiliang.monitoring.rules.types import DeviceEvent, EventCode, MeterMedium, MeterReading, WorkOrder, WorkOrderKind
from jiliang.monitoring.scoring import alert_spans, score
from jiliang.monitoring.simulation import SimulationConfig
from jiliang.monitoring.simulation.families import SERVICE_LIFE_YEARS, simulate_families

WEEK = SimulationConfig(seed=1, start=datetime(2025, 10, 9, tzinfo=CHINA_STANDARD_TIME), duration=timedelta(days=7), stations=0,
                        charging_sites=0, meters=24, fault_rate=0.3, generator="families")
SHORT_WINDOW = ("MT-02", "MT-03", "MT-04", "MT-05", "MT-06", "MT-08", "MT-09", "MT-10", "MT-11")  # MT-01/MT-07 need 16 days
METER_RULES = [spec for code, spec in RULES.items() if code.startswith("MT-")]


def run(config: SimulationConfig):
    simulation = simulate_families(config)
    items = list(simulation.readings())
    book = load_rulebook()
    findings = replay(items, simulation.profiles, book, config.start, config.end, data_step=timedelta(hours=6),
                      clock_step=timedelta(hours=2), specs=METER_RULES)
    grace = {code: spec.window_length(book) for code, spec in RULES.items()}
    return simulation, items, score(alert_spans(findings, merge_gap=timedelta(days=1)), simulation.labels, grace)


@pytest.fixture(scope="module")
def faulty():
    return run(WEEK)


@pytest.fixture(scope="module")
def benign():
    """No fault at all: only the benign look-alikes, which must raise nothing."""
    return run(replace(WEEK, seed=2, meters=30, fault_rate=0.0))


def by_device(items, kind):
    found = defaultdict(list)
    for item in items:
        if isinstance(item, kind):
            found[item.device_id].append(item)
    return {device: sorted(values, key=lambda item: item.time) for device, values in found.items()}


def test_the_meter_rules_find_every_planted_fault_and_nothing_else(faulty):
    simulation, _items, scores = faulty
    assert set(SHORT_WINDOW) <= {label.rule_code for label in simulation.labels}
    for code in SHORT_WINDOW:
        assert (scores[code].recall, scores[code].precision) == (1.0, 1.0), code
    assert sum(s.false_alerts for s in scores.values()) == 0


def test_benign_look_alikes_raise_nothing(benign):
    simulation, items, scores = benign
    readings, events = by_device(items, MeterReading), by_device(items, DeviceEvent)
    exchanges = [w for w in items if isinstance(w, WorkOrder) and w.kind == WorkOrderKind.METER_REPLACEMENT]
    assert exchanges and all(
        any(a.time < w.time < b.time and b.register < 0.1 < a.register for a, b in pairwise(readings[w.device_id])) for w in exchanges)
    assert any(len(flags) == 1 and flags[0].code == EventCode.BATTERY_LOW for flags in events.values())
    leaking = [d for d, rs in readings.items() if rs[0].phase_current_a is not None
               and 0.008 < sum(r.phase_current_a - r.neutral_current_a for r in rs) / len(rs) < 0.03]
    assert leaking  # earth leakage under a home's 30 mA residual-current device
    due_after = [p for p in simulation.profiles.values()
                 if simulation.config.end.date() < add_months(p.installed_on, 12 * SERVICE_LIFE_YEARS[p.medium]) < simulation.config.end.date() + timedelta(days=151)]
    assert due_after
    assert not simulation.labels and sum(s.alerts for s in scores.values()) == 0


def test_faults_show_as_meters_show_them(faulty):
    """A backflow turns a water register back, swapped wires fill the reverse register, a magnet raises
    its flag, a corrupted digit jumps beyond what Qmax lets through, a bridged phase wire leaves the
    neutral with more current, a worn battery is flagged in report after report."""
    simulation, items, _ = faulty
    readings, events = by_device(items, MeterReading), by_device(items, DeviceEvent)
    for label in simulation.labels:
        profile, own = simulation.profiles[label.device_id], readings[label.device_id]
        steps = [(a, b) for a, b in pairwise(own) if label.start - timedelta(hours=4) <= b.time <= label.end]
        if label.rule_code == "MT-02" and profile.medium == MeterMedium.WATER:
            assert any(b.register < a.register for a, b in steps)
        elif label.rule_code == "MT-02":
            assert any(b.reverse_register > a.reverse_register for a, b in steps)
        elif label.rule_code == "MT-03":
            assert [e.time for e in events[label.device_id] if e.code == EventCode.MAGNETIC_FIELD][0] == label.start
        elif label.rule_code == "MT-06":
            assert any(b.register - a.register > profile.qmax * (b.time - a.time) / timedelta(hours=1) for a, b in steps)
        elif label.rule_code == "MT-08":
            assert any(b.neutral_current_a - b.phase_current_a > 0.5 for _a, b in steps)
        elif label.rule_code == "MT-10":
            assert add_months(profile.installed_on, 12 * SERVICE_LIFE_YEARS[profile.medium]) < WEEK.end.date() + timedelta(days=30)
        elif label.rule_code == "MT-11":
            assert len([e for e in events[label.device_id] if e.code == EventCode.BATTERY_LOW]) > 1
    flagged = {d for d, es in events.items() if any(e.code == EventCode.MAGNETIC_FIELD for e in es)}
    assert flagged == {label.device_id for label in simulation.labels if label.rule_code == "MT-03"}
