"""Typed thresholds of every rule, loaded from the cited, versioned data file `data/rules.json`.

The file holds, per rule, each threshold with its value, unit, source, confidence (cited /
verify / proposed) and whether it is an editable default. Rules receive these objects as
arguments and never read the file themselves, so the Django side can build the same objects
from the regulator's edited copy with `rulebook_from_document`.
"""

from __future__ import annotations

import collections.abc
import json
import types
import typing
from dataclasses import dataclass, fields
from datetime import timedelta
from importlib import resources
from typing import Any, Mapping

from jiliang.monitoring.rules.volume_correction import VolumeCorrection

_DURATION_UNITS = {"s": 1, "min": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Persistence:
    """How long a condition must persist before WARN becomes CRITICAL, and stay gone before it clears."""

    escalate_after: timedelta
    clear_after: timedelta


@dataclass(frozen=True)
class Fd01Thresholds:
    grace_period: timedelta  # a change is judged once this has passed: a work order recorded meanwhile explains it
    work_order_tolerance: timedelta
    watched_parameters: tuple[str, ...]


@dataclass(frozen=True)
class Fd02Thresholds:
    warning_relative_error: float
    lock_relative_error: float
    lock_count: int
    lock_period: timedelta


@dataclass(frozen=True)
class Fd03Thresholds:
    grace_period: timedelta
    initialisation_tolerance: timedelta
    fills_before_lock: int


@dataclass(frozen=True)
class Fd04Thresholds:
    qmax_factor: float
    low_flow_duration: timedelta


@dataclass(frozen=True)
class Fd05Thresholds:
    tolerance_per_transaction_l: float


@dataclass(frozen=True)
class AmountThresholds:
    amount_tolerance_yuan: float


@dataclass(frozen=True)
class Fd07Thresholds:
    period: timedelta
    gain_relative: float
    gain_fixed_l: float
    loss_relative: float
    loss_fixed_l: float
    delivery_rise_l: float
    delivery_record_wait: timedelta
    volume_correction: VolumeCorrection


@dataclass(frozen=True)
class Fd08Thresholds:
    minimum_span: timedelta
    factor_low: float
    factor_high: float
    delivery_rise_l: float
    delivery_record_wait: timedelta
    volume_correction: VolumeCorrection


@dataclass(frozen=True)
class Fd09Thresholds:
    period: timedelta
    robust_z: float
    minimum_siblings: int
    minimum_fills: int
    mad_floor_relative: float


@dataclass(frozen=True)
class OverdueThresholds:
    """Due date ± offsets: negative `warning_from` warns before the due date."""

    warning_from: timedelta
    critical_from: timedelta


@dataclass(frozen=True)
class VerificationOverdueThresholds(OverdueThresholds):
    verification_interval_months: int


@dataclass(frozen=True)
class ServiceLifeThresholds(OverdueThresholds):
    service_life_years: Mapping[str, float]


@dataclass(frozen=True)
class EventThresholds:
    event_codes: tuple[str, ...]


@dataclass(frozen=True)
class Fd12Thresholds:
    warning_silence: timedelta
    critical_silence: timedelta
    missed_reports: int  # reports of the device's own interval that may be missed before a warning


@dataclass(frozen=True)
class Fd13Thresholds:
    fuel_temperature_min_c: float
    fuel_temperature_max_c: float
    tank_temperature_jump_c: float


@dataclass(frozen=True)
class Mt01Thresholds:
    zero_days: timedelta
    occupancy_kwh_per_day: float


@dataclass(frozen=True)
class Mt02Thresholds:
    decrease_steps: float
    reverse_per_day: Mapping[str, float]
    repeat_period: timedelta


@dataclass(frozen=True)
class ClockThresholds:
    clock_tolerance: timedelta


@dataclass(frozen=True)
class Mt05Thresholds:
    continuous_hours: Mapping[str, float]


@dataclass(frozen=True)
class Mt06Thresholds:
    over_range_duration: timedelta


@dataclass(frozen=True)
class Mt07Thresholds:
    drop_ratio: float
    minimum_days: timedelta
    penalty_per_log_n: float
    log_offset: float


@dataclass(frozen=True)
class Mt08Thresholds:
    mismatch: float
    duration: timedelta
    minimum_difference: float  # amperes: below it, earth leakage and measurement error, not a bypass


@dataclass(frozen=True)
class Mt11Thresholds:
    event_codes: tuple[str, ...]
    battery_low_reports: int  # reports that must flag a low battery before it is one


@dataclass(frozen=True)
class Mt09Thresholds:
    missed_daily_reports: int
    missed_interval_reads: int
    minimum_silence: timedelta  # no warning on a shorter silence, whatever the interval (a power cut)


@dataclass(frozen=True)
class Cp01Thresholds:
    mpe_by_class: Mapping[str, float]
    critical_factor: float
    repeat_count: int
    repeat_period: timedelta


@dataclass(frozen=True)
class Cp03Thresholds(ClockThresholds):
    new_pile_clock_tolerance: timedelta
    newly_verified_period: timedelta


@dataclass(frozen=True)
class Cp04Thresholds:
    power_margin: float


@dataclass(frozen=True)
class Cp05Thresholds:
    period: timedelta
    ratio_low: float
    ratio_high: float
    minimum_span: timedelta


@dataclass(frozen=True)
class Cp06Thresholds:
    meter_value_gap: timedelta


@dataclass(frozen=True)
class Cp07Thresholds:
    decrease_tolerance_kwh: float


THRESHOLD_TYPES: Mapping[str, type] = {
    "FD-01": Fd01Thresholds,
    "FD-02": Fd02Thresholds,
    "FD-03": Fd03Thresholds,
    "FD-04": Fd04Thresholds,
    "FD-05": Fd05Thresholds,
    "FD-06": AmountThresholds,
    "FD-07": Fd07Thresholds,
    "FD-08": Fd08Thresholds,
    "FD-09": Fd09Thresholds,
    "FD-10": VerificationOverdueThresholds,
    "FD-11": EventThresholds,
    "FD-12": Fd12Thresholds,
    "FD-13": Fd13Thresholds,
    "MT-01": Mt01Thresholds,
    "MT-02": Mt02Thresholds,
    "MT-03": EventThresholds,
    "MT-04": ClockThresholds,
    "MT-05": Mt05Thresholds,
    "MT-06": Mt06Thresholds,
    "MT-07": Mt07Thresholds,
    "MT-08": Mt08Thresholds,
    "MT-09": Mt09Thresholds,
    "MT-10": ServiceLifeThresholds,
    "MT-11": Mt11Thresholds,
    "CP-01": Cp01Thresholds,
    "CP-02": AmountThresholds,
    "CP-03": Cp03Thresholds,
    "CP-04": Cp04Thresholds,
    "CP-05": Cp05Thresholds,
    "CP-06": Cp06Thresholds,
    "CP-07": Cp07Thresholds,
    "CP-08": VerificationOverdueThresholds,
}


@dataclass(frozen=True)
class RuleBook:
    """One version of the thresholds: what a rule evaluation was run with."""

    version: str
    persistence: Persistence
    thresholds: Mapping[str, Any]  # rule code -> its typed thresholds object

    def for_rule(self, code: str) -> Any:
        return self.thresholds[code]


def _convert(annotation: Any, entry: Mapping[str, Any]) -> Any:
    value = entry["value"]
    if annotation is timedelta:
        return timedelta(seconds=value * _DURATION_UNITS[entry["unit"]])
    origin = typing.get_origin(annotation)
    if origin is tuple:
        return tuple(value)
    if origin is collections.abc.Mapping:
        return types.MappingProxyType(dict(value))
    return annotation(value)


def _typed(cls: type, entries: Mapping[str, Mapping[str, Any]], extra: Mapping[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    values = {}
    for f in fields(cls):
        values[f.name] = extra[f.name] if f.name in extra else _convert(hints[f.name], entries[f.name])
    return cls(**values)


def rulebook_from_document(document: Mapping[str, Any]) -> RuleBook:
    """Build typed thresholds from a document shaped like data/rules.json (file or database copy)."""
    volume_correction = VolumeCorrection.from_reference(document["references"]["volume_correction"])
    shared = {"volume_correction": volume_correction}
    thresholds = {
        code: _typed(cls, document["rules"][code]["thresholds"], shared)
        for code, cls in THRESHOLD_TYPES.items()
    }
    return RuleBook(
        version=document["version"],
        persistence=_typed(Persistence, document["persistence"], {}),
        thresholds=types.MappingProxyType(thresholds),
    )


def load_document() -> dict[str, Any]:
    """The shipped data file as a plain document (the Django side seeds its editable copy from it)."""
    text = resources.files("jiliang.monitoring").joinpath("data/rules.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_rulebook() -> RuleBook:
    return rulebook_from_document(load_document())
