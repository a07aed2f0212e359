"""Typed inputs and outputs of the monitoring rules: frozen records, no Django.

Every reading carries the monitoring point it came from (`device_id`), the device's own message
counter (`sequence`, the de-duplication key together with `device_id`) and `time`, an aware
datetime on the platform's clock. Quantities carry their unit in the field name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Mapping


class Severity(StrEnum):
    WARNING = "warning"  # 预警
    CRITICAL = "critical"  # 告警
    DATA_QUALITY = "data_quality"  # the data cannot be right; do not book it


class DeviceKind(StrEnum):
    NOZZLE = "nozzle"  # one hose of a fuel dispenser: the dispenser's monitoring point
    TANK = "tank"  # a tank with its automatic tank gauge
    METER = "meter"  # water, gas or electricity meter
    CHARGER = "charger"  # EV charging pile
    SITE = "site"  # a station or premises as a whole (station main meter, reconciliations)


class MeterMedium(StrEnum):
    WATER = "water"
    GAS = "gas"
    ELECTRICITY = "electricity"


class EventCode(StrEnum):
    """Flags a device raises by itself; the rules decide which of them matter."""

    SEAL_BROKEN = "seal_broken"  # FD-11
    COVER_OPEN = "cover_open"  # FD-11, MT-03
    DOOR_OPEN = "door_open"  # FD-11
    MAGNETIC_FIELD = "magnetic_field"  # MT-03
    VALVE_FORCED = "valve_forced"  # MT-03
    BATTERY_LOW = "battery_low"  # MT-11
    VALVE_FAULT = "valve_fault"  # MT-11
    FIRMWARE_UPDATE = "firmware_update"  # excuses a charger register reset (CP-07)


class WorkOrderKind(StrEnum):
    """Records of the regulator or utility that excuse a change seen in the data."""

    VERIFICATION = "verification"  # 检定 work order: a K-factor may change (FD-01)
    INITIALISATION = "initialisation"  # regulator re-initialises after a component swap (FD-03)
    METER_REPLACEMENT = "meter_replacement"  # a register may restart (MT-02)


@dataclass(frozen=True, slots=True)
class DispenserTransaction:
    """One fill at a nozzle, as the dispenser's data collector reports it (time = end of fill)."""

    device_id: str
    sequence: int
    time: datetime
    duration_s: float
    volume_l: float  # displayed volume at fuel temperature
    pulses: int  # encoder pulses counted for this fill
    k_factor: float  # pulse equivalent in pulses per litre in force for this fill
    unit_price: float  # yuan per litre
    amount: float  # yuan shown to the customer
    totaliser_start_l: float  # electronic totaliser before and after the fill
    totaliser_end_l: float
    fuel_temperature_c: float


@dataclass(frozen=True, slots=True)
class ParameterChange:
    """A metrological parameter of a nozzle changed (pulse equivalent, calibration coefficient)."""

    device_id: str
    sequence: int
    time: datetime
    parameter: str
    old_value: float
    new_value: float


@dataclass(frozen=True, slots=True)
class ComponentIdentity:
    """Serial number or software hash of one component as reported in a state message."""

    device_id: str
    sequence: int
    time: datetime
    component: str  # main_board, encoder, flow_transducer, software
    identity: str


@dataclass(frozen=True, slots=True)
class TankReading:
    """Automatic tank gauge reading: gross observed volume at the tank's mean temperature."""

    device_id: str
    sequence: int
    time: datetime
    volume_l: float
    temperature_c: float


@dataclass(frozen=True, slots=True)
class TankDelivery:
    """A delivery into a tank; the delivery note states the volume at 20 °C."""

    device_id: str
    sequence: int
    time: datetime
    volume_20_l: float


@dataclass(frozen=True, slots=True)
class MeterReading:
    """Cumulative register(s) of a utility meter; currents only from electricity meters that send them."""

    device_id: str
    sequence: int
    time: datetime
    register: float  # forward register, m³ or kWh
    reverse_register: float | None = None
    flow_rate: float | None = None  # instantaneous, m³/h or kW, when the meter reports it
    phase_current_a: float | None = None
    neutral_current_a: float | None = None


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """A flag raised by a device: seal, cover, magnet, battery, firmware update (see EventCode)."""

    device_id: str
    sequence: int
    time: datetime
    code: str


@dataclass(frozen=True, slots=True)
class TariffPeriod:
    """Energy charged in one time-of-use period of a session, with both parts of the price."""

    energy_kwh: float
    energy_price: float  # yuan per kWh
    service_fee: float  # yuan per kWh


@dataclass(frozen=True, slots=True)
class ChargerSession:
    """A finished charging session (time = end)."""

    device_id: str
    sequence: int
    time: datetime
    session_id: str
    started_at: datetime
    energy_billed_kwh: float  # what the operator platform billed
    energy_module_kwh: float  # what the pile's metering module measured
    amount: float  # yuan billed
    tariff_periods: tuple[TariffPeriod, ...] = ()


@dataclass(frozen=True, slots=True)
class ChargerMeterValue:
    """Periodic energy register during a session (OCPP MeterValues)."""

    device_id: str
    sequence: int
    time: datetime
    session_id: str
    register_kwh: float


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Liveness message; `device_clock` is the device's own clock when it sent it, if reported."""

    device_id: str
    sequence: int
    time: datetime
    device_clock: datetime | None = None


@dataclass(frozen=True, slots=True)
class DailyUse:
    """One local day of a meter's consumption from its register steps, as the daily rollup keeps it.

    `day` is the local midnight that starts the day; `readings` how many readings fell in it. The
    long-window meter rules (MT-01, MT-07) read these instead of a year of raw readings.
    """

    device_id: str
    day: datetime
    consumption: float
    readings: int


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """A verification, initialisation or replacement the regulator or utility recorded for a device."""

    device_id: str
    time: datetime
    kind: str


Reading = (
    DispenserTransaction
    | ParameterChange
    | ComponentIdentity
    | TankReading
    | TankDelivery
    | MeterReading
    | DeviceEvent
    | ChargerSession
    | ChargerMeterValue
    | Heartbeat
)


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """What the registry knows about a monitoring point; rules read ratings and dates from here.

    `site_id` groups devices that rules compare with each other: a station (nozzles, tanks,
    chargers, the chargers' main meter) or a premises (the meters of one household).
    """

    device_id: str
    kind: DeviceKind
    site_id: str
    product: str | None = None  # fuel grade of a nozzle or tank
    tank_id: str | None = None  # tank that feeds a nozzle
    density_20_kg_m3: float | None = None  # product density at 20 °C (tanks)
    qmax: float | None = None  # rated maximum flow: L/min (nozzle), m³/h (meter)
    qmin: float | None = None  # rated minimum flow: L/min (nozzle)
    rated_power_kw: float | None = None  # charger
    accuracy_class: str | None = None  # charger "1"/"2", electricity meter "1", "2", "0.5S" …
    medium: str | None = None  # MeterMedium of a meter
    register_resolution: float | None = None  # smallest register step of a meter
    report_interval: timedelta | None = None  # how often the device is expected to report (configured)
    learned_interval: timedelta | None = None  # learned from its own history (rules/intervals.py)
    role: str | None = None  # "charger_main_meter" for a station's main meter of chargers
    account_active: bool = False  # a utility account in use at the premises (MT-01)
    verified_k_factor: float | None = None  # nozzle's pulse equivalent (pulses/L) recorded at its last verification
    last_verified: date | None = None
    valid_until: date | None = None  # from the certificate; wins over last_verified + interval
    installed_on: date | None = None  # start of a meter's service life
    opening_hours: tuple[int, int] | None = None  # local hours [open, close); None = always open


@dataclass(frozen=True)
class Window:
    """Everything a rule may look at for one site up to `now`: readings, profiles, work orders.

    `last_seen` is the platform's record of the last message of each device, so that a device
    that sent nothing inside the window is still known to be silent since then. `start`, when
    given, is where the window's readings begin: a rule that needs records from before a reading
    (a work order up to 24 h earlier) leaves that reading to an earlier window that held them.
    """

    now: datetime
    start: datetime | None = None
    profiles: Mapping[str, DeviceProfile] = field(default_factory=dict)
    last_seen: Mapping[str, datetime] = field(default_factory=dict)
    transactions: tuple[DispenserTransaction, ...] = ()
    parameter_changes: tuple[ParameterChange, ...] = ()
    component_identities: tuple[ComponentIdentity, ...] = ()
    tank_readings: tuple[TankReading, ...] = ()
    tank_deliveries: tuple[TankDelivery, ...] = ()
    meter_readings: tuple[MeterReading, ...] = ()
    events: tuple[DeviceEvent, ...] = ()
    charger_sessions: tuple[ChargerSession, ...] = ()
    charger_meter_values: tuple[ChargerMeterValue, ...] = ()
    heartbeats: tuple[Heartbeat, ...] = ()
    work_orders: tuple[WorkOrder, ...] = ()
    daily_use: tuple[DailyUse, ...] = ()  # derived (rollups), not messages: not in WINDOW_FIELD


# Which Window field holds each reading type: the one mapping the ingest side and the simulator share.
WINDOW_FIELD: Mapping[type, str] = {
    DispenserTransaction: "transactions",
    ParameterChange: "parameter_changes",
    ComponentIdentity: "component_identities",
    TankReading: "tank_readings",
    TankDelivery: "tank_deliveries",
    MeterReading: "meter_readings",
    DeviceEvent: "events",
    ChargerSession: "charger_sessions",
    ChargerMeterValue: "charger_meter_values",
    Heartbeat: "heartbeats",
    WorkOrder: "work_orders",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule firing: what, how bad, on which device, when, and the evidence to show an inspector.

    `evidence` is JSON-ready (numbers, strings, lists, dicts): the readings used and the
    computation with its thresholds.
    """

    rule_code: str
    severity: Severity
    device_id: str
    time: datetime
    evidence: Mapping[str, Any]
