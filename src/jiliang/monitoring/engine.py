"""Wiring of the pure rules (monitoring/rules) to the database: windows in, alerts out.

Two triggers:

- **on arrival** (`after_ingest`, inside the ingest transaction): for every site that received new
  messages, the rules that read what arrived (their ``inputs`` meet the new messages' Window
  fields), are not time-driven and look back at most a day run over the stored readings from
  ``JILIANG_MONITORING_ARRIVAL_WINDOW_MINUTES`` before the earliest new message (of each device
  that sent, when the rules look at one device at a time; of the whole site otherwise): the fast
  path, which sees events, per-message checks and steps between recent readings within a batch's
  commit (a rule whose inputs did not change would only repeat its last findings);
- **on the clock** (`tick`, `jiliang monitor tick` or the worker loop): the time-driven rules
  (communication loss, overdue) for every site, and every other rule with its full window
  (``RuleSpec.window_length``) for the sites that received data since the last tick: the
  complete path, which also sees the conditions that need more than the arrival window.

The findings go to services.apply_findings, which de-duplicates, escalates and audits.
"""

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from jiliang.monitoring import alerting, sql, storage
from jiliang.monitoring.models import ClockTurn, Device, DeviceKind, Rollup, RollupPeriod, RuleThreshold, WorkOrder
from jiliang.monitoring.rules import clearing
from jiliang.monitoring.rules import types as rt
from jiliang.monitoring.rules.registry import RULES, RuleSpec, rules_for_kind
from jiliang.monitoring.rules.thresholds import RuleBook, load_document, rulebook_from_document
from jiliang.verification.models import Certificate, CertificateStatus, Conclusion, Verification, VerificationState

RULE_KIND = {
    DeviceKind.NOZZLE: rt.DeviceKind.NOZZLE,
    DeviceKind.TANK_GAUGE: rt.DeviceKind.TANK,
    DeviceKind.METER: rt.DeviceKind.METER,
    DeviceKind.CHARGER: rt.DeviceKind.CHARGER,
}
PERSISTENCE = "persistence"  # the RuleThreshold row holding the escalation and clear times

_rulebook_cache: dict[str, tuple[int, tuple[RuleBook, frozenset[str]]]] = {}


# ---------------------------------------------------------------- thresholds


def rule_document() -> dict:
    """The shipped data file with the thresholds in force (the latest version of each row) in it."""
    document = load_document()
    current: dict[str, RuleThreshold] = {}
    for row in RuleThreshold.objects.order_by("rule_code", "version"):
        current[row.rule_code] = row
    # A threshold the data file gained after a stored version was saved keeps the file's value.
    for code, row in current.items():
        if code == PERSISTENCE:
            document["persistence"] = {**document["persistence"], **row.params}
        elif code in document["rules"]:
            document["rules"][code]["thresholds"] = {**document["rules"][code]["thresholds"], **row.params}
    return document


def _enabled_rules() -> frozenset[str]:
    latest = {}
    for code, enabled in RuleThreshold.objects.order_by("rule_code", "version").values_list("rule_code", "enabled"):
        latest[code] = enabled
    return frozenset(code for code in RULES if latest.get(code, True))


def current_rules() -> tuple[RuleBook, frozenset[str]]:
    """The thresholds in force and the enabled rules, rebuilt only when a new version was saved."""
    marker = RuleThreshold.objects.aggregate(last=Max("id"))["last"] or 0
    cached = _rulebook_cache.get("book")
    if cached is None or cached[0] != marker:
        book = rulebook_from_document(rule_document())
        book = RuleBook(version=f"{book.version}+{marker}", persistence=book.persistence, thresholds=book.thresholds)
        _rulebook_cache["book"] = (marker, (book, _enabled_rules()))
    return _rulebook_cache["book"][1]


# ---------------------------------------------------------------- stored rows -> typed records


def _time(value) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def record_of(code: str, kind: str, sequence: int, time: dt.datetime, data: dict):
    """The typed rule input of one stored message (None for message types no rule reads)."""
    head = {"device_id": code, "sequence": sequence, "time": time}
    if kind == "dispenser.transaction":
        return rt.DispenserTransaction(
            **head, duration_s=data["duration_s"], volume_l=data["volume_l"], pulses=data["pulses"],
            k_factor=data["k_factor"], unit_price=data["unit_price"], amount=data["amount_yuan"],
            totaliser_start_l=data["totaliser_start_l"], totaliser_end_l=data["totaliser_end_l"],
            fuel_temperature_c=data["fuel_temperature_c"],
        )
    if kind == "dispenser.state":
        if data.get("component"):
            return rt.ComponentIdentity(**head, component=data["component"], identity=data["identity"])
        return rt.ParameterChange(**head, parameter=data["parameter"], old_value=data["old_value"],
                                  new_value=data["new_value"])
    if kind == "tank.reading":
        return rt.TankReading(**head, volume_l=data["volume_l"], temperature_c=data["temperature_c"])
    if kind == "tank.delivery":
        return rt.TankDelivery(**head, volume_20_l=data["volume_20_l"])
    if kind == "meter.reading":
        return rt.MeterReading(
            **head, register=data["register"], reverse_register=data.get("reverse_register"),
            flow_rate=data.get("flow_rate"), phase_current_a=data.get("phase_current_a"),
            neutral_current_a=data.get("neutral_current_a"),
        )
    if kind == "event":
        return rt.DeviceEvent(**head, code=data["code"])
    if kind == "charger.session":
        return rt.ChargerSession(
            **head, session_id=data["session_id"], started_at=_time(data["started_at"]),
            energy_billed_kwh=data["energy_billed_kwh"], energy_module_kwh=data["energy_module_kwh"],
            amount=data["amount_yuan"],
            tariff_periods=tuple(rt.TariffPeriod(**p) for p in data.get("tariff_periods", ())),
        )
    if kind == "charger.meter_values":
        return rt.ChargerMeterValue(**head, session_id=data.get("session_id", ""), register_kwh=data["register_kwh"])
    return rt.Heartbeat(**head, device_clock=_time(data.get("device_clock")))


def message_of(record, sequence: int) -> dict:
    """The wire message (messages.py) of one typed rule record: the inverse of ``record_of``."""
    head = {"device": record.device_id, "seq": sequence, "time": record.time.isoformat()}
    if isinstance(record, rt.DispenserTransaction):
        return {**head, "type": "dispenser.transaction", "duration_s": record.duration_s, "volume_l": record.volume_l,
                "pulses": record.pulses, "k_factor": record.k_factor, "unit_price": record.unit_price,
                "amount_yuan": record.amount, "totaliser_start_l": record.totaliser_start_l,
                "totaliser_end_l": record.totaliser_end_l, "fuel_temperature_c": record.fuel_temperature_c}
    if isinstance(record, rt.ParameterChange):
        return {**head, "type": "dispenser.state", "parameter": record.parameter, "old_value": record.old_value,
                "new_value": record.new_value}
    if isinstance(record, rt.ComponentIdentity):
        return {**head, "type": "dispenser.state", "component": record.component, "identity": record.identity}
    if isinstance(record, rt.TankReading):
        return {**head, "type": "tank.reading", "volume_l": record.volume_l, "temperature_c": record.temperature_c}
    if isinstance(record, rt.TankDelivery):
        return {**head, "type": "tank.delivery", "volume_20_l": record.volume_20_l}
    if isinstance(record, rt.MeterReading):
        optional = {"reverse_register": record.reverse_register, "flow_rate": record.flow_rate,
                    "phase_current_a": record.phase_current_a, "neutral_current_a": record.neutral_current_a}
        return {**head, "type": "meter.reading", "register": record.register,
                **{k: v for k, v in optional.items() if v is not None}}
    if isinstance(record, rt.DeviceEvent):
        return {**head, "type": "event", "code": record.code}
    if isinstance(record, rt.ChargerSession):
        return {**head, "type": "charger.session", "session_id": record.session_id,
                "started_at": record.started_at.isoformat(), "energy_billed_kwh": record.energy_billed_kwh,
                "energy_module_kwh": record.energy_module_kwh, "amount_yuan": record.amount,
                "tariff_periods": [{"energy_kwh": p.energy_kwh, "energy_price": p.energy_price,
                                    "service_fee": p.service_fee} for p in record.tariff_periods]}
    if isinstance(record, rt.ChargerMeterValue):
        return {**head, "type": "charger.meter_values", "session_id": record.session_id,
                "register_kwh": record.register_kwh}
    clock = {"device_clock": record.device_clock.isoformat()} if record.device_clock else {}
    return {**head, "type": "heartbeat", **clock}


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class SiteDevice:
    """A device as the rules see it: its ids, its last message and its profile."""

    id: int
    code: str
    kind: str
    site_id: int
    last_seen_at: dt.datetime | None
    profile: rt.DeviceProfile


def profile_of(code: str, kind: str, site_id: int, medium: str, attributes: dict, *, tank: str | None = None,
               instrument_class: str | None = None, instrument_installed=None,
               certificate: tuple | None = None, verified_k_factor=None,
               learned_interval_s: float | None = None) -> rt.DeviceProfile:
    """What the rules know of a device: its kind and site, ratings and dates from its parameters
    (``attributes``) and from the registered instrument it is bound to. ``certificate`` is the
    instrument's certificate in force (verified on, conclusion, valid until: its VerificationState):
    the verified state comes from verification and wins over dates typed into the attributes; a
    failed verification leaves the instrument unverified from that day. ``verified_k_factor`` is the
    pulse equivalent recorded by the instrument's last passed verification; it wins over the
    attribute of the same name, so a verification re-adjusting a dispenser registers its new K."""
    a = attributes or {}
    last_verified, valid_until = _date(a.get("last_verified")), _date(a.get("valid_until"))
    if certificate is not None:
        verified_on, conclusion, certificate_valid_until = certificate
        last_verified = _date(verified_on)
        valid_until = _date(verified_on) if conclusion == Conclusion.FAIL else _date(certificate_valid_until)
    interval = a.get("report_interval_s")
    hours = a.get("opening_hours")
    return rt.DeviceProfile(
        device_id=code,
        kind=RULE_KIND[kind],
        site_id=str(site_id),
        product=a.get("product"),
        tank_id=tank,
        density_20_kg_m3=a.get("density_20_kg_m3"),
        qmax=a.get("qmax"),
        qmin=a.get("qmin"),
        rated_power_kw=a.get("rated_power_kw"),
        accuracy_class=a.get("accuracy_class") or instrument_class or None,
        medium=medium or None,
        register_resolution=a.get("register_resolution"),
        report_interval=dt.timedelta(seconds=interval) if interval else None,
        learned_interval=dt.timedelta(seconds=learned_interval_s) if learned_interval_s else None,
        role=a.get("role"),
        account_active=bool(a.get("account_active", False)),
        verified_k_factor=float(verified_k_factor) if verified_k_factor is not None else a.get("verified_k_factor"),
        last_verified=last_verified,
        valid_until=valid_until,
        installed_on=_date(a.get("installed_on")) or _date(instrument_installed),
        opening_hours=tuple(hours) if hours else None,
    )


_DEVICE = Device._meta.db_table
_INSTRUMENT = Device._meta.get_field("instrument").related_model._meta.db_table
_VERIFICATION_STATE = VerificationState._meta.db_table
_VERIFICATION = Verification._meta.db_table
_CERTIFICATE = Certificate._meta.db_table
# The K-factor of the instrument's last passed verification that recorded one, with its certificate
# still in force (not revoked, not replaced by a correction); the (instrument, performed_on) index.
_VERIFIED_K = f"""(SELECT vr.k_factor FROM {_VERIFICATION} vr JOIN {_CERTIFICATE} c ON c.verification_id = vr.id
                    WHERE vr.instrument_id = d.instrument_id AND vr.conclusion = '{Conclusion.PASS.value}'
                      AND vr.k_factor IS NOT NULL AND c.status = '{CertificateStatus.ISSUED.value}'
                    ORDER BY vr.performed_on DESC, vr.id DESC LIMIT 1)"""


def _site_devices(site_ids: Iterable[int], device_ids: Iterable[int] = ()) -> dict[int, list[SiteDevice]]:
    """The devices (not gateways, not revoked) of the sites, and the devices named, with their
    profiles: one query."""
    devices: dict[int, list[SiteDevice]] = defaultdict(list)
    with sql.cursor() as cursor:
        cursor.execute(
            f"""SELECT d.id, d.code, d.kind, d.site_id, d.medium, d.attributes, d.last_seen_at, d.learned_interval_s,
                       i.accuracy_class, i.install_date, f.code, {_VERIFIED_K}, v.verified_on, v.conclusion, v.valid_until
                FROM {_DEVICE} d
                LEFT JOIN {_INSTRUMENT} i ON i.id = d.instrument_id
                LEFT JOIN {_VERIFICATION_STATE} v ON v.instrument_id = d.instrument_id
                LEFT JOIN {_DEVICE} f ON f.id = d.feeds_from_id
                WHERE ({sql.in_list('d.site_id', 'bigint')} OR {sql.in_list('d.id', 'bigint')})
                  AND d.revoked_at IS NULL AND d.kind <> %s
                ORDER BY d.code""",
            [sql.list_param(list(site_ids)), sql.list_param(list(device_ids)), DeviceKind.GATEWAY],
        )
        for id_, code, kind, site, medium, attributes, seen, learned, accuracy, installed, tank, k_factor, *state in cursor.fetchall():
            profile = profile_of(code, kind, site, medium, sql.json_of(attributes), tank=tank,
                                 instrument_class=accuracy, instrument_installed=installed, verified_k_factor=k_factor,
                                 learned_interval_s=learned,
                                 certificate=tuple(state) if state[0] is not None else None)
            devices[site].append(SiteDevice(id_, code, kind, site, sql.time_of(seen), profile))
    return devices


def device_profile(device_id: int) -> rt.DeviceProfile | None:
    """The profile the rules see for one stored device (None for a gateway or a revoked device)."""
    found = [d.profile for devices in _site_devices((), (device_id,)).values() for d in devices]
    return found[0] if found else None


def build_windows(site_starts: dict[int, dt.datetime], now: dt.datetime, inputs: set[str] | None = None,
                  field_starts: dict[int, dict[str, dt.datetime]] | None = None,
                  device_starts: dict[int, dict[int, dt.datetime]] | None = None) -> dict[int, rt.Window]:
    """One Window per site with its stored readings since the site's start time.

    ``inputs`` limits the readings loaded to the Window fields the rules to run will read;
    ``field_starts`` (site -> field -> start) loads a field only as far back as the rules that read
    it look (heartbeats for a day, not for the month a reconciliation needs). ``daily_use`` comes
    from the daily rollups, not from raw readings. ``device_starts`` (site -> device id -> start,
    the arrival path's) gives such a site only those devices, each with its readings from its own
    start; then the readings of every site are read in one query, whatever the spread of the starts.
    """
    own_starts = {device: start for starts in (device_starts or {}).values() for device, start in starts.items()}
    devices = _site_devices([site for site in site_starts if site not in (device_starts or {})], own_starts)
    by_id = {d.id: d for site in devices.values() for d in site}
    fields: dict[int, dict[str, list]] = {site: defaultdict(list) for site in devices}

    def start_of(site: int, field: str) -> dt.datetime:
        return (field_starts or {}).get(site, {}).get(field, site_starts[site])

    kinds_needed = [kind for kind in _KIND_FIELD if inputs is None or _KIND_FIELD[kind] in inputs] if by_id else []
    with sql.cursor() as cursor:
        if device_starts is None:
            reads = _reads_by_reach(cursor, site_starts, by_id, kinds_needed, start_of, now)
        else:
            reads = _reads_by_device(cursor, {d.id: own_starts.get(d.id, site_starts[d.site_id]) for d in by_id.values()},
                                     kinds_needed, now)
        kind_starts: dict[tuple[int, str], dt.datetime] = {}  # per row it was a tenth of this loop
        for device_id, kind, sequence, time, data in reads:
            device = by_id[device_id]
            time = sql.time_of(time)
            kind_start = kind_starts.get((device.site_id, kind))
            if kind_start is None:
                kind_start = kind_starts[device.site_id, kind] = min(
                    start_of(device.site_id, f) for f in _kind_fields(kind))
            if time < kind_start:
                continue
            record = record_of(device.code, kind, sequence, time, sql.json_of(data))
            field = rt.WINDOW_FIELD[type(record)]
            if time >= start_of(device.site_id, field):
                fields[device.site_id][field].append(record)
        if by_id and (inputs is None or "daily_use" in inputs):
            meters = {i: d for i, d in by_id.items() if d.kind == DeviceKind.METER}
            earliest = min(start_of(site, "daily_use") for site in site_starts)
            cursor.execute(
                f"SELECT device_id, start, consumption, readings FROM {Rollup._meta.db_table} WHERE period = %s "
                f"AND {sql.in_list('device_id', 'bigint')} AND start >= %s AND start <= %s",
                [RollupPeriod.DAY, sql.list_param(list(meters)), sql.param(earliest), sql.param(now)],
            )
            for device_id, start, consumption, count in cursor.fetchall():
                device = meters[device_id]
                start = sql.time_of(start)
                if start >= start_of(device.site_id, "daily_use"):
                    fields[device.site_id]["daily_use"].append(rt.DailyUse(device.code, start, consumption, count))
        if by_id and (inputs is None or "work_orders" in inputs):
            cursor.execute(
                f"SELECT device_id, time, kind FROM {WorkOrder._meta.db_table} "
                f"WHERE {sql.in_list('device_id', 'bigint')} AND time >= %s ORDER BY time DESC, id DESC",
                [sql.list_param(list(by_id)), sql.param(min(site_starts.values()))],
            )
            for device_id, time, kind in cursor.fetchall():
                device = by_id[device_id]
                fields[device.site_id]["work_orders"].append(
                    rt.WorkOrder(device_id=device.code, time=sql.time_of(time), kind=kind)
                )
    return {
        site: rt.Window(
            now=now,
            start=site_starts[site],
            profiles={d.code: d.profile for d in site_devices},
            last_seen={d.code: d.last_seen_at for d in site_devices if d.last_seen_at},
            **{name: tuple(values) for name, values in fields[site].items()},
        )
        for site, site_devices in devices.items()
    }


def _reads_by_reach(cursor, site_starts, by_id, kinds, start_of, now):
    """The readings of the devices, one query per distinct reach back (a single one when no field
    has its own start), each from the earliest start of the sites."""
    kinds_from: dict[dt.datetime, list[str]] = defaultdict(list)
    for kind in kinds:
        earliest = min(start_of(site, f) for site in site_starts for f in _kind_fields(kind))
        if earliest < now:
            kinds_from[earliest].append(kind)
    for earliest, reach_kinds in kinds_from.items():
        cursor.execute(
            f"SELECT device_id, kind, sequence, time, data FROM {storage.TABLE} WHERE "
            f"{sql.in_list('device_id', 'bigint')} AND {sql.in_list('kind', 'text')} AND time >= %s AND time <= %s",
            [sql.list_param(list(by_id)), sql.list_param(reach_kinds), sql.param(earliest), sql.param(now)],
        )
        yield from cursor


def _reads_by_device(cursor, starts: dict[int, dt.datetime], kinds, now):
    """The readings of each device from its own start: one query, the starts joined as rows."""
    if not starts or not kinds:
        return
    cursor.execute(*storage.read_ranges("r.device_id, r.kind, r.sequence, r.time, r.data",
                                        [(device, start, now) for device, start in starts.items()],
                                        sql.in_list("r.kind", "text"), [sql.list_param(kinds)]))
    yield from cursor


_KIND_FIELD = {
    "dispenser.transaction": "transactions",
    "dispenser.state": "parameter_changes",  # and component_identities: one message type, two records
    "tank.reading": "tank_readings",
    "tank.delivery": "tank_deliveries",
    "meter.reading": "meter_readings",
    "event": "events",
    "charger.session": "charger_sessions",
    "charger.meter_values": "charger_meter_values",
    "heartbeat": "heartbeats",
}


def _kind_fields(kind: str) -> tuple[str, ...]:
    return ("parameter_changes", "component_identities") if kind == "dispenser.state" else (_KIND_FIELD[kind],)


def _kinds_needed(inputs: set[str]) -> set[str]:
    if "component_identities" in inputs:
        inputs = inputs | {"parameter_changes"}
    return inputs


def _run(windows: dict[int, rt.Window], specs_of: dict[int, list[RuleSpec]], book: RuleBook, now,
         step: dt.timedelta | None = None) -> int:
    """Evaluate and apply; with the clock's ``step`` each rule sees only its own lookback of the site's
    window, and what it did not find there is gone if the window held the data to show it (clearing.py)."""
    findings, answers = [], {}
    for site, window in windows.items():
        for spec in specs_of.get(site, ()):
            own = window if step is None else _own_window(window, spec, book, step)
            findings += spec.evaluate(own, book)
            if step is not None:
                answers.update(_answers(own, spec, book))
    touched = alerting.apply_findings(findings, book, now)
    if step is not None:
        alerting.mark_absent(answers, findings, now)
    return touched


def _answers(window: rt.Window, spec: RuleSpec, book: RuleBook) -> dict[tuple[str, str], tuple]:
    """(rule, device) -> (how far the device's data reach in the rule's window, how far past the last
    finding they must reach to show the condition gone), for the devices the rule judges."""
    needed = clearing.recurrence(spec.window_length(book), spec.time_driven)
    return {(spec.code, code): (clearing.data_reach(window, code, spec.inputs, spec.time_driven), needed)
            for code, profile in window.profiles.items() if profile.kind in spec.device_kinds}


_WINDOW_DATA = tuple(f.name for f in dataclasses.fields(rt.Window) if f.name not in {"now", "start", "profiles", "last_seen"})


def _reach(spec: RuleSpec, book: RuleBook, step: dt.timedelta) -> dt.timedelta:
    """How far back the clock gives a rule data: its window, plus a clock step for a data-driven rule."""
    return spec.window_length(book) + (dt.timedelta(0) if spec.time_driven else step)


def _own_window(window: rt.Window, spec: RuleSpec, book: RuleBook, step: dt.timedelta) -> rt.Window:
    """The window the rule is defined over, as rules.replay gives it: the site's window was loaded
    for its longest rule, and a one-day rule must not keep finding a month-old fill. A data-driven
    rule reaches one clock step further back, so a pair of readings across the last turn is seen whole."""
    since = window.now - _reach(spec, book, step)
    if window.start is not None and since <= window.start:
        return window

    def inside(item) -> bool:
        if isinstance(item, rt.DailyUse):
            return item.day + dt.timedelta(days=1) > since  # the day `since` falls in, as replay's readings make it
        return item.time >= since

    return dataclasses.replace(window, start=since, **{
        name: tuple(item for item in getattr(window, name) if inside(item)) for name in _WINDOW_DATA})


# ---------------------------------------------------------------- triggers


ARRIVAL_MAX_RULE_WINDOW = dt.timedelta(days=1)  # longer-window rules wait for the clock


def arrival_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.JILIANG_MONITORING_ARRIVAL_WINDOW_MINUTES)


def _fields_of(message_type: str) -> set[str]:
    field = _KIND_FIELD[message_type]
    return {field, "component_identities"} if message_type == "dispenser.state" else {field}


def after_ingest(new: list, now: dt.datetime) -> int:
    """Run the arrival rules for the sites of the new (device, message) pairs; returns alerts touched.

    A site whose arrival rules each look at one device at a time (none ``site_wide``) gets a window
    of only the devices that sent, each from the arrival window before its own earliest new message."""
    earliest: dict[int, dt.datetime] = {}
    device_earliest: dict[int, dict[int, dt.datetime]] = defaultdict(dict)
    kinds: dict[int, set[str]] = defaultdict(set)
    fields: dict[int, set[str]] = defaultdict(set)
    for device, message in new:
        if device.kind == DeviceKind.GATEWAY:
            continue
        site = device.site_id
        earliest[site] = min(message.time, earliest.get(site, message.time))
        device_earliest[site][device.id] = min(message.time, device_earliest[site].get(device.id, message.time))
        kinds[site].add(device.kind)
        fields[site] |= _fields_of(message.type)
    book, enabled = current_rules()
    specs_of, starts, device_starts = {}, {}, {}
    for site in earliest:
        specs = [s for s in _arrival_specs(frozenset(kinds[site]), frozenset(fields[site]), book) if s.code in enabled]
        if specs:
            specs_of[site] = specs
            lookback = min(arrival_window(), max(s.window_length(book) for s in specs))
            starts[site] = earliest[site] - lookback
            if not any(s.site_wide for s in specs):
                device_starts[site] = {device: time - lookback for device, time in device_earliest[site].items()}
    if not starts:
        return 0
    inputs = _kinds_needed({i for specs in specs_of.values() for s in specs for i in s.inputs})
    return _run(build_windows(starts, now, inputs, device_starts=device_starts), specs_of, book, now)


def _arrival_specs(device_kinds: frozenset[str], new_fields: frozenset[str], book: RuleBook) -> list[RuleSpec]:
    specs: dict[str, RuleSpec] = {}
    for kind in device_kinds:
        for spec in rules_for_kind(RULE_KIND[kind]):
            if not spec.time_driven and spec.window_length(book) <= ARRIVAL_MAX_RULE_WINDOW and new_fields & set(spec.inputs):
                specs[spec.code] = spec
    return list(specs.values())


def _field_starts(specs: Iterable[RuleSpec], book: RuleBook, now: dt.datetime, step: dt.timedelta) -> dict[str, dt.datetime]:
    """How far back each Window field must reach: the longest reach of the rules that read it."""
    starts: dict[str, dt.datetime] = {}
    for spec in specs:
        for field in spec.inputs:
            starts[field] = min(starts.get(field, now), now - _reach(spec, book, step))
    return starts


RULE_CLOCK = "rules"  # the ClockTurn row of the rule clock


def _previous_turn(now: dt.datetime) -> dt.datetime | None:
    """The clock's last turn before ``now`` (None for the first turn, or a replay before it)."""
    at = ClockTurn.objects.filter(name=RULE_CLOCK).values_list("at", flat=True).first()
    return at if at is not None and at < now else None


def tick(now: dt.datetime | None = None, *, since: dt.datetime | None = None, chunk: int = 200) -> int:
    """The clock's turn: time-driven rules for every site, every rule with its full window for the
    sites with data dated or received since ``since`` (default: the clock's previous turn; every
    site on a first turn, with one tick interval as the step). Returns the alerts touched."""
    now = now or timezone.now()
    step = dt.timedelta(seconds=settings.JILIANG_MONITORING_TICK_SECONDS)
    since = since or _previous_turn(now)
    touched = _turn(now, since or dt.datetime.min.replace(tzinfo=dt.timezone.utc), now - since if since else step, chunk)
    ClockTurn.objects.update_or_create(name=RULE_CLOCK, defaults={"at": now})
    return touched


def _has_news(spec: RuleSpec, book: RuleBook, latest: dt.datetime | None, since: dt.datetime) -> bool:
    """Whether a data-driven rule has something to judge at a site: data since the last turn, or
    data still inside the rule's grace period at that turn. A change FD-01 and FD-03 hold back for
    their grace period is judged at the first turn after it, also when the dispenser has sent
    nothing since (a tampered dispenser may well fall silent)."""
    grace = getattr(book.for_rule(spec.code), "grace_period", dt.timedelta(0))
    return latest is not None and latest + grace >= since


def _turn(now: dt.datetime, since: dt.datetime, step: dt.timedelta, chunk: int) -> int:
    book, enabled = current_rules()
    touched = 0
    sites = Device.objects.filter(revoked_at__isnull=True).exclude(kind=DeviceKind.GATEWAY)
    site_kinds: dict[int, set[str]] = defaultdict(set)
    latest: dict[int, dt.datetime] = {}  # the site's last data, by its time or its arrival
    for site_id, kind, *moments in sites.values_list("site_id", "kind", "last_seen_at", "last_received_at"):
        site_kinds[site_id].add(kind)
        for moment in moments:
            if moment is not None and (site_id not in latest or moment > latest[site_id]):
                latest[site_id] = moment
    site_ids = sorted(site_kinds)
    for first in range(0, len(site_ids), chunk):
        specs_of: dict[int, list[RuleSpec]] = {}
        starts: dict[int, dt.datetime] = {}
        field_starts: dict[int, dict[str, dt.datetime]] = {}
        for site in site_ids[first:first + chunk]:
            specs = {}
            for kind in site_kinds[site]:
                for spec in rules_for_kind(RULE_KIND[kind]):
                    if spec.code in enabled and (spec.time_driven or _has_news(spec, book, latest.get(site), since)):
                        specs[spec.code] = spec
            if specs:
                specs_of[site] = list(specs.values())
                starts[site] = now - max(_reach(s, book, step) for s in specs.values())
                field_starts[site] = _field_starts(specs.values(), book, now, step)
        if starts:
            inputs = _kinds_needed({i for specs in specs_of.values() for s in specs for i in s.inputs})
            touched += _run(build_windows(starts, now, inputs, field_starts), specs_of, book, now, step=step)
    touched += alerting.housekeep(book, now)
    return touched
