"""Deterministic simulator of the demo city's monitoring data, with labelled faults.

    simulation = simulate(SimulationConfig(seed=7, stations=10, dispensers=35, meters=500))
    simulation.profiles           # DeviceProfile per monitoring point (the registry side)
    simulation.labels             # Label(device_id, rule_code, start, end, related) per injected fault
    for item in simulation.readings():   # time-ordered rule inputs (rules.types) and WorkOrders
        ...

Items are the same records the rules take, so the ingest side maps them to wire messages one to
one. The stream is a generator: memory stays flat however long the simulated period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from jiliang.monitoring.rules.types import DeviceProfile, Reading, WorkOrder
from jiliang.monitoring.simulation.city import City, Site, SimulationConfig, build_city
from jiliang.monitoring.simulation.faults import CATALOGUE, Fault, Label, observable_kinds, plan_faults, read_labels, run_record_path, sized, write_labels
from jiliang.monitoring.simulation.stream import CityStream

__all__ = [
    "CATALOGUE", "City", "Fault", "Label", "Simulation", "SimulationConfig", "Site",
    "observable_kinds", "read_labels", "run_record_path", "simulate", "sized", "write_labels",
]


@dataclass(frozen=True)
class Simulation:
    config: SimulationConfig
    city: City
    faults: tuple[Fault, ...]
    labels: tuple[Label, ...]

    @property
    def profiles(self) -> dict[str, DeviceProfile]:
        return self.city.profiles

    def readings(self) -> Iterator[Reading | WorkOrder]:
        return iter(CityStream(self.config, self.city, list(self.faults)))


def simulate(config: SimulationConfig) -> Simulation:
    city, faults, labels = plan_faults(build_city(config), config)
    return Simulation(config, city, tuple(faults), tuple(labels))
