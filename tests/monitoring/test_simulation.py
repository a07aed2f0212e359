"""The simulator: deterministic, time-ordered, streaming, with a labelled fault for every rule."""

import io
import itertools
import tracemalloc
from dataclasses import replace
from datetime import timedelta

import pytest

from jiliang.monitoring.rules.registry import RULES
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
