"""Typed device messages, one schema per kind (pure: pydantic, no Django).

Every message carries ``device`` (the device code), ``seq`` (the device's own sequence number,
unique per device: the idempotency key) and ``time`` (when it was measured, with a UTC offset), and
``type`` names its schema. A batch is a JSON array or JSON lines of such objects.
"""

import datetime as dt
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

DEVICE_CODE_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"
MAX_SEQUENCE = 2**63 - 1

Finite = Annotated[float, Field(allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Text = Annotated[str, Field(max_length=128)]


class Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    device: Annotated[str, Field(pattern=DEVICE_CODE_PATTERN)]
    seq: Annotated[int, Field(ge=0, le=MAX_SEQUENCE)]
    time: dt.datetime

    @field_validator("time")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("time needs a UTC offset, e.g. 2025-06-01T08:00:00+08:00")
        return value.astimezone(dt.UTC)

    def register(self) -> float | None:
        """The cumulative register this message reports, the input of consumption rollups."""
        return None


class DispenserTransaction(Base):
    """One fill at a nozzle (加油机交易), time = end of fill: displayed volume and amount, the
    encoder pulses and the pulse equivalent in force, the electronic totaliser before and after."""

    type: Literal["dispenser.transaction"]
    duration_s: NonNegative
    volume_l: NonNegative
    pulses: Annotated[int, Field(ge=0, le=MAX_SEQUENCE)]
    k_factor: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    unit_price: NonNegative
    amount_yuan: NonNegative
    totaliser_start_l: NonNegative
    totaliser_end_l: NonNegative
    fuel_temperature_c: Finite

    def register(self) -> float | None:
        return self.totaliser_end_l


class DispenserState(Base):
    """A state or parameter change of a dispenser: a metrological parameter changed (pulse
    equivalent, calibration coefficient), or a component reported its identity (main board,
    encoder, flow transducer serial, software hash). Seal and cover events are ``event`` messages."""

    type: Literal["dispenser.state"]
    parameter: Text = ""
    old_value: Finite | None = None
    new_value: Finite | None = None
    component: Text = ""
    identity: Annotated[str, Field(max_length=256)] = ""

    @model_validator(mode="after")
    def _one_change(self) -> "DispenserState":
        parameter = bool(self.parameter) and self.old_value is not None and self.new_value is not None
        component = bool(self.component) and bool(self.identity)
        if parameter == component:
            raise ValueError("give either parameter, old_value and new_value, or component and identity")
        return self


class TankReading(Base):
    """An automatic tank gauge reading (液位仪): gross observed volume at the tank's mean temperature."""

    type: Literal["tank.reading"]
    volume_l: NonNegative
    temperature_c: Finite


class TankDelivery(Base):
    """A delivery into a tank, with the volume at 20 °C stated on the delivery note."""

    type: Literal["tank.delivery"]
    volume_20_l: NonNegative


class MeterReading(Base):
    """A water / electricity / gas meter read: the cumulative register and what else it reports."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["meter.reading"]
    register_value: Annotated[float, Field(ge=0, allow_inf_nan=False, alias="register")]
    reverse_register: NonNegative | None = None
    flow_rate: NonNegative | None = None
    phase_current_a: NonNegative | None = None
    neutral_current_a: NonNegative | None = None

    def register(self) -> float | None:
        return self.register_value


class Event(Base):
    """A flag any device raises by itself (meter event, dispenser seal, charger firmware update):
    seal_broken, cover_open, door_open, magnetic_field, valve_forced, battery_low, valve_fault,
    firmware_update."""

    type: Literal["event"]
    code: Text
    detail: Annotated[str, Field(max_length=256)] = ""


class TariffPeriod(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    energy_kwh: NonNegative
    energy_price: NonNegative
    service_fee: NonNegative


class ChargerSession(Base):
    """A finished charging session (time = end): energy billed by the operator vs measured by the
    pile's metering module, the amount, and the energy per time-of-use period."""

    type: Literal["charger.session"]
    session_id: Text
    started_at: dt.datetime
    energy_billed_kwh: NonNegative
    energy_module_kwh: NonNegative
    amount_yuan: NonNegative
    tariff_periods: Annotated[list[TariffPeriod], Field(max_length=48)] = []


class ChargerMeterValues(Base):
    """OCPP-style meter values during a session: the pile's energy register."""

    type: Literal["charger.meter_values"]
    session_id: Text = ""
    register_kwh: NonNegative

    def register(self) -> float | None:
        return self.register_kwh


class Heartbeat(Base):
    """An alive signal; carries the device's own clock for the clock rules when it has one."""

    type: Literal["heartbeat"]
    device_clock: dt.datetime | None = None


Message = Annotated[
    DispenserTransaction | DispenserState | TankReading | TankDelivery | MeterReading | Event
    | ChargerSession | ChargerMeterValues | Heartbeat,
    Field(discriminator="type"),
]
# Which message types each device kind may send (a gateway relays for its site's devices).
KIND_TYPES = {
    "nozzle": frozenset({"dispenser.transaction", "dispenser.state", "event", "heartbeat"}),
    "tank_gauge": frozenset({"tank.reading", "tank.delivery", "event", "heartbeat"}),
    "meter": frozenset({"meter.reading", "event", "heartbeat"}),
    "charger": frozenset({"charger.session", "charger.meter_values", "event", "heartbeat"}),
    "gateway": frozenset({"event", "heartbeat"}),
}

_message = TypeAdapter(Message)
_messages = TypeAdapter(list[Message])


class Rejected(BaseModel):
    """One item that could not be parsed: why, and the raw text exactly as it came."""

    reason: str
    detail: str
    raw: str
    device: str = ""


def _error_text(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}" for e in error.errors()[:5]
    )


def _device_of(item) -> str:
    device = item.get("device") if isinstance(item, dict) else None
    return device[:64] if isinstance(device, str) else ""


def parse_item(item) -> Message | Rejected:
    """One decoded JSON value to a message, or a rejection with the reason."""
    try:
        return _message.validate_python(item)
    except ValidationError as error:
        return Rejected(reason="invalid", detail=_error_text(error), raw=json.dumps(item, ensure_ascii=False,
                        default=str)[:65536], device=_device_of(item))


def parse_batch(body: bytes) -> list[Message | Rejected]:
    """A JSON array, a single JSON object, or JSON lines, to messages and rejections in order.

    An array that is not valid JSON as a whole is rejected as one item; with JSON lines, each bad
    line is rejected alone and the good ones go through.
    """
    first = body.lstrip()[:1]
    if first in (b"[", b"{"):
        # The common cases (an HTTP array, one MQTT message) validated in one pass from the bytes;
        # item by item only when something is wrong or the body is JSON lines.
        try:
            return list(_messages.validate_json(body)) if first == b"[" else [_message.validate_json(body)]
        except ValidationError:
            pass
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    try:
        decoded = json.loads(text)
    except ValueError:
        if text.startswith("["):
            return [Rejected(reason="malformed", detail="not valid JSON", raw=text[:65536])]
        decoded = None
    if decoded is not None:
        return [parse_item(item) for item in decoded] if isinstance(decoded, list) else [parse_item(decoded)]
    results: list[Message | Rejected] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            results.append(parse_item(json.loads(line)))
        except ValueError:
            results.append(Rejected(reason="malformed", detail="not valid JSON", raw=line[:65536]))
    return results


def stored_data(message: Message) -> str:
    """The fields a reading row keeps in its JSON column (the envelope has its own columns), as JSON text."""
    return message.model_dump_json(by_alias=True, exclude={"device", "seq", "time", "type"}, exclude_none=True)
