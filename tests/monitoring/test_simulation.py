"""The simulator: deterministic, time-ordered, streaming, with a labelled fault for every rule."""

import io
import itertools
import tracemalloc
from dataclasses import replace
from datetime import timedelta

import pytest

from jiliang.monitoring.rules.registry import RULES
from jiliang.monitoring.rules.thresholds import load_rulebook
from jiliang.monitoring.rules.types import WINDOW_FIELD, DeviceKind
from jiliang.monitoring.simulation import CATALOGUE, SimulationConfig, read_labels, simulate, write_labels
from jiliang.monitoring.simulation.city import build_city

TINY = SimulationConfig(seed=11, duration=timedelta(days=1), stations=2, dispensers=6, charging_sites=1,
                        chargers_per_site=4, meters=30, meter_interval=timedelta(hours=1), fault_rate=0.3)


def test_demo_city_scale():
    city = build_city(SimulationConfig(meters=2_000))  # the default 100,000 meters are built the same way, only slower
    kinds = [p.kind for p in city.profiles.values()]
    assert sum(s.kind == "station" for s in city.sites) == 200
    assert kinds.count(DeviceKind.NOZZLE) == 700 * 4
    assert kinds.count(DeviceKind.TANK) == 600
    assert kinds.count(DeviceKind.CHARGER) == 600
    assert kinds.count(DeviceKind.METER) == 2_000 + 75  # households' meters and the charging sites' main meters


def test_same_seed_same_data_other_seed_other_data():
    first = simulate(TINY)
    again = simulate(TINY)
    other = simulate(replace(TINY, seed=12))
    assert first.labels == again.labels
    assert list(itertools.islice(first.readings(), 2000)) == list(itertools.islice(again.readings(), 2000))
    assert list(itertools.islice(first.readings(), 2000)) != list(itertools.islice(other.readings(), 2000))


def test_stream_is_time_ordered_and_shaped_like_rule_inputs():
    simulation = simulate(TINY)
    stream = simulation.readings()
    assert iter(stream) is stream  # a generator, not a list
    times = []
    for item in stream:
        assert type(item) in WINDOW_FIELD and item.device_id in simulation.profiles
        times.append(item.time)
    assert times == sorted(times) and TINY.start <= times[0] and times[-1] < TINY.end


def test_every_rule_has_a_fault_kind_and_the_rate_is_honoured():
    assert sorted(CATALOGUE) == sorted(RULES)
    simulation = simulate(TINY)
    faulty = {f.device_id for f in simulation.faults}
    assert len(faulty) == len(simulation.faults) == len(simulation.labels)
    assert all(label.rule_code in RULES and label.start <= label.end for label in simulation.labels)
    nozzles = [d for d, p in simulation.profiles.items() if p.kind == DeviceKind.NOZZLE]
    assert sum(d in faulty for d in nozzles) == round(TINY.fault_rate * len(nozzles))


def test_labels_round_trip_through_csv():
    labels = simulate(TINY).labels
    out = io.StringIO()
    write_labels(labels, out)
    assert tuple(read_labels(io.StringIO(out.getvalue()))) == labels


def test_memory_stays_flat_however_long_the_period():
    def peak(days):
        config = replace(TINY, duration=timedelta(days=days), stations=1, dispensers=2, chargers_per_site=2, meters=5, fault_rate=0.0)
        tracemalloc.start()
        for _ in simulate(config).readings():
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    assert peak(4) < 1.3 * peak(1)


@pytest.mark.parametrize("interval", [timedelta(minutes=15), timedelta(days=1)])
def test_meters_report_at_the_chosen_interval(interval):
    simulation = simulate(replace(TINY, meter_interval=interval, duration=timedelta(days=3), fault_rate=0.0))
    meter = next(d for d, p in simulation.profiles.items() if p.kind == DeviceKind.METER and p.role is None)
    times = [r.time for r in simulation.readings() if r.device_id == meter and type(r).__name__ == "MeterReading"]
    assert {b - a for a, b in zip(times, times[1:])} == {interval}


# Through the database ---------------------------------------------------------------------------

# Faults one simulated day can show (monitoring/simulation/faults.py: lead under a day).
ONE_DAY_FAULTS = ("FD-01", "FD-04", "FD-06", "FD-10", "FD-11", "FD-12", "FD-13", "MT-09", "MT-10", "MT-11", "CP-03", "CP-08")


@pytest.mark.django_db
def test_a_simulated_day_through_the_database_raises_every_fault_and_nothing_on_clean_devices(city_regulator):
    """simulate -> ingest -> arrival rules and the rule clock -> alerts, scored against the labels."""
    from django.utils import timezone

    from jiliang.monitoring import simulating
    from jiliang.monitoring.models import Alert
    from jiliang.monitoring.scoring import AlertSpan, score

    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    config = SimulationConfig(seed=1, start=midnight - timedelta(days=2), duration=timedelta(days=1), stations=1, dispensers=3,
                              charging_sites=1, chargers_per_site=2, meters=12, meter_interval=timedelta(hours=1),
                              fault_rate=0.5, fault_codes=ONE_DAY_FAULTS)
    simulation = simulate(config)
    planned = {label.rule_code for label in simulation.labels}
    assert len(planned) >= 10, planned  # the scenario exercises ten kinds of fault
    gateways = simulating.register_city(city_regulator, simulation)
    transport = simulating.Transport("direct", gateways)
    simulating.stream(simulation, transport, city_regulator, tick_every=config.clock, batch=500, progress=lambda *_: None)

    alerts = list(Alert.objects.values_list("device__code", "rule_code", "opened_at", "last_seen_at", "cleared_at"))
    faulty = {label.device_id for label in simulation.labels}
    assert [a for a in alerts if a[0] not in faulty] == []  # nothing on clean devices
    spans = [AlertSpan(code, rule, opened, cleared or seen) for code, rule, opened, seen, cleared in alerts]
    grace = {code: spec.window_length(load_rulebook()) for code, spec in RULES.items()}
    scores = score(spans, simulation.labels, grace)
    assert {code: (s.detected, s.labels) for code, s in scores.items() if s.labels and s.missed} == {}
    assert {code: s.false_alerts for code, s in scores.items() if s.false_alerts} == {}


@pytest.mark.django_db
def test_the_clock_gives_each_rule_its_own_lookback(make_device):
    """The clock loads a station's fills for FD-02's 30 days; FD-06 (one day) must not keep finding
    a month-old fill: its alert clears once the fill has left FD-06's own window."""
    from jiliang.monitoring import engine
    from jiliang.monitoring.models import Alert, DeviceKind
    from monitoring_fixtures import T0, post

    nozzle, token, _ = make_device(DeviceKind.NOZZLE, attributes={"qmax": 50.0, "qmin": 5.0})

    def fill(seq, hours, amount):
        return {"device": nozzle.code, "seq": seq, "time": (T0 + timedelta(hours=hours)).isoformat(), "type": "dispenser.transaction",
                "duration_s": 40.0, "volume_l": 20.0, "pulses": 2000, "k_factor": 100.0, "unit_price": 7.5, "amount_yuan": amount,
                "totaliser_start_l": 1000.0 + 20 * seq, "totaliser_end_l": 1020.0 + 20 * seq, "fuel_temperature_c": 15.0}

    post(token, [fill(1, 0, 150.5)])  # 0.50 yuan more than 7.50 × 20 L
    engine.tick(T0 + timedelta(hours=1), since=T0)
    alert = Alert.objects.get(rule_code="FD-06")
    assert alert.active
    post(token, [fill(2, 30, 150.0)])  # a correct fill a day later: the station is active, FD-02 still reads both
    engine.tick(T0 + timedelta(hours=31), since=T0 + timedelta(hours=30))
    alert.refresh_from_db()
    assert not alert.active
