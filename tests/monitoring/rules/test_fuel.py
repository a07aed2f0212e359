"""FD-01 … FD-13 at, just below and just above their thresholds, with monitoring.md's worked numbers."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from jiliang.monitoring.rules import fuel
from jiliang.monitoring.rules.types import (
    ComponentIdentity,
    DeviceEvent,
    DeviceKind,
    DeviceProfile,
    DispenserTransaction,
    Heartbeat,
    ParameterChange,
    Severity,
    TankDelivery,
    TankReading,
    Window,
    WorkOrder,
)

NOZZLE = DeviceProfile("N1", DeviceKind.NOZZLE, "S1", product="92#", tank_id="T1", qmax=50.0, qmin=5.0)
TANK = DeviceProfile("T1", DeviceKind.TANK, "S1", product="92#", density_20_kg_m3=737.0)
PROFILES = {"N1": NOZZLE, "T1": TANK}


def fill(at, seq, volume=40.0, *, minutes=0, error=0.0, duration=60.0, price=7.5, amount=None, start=1000.0, temp=20.0, k=100.0):
    """A fill whose pulses imply `volume × (1 + error)` litres."""
    return DispenserTransaction(
        device_id="N1", sequence=seq, time=at(minutes=minutes), duration_s=duration, volume_l=volume,
        pulses=round(volume * (1 + error) * k), k_factor=k, unit_price=price,
        amount=round(price * volume, 2) if amount is None else amount,
        totaliser_start_l=start, totaliser_end_l=start + volume, fuel_temperature_c=temp,
    )


def window(at, minutes=0, **readings):
    return Window(now=at(minutes=minutes), profiles=PROFILES, **readings)


# FD-01 ------------------------------------------------------------------------------------------

def k_change(at, hours=0):
    return ParameterChange("N1", 7, at(hours=hours), "k_factor", 100.0, 100.5)


@pytest.mark.parametrize(("order_offset_h", "fires"), [(-24, False), (-24.01, True), (24, False), (24.01, True)])
def test_fd01_work_order_within_24_hours_either_side(at, rulebook, order_offset_h, fires):
    order = WorkOrder("N1", at(hours=order_offset_h), "verification")
    found = fuel.parameter_change_without_work_order(
        window(at, minutes=3000, parameter_changes=(k_change(at),), work_orders=(order,)), rulebook.for_rule("FD-01"))
    assert bool(found) is fires
    if fires:
        assert found[0].severity is Severity.CRITICAL


def test_fd01_other_parameters_and_other_devices_orders_do_not_count(at, rulebook):
    price = ParameterChange("N1", 8, at(), "unit_price", 7.5, 7.6)
    other = WorkOrder("N2", at(), "verification")
    found = fuel.parameter_change_without_work_order(
        window(at, parameter_changes=(price, k_change(at)), work_orders=(other,)), rulebook.for_rule("FD-01"))
    assert [f.evidence["change"]["parameter"] for f in found] == ["k_factor"]


# FD-02 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("error", "expected"), [(0.0030, None), (0.0031, Severity.WARNING), (-0.0031, Severity.WARNING)])
def test_fd02_single_fill_at_and_beyond_the_mpe(at, rulebook, error, expected):
    # 1,000 L makes a 0.01 % step resolvable in whole pulses (K = 100 pulses/L).
    found = fuel.pulse_volume_mismatch(window(at, transactions=(fill(at, 1, 1000.0, error=error),)), rulebook.for_rule("FD-02"))
    assert [f.severity for f in found] == ([expected] if expected else [])


@pytest.mark.parametrize(("fills", "error", "last"), [(5, 0.0065, Severity.CRITICAL), (4, 0.0065, Severity.WARNING), (5, 0.0060, Severity.WARNING)])
def test_fd02_five_times_rule(at, rulebook, fills, error, last):
    """monitoring.md §6.3: 5 fills at +0.65 % within 30 days → CRITICAL; 4 → only WARNs; at ±0.6 % exactly no lock count."""
    txs = tuple(fill(at, i, 1000.0, error=error, minutes=i * 60 * 24 * 7) for i in range(fills))  # spread over 4 weeks
    found = fuel.pulse_volume_mismatch(window(at, transactions=txs), rulebook.for_rule("FD-02"))
    assert [f.severity for f in found] == [Severity.WARNING] * (fills - 1) + [last]


def test_fd02_lock_count_only_within_30_days(at, rulebook):
    txs = tuple(fill(at, i, 1000.0, error=0.0065, minutes=i * 60 * 24 * 8) for i in range(5))  # 32 days apart end to end
    found = fuel.pulse_volume_mismatch(window(at, transactions=txs), rulebook.for_rule("FD-02"))
    assert Severity.CRITICAL not in {f.severity for f in found}
