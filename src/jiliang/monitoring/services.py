"""Use cases of people on the monitoring data: devices and credentials, work orders, the alert
workflow, threshold edits, file uploads. Each runs in one transaction with ``require`` and an audit
row. Device ingest itself is ingest.py (one audit row per batch). The upkeep the jobs process runs
daily (partitions ahead, the retention purge) is here too."""

import copy
import csv
import datetime as dt
import io
import json
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts.access import AccessDenied, require
from jiliang.accounts.models import Role
from jiliang.credit.models import EventKind
from jiliang.credit.services import record_credit_event
from jiliang.errors import Conflict, InvalidInput
from jiliang.monitoring import credentials, engine, profiles, sql, storage
from jiliang.monitoring.ingest import IngestResult, Incoming, ingest
from jiliang.monitoring.messages import DEVICE_CODE_PATTERN, KIND_TYPES, parse_batch, parse_item
from jiliang.monitoring.models import (
    TERMINAL_STATES,
    TRANSITIONS,
    Alert,
    AlertState,
    DeadLetter,
    Device,
    DeviceKind,
    IngestSource,
    MessageKey,
    Rollup,
    RuleThreshold,
    WorkOrder,
    WorkOrderKind,
)
from jiliang.monitoring.rules import intervals
from jiliang.monitoring.rules.thresholds import load_document, rulebook_from_document

UPLOADERS = frozenset({Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.OWNER})
_DEVICE_FIELDS = ["id", "code", "name", "kind", "medium", "instrument", "site", "division", "feeds_from",
                  "attributes", "revoked_at"]


@transaction.atomic
def register_device(actor, *, code: str, kind: str, site=None, instrument=None, name: str = "", medium: str = "",
                    feeds_from: Device | None = None, attributes: dict | None = None) -> Device:
    """A monitoring point bound to a registered instrument (its site follows) or to a site."""
    errors: dict[str, list[str]] = {}
    if not re.match(DEVICE_CODE_PATTERN, code or ""):
        errors["code"] = [_("设备编号只能包含字母、数字、下划线、点和连字符，最长64位。")]
    if kind not in KIND_TYPES:
        errors["kind"] = [_("未知设备类型。")]
    if instrument is not None:
        site = instrument.site
    if site is None:
        errors["site"] = [_("须绑定计量器具或经营场所。")]
    if feeds_from is not None and (feeds_from.kind != DeviceKind.TANK_GAUGE or site is None
                                   or feeds_from.site_id != site.pk):
        errors["feeds_from"] = [_("供油油罐须为同一场所的液位仪。")]
    if kind in KIND_TYPES:
        errors.update(profiles.attribute_errors(kind, attributes or {}))
    if errors:
        raise InvalidInput(_("设备信息有误。"), errors)
    device = Device(code=code, kind=kind, name=name, medium=medium, instrument=instrument, site=site,
                    organization_id=site.organization_id, division_id=site.division_id, feeds_from=feeds_from,
                    attributes=attributes or {})
    require(actor, "create", device)
    if Device.objects.filter(code=code).exists():
        raise Conflict(_("设备编号 %(code)s 已存在。") % {"code": code}, {"code": [_("已存在")]})
    device.save()
    audit.record(actor, "device.register", device, after=audit.snapshot(device, _DEVICE_FIELDS),
                 division=device.division)
    return device


@transaction.atomic
def issue_credentials(actor, device: Device) -> tuple[str, str]:
    """New HTTP token and MQTT secret (returned once, never stored in clear); old ones stop working."""
    require(actor, "change", device)
    token = credentials.new_token()
    device.token_digest = Device.digest_of(token)
    device.token_prefix = token[:12]
    device.secret_version += 1
    device.credentials_issued_at = timezone.now()
    device.revoked_at = None
    device.save(update_fields=["token_digest", "token_prefix", "secret_version", "credentials_issued_at",
                               "revoked_at"])
    audit.record(actor, "device.credentials", device,
                 after={"token_prefix": device.token_prefix, "secret_version": device.secret_version},
                 division=device.division)
    return token, credentials.mqtt_secret(device.code, device.secret_version)


@transaction.atomic
def change_attributes(actor, device: Device, attributes: dict) -> Device:
    """Replace a device's profile attributes, checked as at registration (profiles.ATTRIBUTES)."""
    require(actor, "change", device)
    errors = profiles.attribute_errors(device.kind, attributes)
    if errors:
        raise InvalidInput(_("设备属性有误。"), errors)
    before = audit.snapshot(device, ["attributes"])
    device.attributes = attributes
    device.save(update_fields=["attributes"])
    audit.record(actor, "device.change", device, before=before, after=audit.snapshot(device, ["attributes"]),
                 division=device.division)
    return device


@transaction.atomic
def revoke_device(actor, device: Device, reason: str = "") -> Device:
    require(actor, "revoke", device)
    if device.is_revoked:
        raise Conflict(_("该设备已吊销。"))
    device.revoked_at = timezone.now()
    device.save(update_fields=["revoked_at"])
    audit.record(actor, "device.revoke", device, after={"revoked_at": device.revoked_at.isoformat(), "reason": reason},
                 division=device.division)
    return device


@transaction.atomic
def record_work_order(actor, device: Device, *, kind: str, time, note: str = "") -> WorkOrder:
    if kind not in WorkOrderKind.values:
        raise InvalidInput(_("未知工单类型。"), {"kind": [_("未知工单类型。")]})
    order = WorkOrder(device=device, kind=kind, time=time, note=note, created_by=actor)
    require(actor, "create", order)
    order.save()
    audit.record(actor, "work_order.create", order, after=audit.snapshot(order), division=device.division)
    return order


@transaction.atomic
def transition_alert(actor, alert: Alert, to_state: str, note: str = "") -> Alert:
    """Move an alert along the workflow (预警 → 核查 → 处置); only the allowed moves."""
    alert = Alert.objects.select_for_update(of=("self",)).select_related("site__organization").get(pk=alert.pk)
    require(actor, "transition", alert)
    if to_state not in TRANSITIONS.get(alert.state, ()):
        raise Conflict(
            _("预警不能从“%(from)s”转为“%(to)s”。") % {
                "from": AlertState(alert.state).label,
                "to": AlertState(to_state).label if to_state in AlertState.values else to_state},
            {"state": [_("不允许的状态转换。")]},
        )
    before = audit.snapshot(alert, ["state", "active"])
    alert.state = to_state
    if to_state in TERMINAL_STATES:
        alert.active = False
    alert.save(update_fields=["state", "active", "updated_at"])
    audit.record(actor, f"alert.{to_state}", alert, before=before,
                 after={**audit.snapshot(alert, ["state", "active"]), "note": note}, division=alert.division)
    if to_state == AlertState.CONFIRMED:
        record_credit_event(actor, organization=alert.site.organization, kind=EventKind.ALERT_CONFIRMED,
                            occurred_on=timezone.localdate(), source_type="alert", source_id=alert.pk,
                            summary=(_("预警 #%(id)s 经核实属实：%(rule)s %(message)s") % {
                                "id": alert.pk, "rule": alert.rule_code, "message": alert.message})[:255])
    return alert


def default_threshold_rows(document: dict) -> list[dict]:
    """Version 1 of every rule (and of the persistence times) from the shipped data file."""
    rows = [{"rule_code": code, "params": entry["thresholds"], "source": entry.get("rule", "")}
            for code, entry in document["rules"].items()]
    rows.append({"rule_code": engine.PERSISTENCE, "params": document["persistence"], "source": ""})
    return rows


@transaction.atomic
def edit_thresholds(actor, rule_code: str, values: dict, *, enabled: bool | None = None, note: str = "") -> RuleThreshold:
    """A new version of one rule's thresholds: ``values`` maps threshold names to new numbers."""
    current = RuleThreshold.objects.select_for_update().filter(rule_code=rule_code).order_by("-version").first()
    if current is None:
        raise InvalidInput(_("未知规则：%(code)s") % {"code": rule_code}, {"rule_code": [_("未知规则")]})
    draft = RuleThreshold(rule_code=rule_code, version=current.version + 1, params=copy.deepcopy(current.params),
                          enabled=current.enabled if enabled is None else enabled, source=current.source,
                          note=note[:255], created_by=actor)
    require(actor, "change", draft)
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if name not in draft.params:
            errors[name] = [_("该规则没有此阈值。")]
        elif not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
            errors[name] = [_("须为数值。")]
        else:
            draft.params[name]["value"] = value
    if not errors:
        document = engine.rule_document()
        if rule_code == engine.PERSISTENCE:
            document["persistence"] = draft.params
        else:
            document["rules"][rule_code]["thresholds"] = draft.params
        try:
            rulebook_from_document(document)
        except (TypeError, ValueError, KeyError) as exc:
            errors["__all__"] = [str(exc)]
    if errors:
        raise InvalidInput(_("阈值有误。"), errors)
    draft.save()
    audit.record(actor, "rule_threshold.edit", draft, before={"version": current.version, "params": current.params,
                 "enabled": current.enabled}, after={"version": draft.version, "params": draft.params,
                 "enabled": draft.enabled, "note": draft.note})
    if current.enabled and not draft.enabled:
        _clear_alerts_of_disabled_rule(actor, draft)
    return draft


def _clear_alerts_of_disabled_rule(actor, rule: RuleThreshold) -> None:
    """A disabled rule no longer runs, so nothing would ever find its standing conditions gone: they
    are cleared with it, each with a note in its timeline (the workflow state stays as it was)."""
    now = timezone.now()
    note = _("规则 %(code)s 已停用（第 %(version)s 版），预警随之解除。") % {"code": rule.rule_code, "version": rule.version}
    for alert in Alert.objects.select_for_update().filter(rule_code=rule.rule_code, active=True).select_related("division"):
        alert.active, alert.cleared_at = False, now
        alert.save(update_fields=["active", "cleared_at", "updated_at"])
        audit.record(actor, "alert.rule_disabled", alert, after={"active": False, "cleared_at": now.isoformat(), "note": note},
                     division=alert.division)


def ensure_default_thresholds() -> int:
    """Load version 1 of the rules that have no row yet (a new rule in the data file)."""
    known = set(RuleThreshold.objects.values_list("rule_code", flat=True))
    rows = [RuleThreshold(version=1, **row) for row in default_threshold_rows(load_document())
            if row["rule_code"] not in known]
    RuleThreshold.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _csv_items(text: str) -> list[Incoming]:
    items = []
    for row in csv.DictReader(io.StringIO(text)):
        values = {k.strip(): v.strip() for k, v in row.items() if k and v is not None and v.strip() != ""}
        items.append(Incoming(parse_item(values), raw=json.dumps(row, ensure_ascii=False)))
    return items


def upload_file(actor, name: str, content: bytes) -> IngestResult:
    """A utility head-end's daily batch (.csv with one message per row, or .json / .jsonl)."""
    if name.lower().endswith(".csv"):
        items = _csv_items(content.decode("utf-8-sig", errors="replace"))
    elif name.lower().endswith((".json", ".jsonl", ".ndjson")):
        items = [Incoming(parsed) for parsed in parse_batch(content)]
    else:
        raise InvalidInput(_("只接受 .csv、.json 或 .jsonl 文件。"), {"file": [_("文件类型不支持。")]})
    if not (actor.is_authenticated and actor.is_active and (actor.is_superuser or actor.role in UPLOADERS)):
        raise AccessDenied(_("您的角色无权上传监测数据。"))
    return ingest(items, source=IngestSource.FILE, actor=actor)


PARTITION_DAYS_AHEAD = 7


@transaction.atomic
def create_partitions_ahead(days: int = PARTITION_DAYS_AHEAD) -> list[str]:
    """The readings' daily partitions from yesterday to ``days`` ahead (PostgreSQL; nothing on
    SQLite); the ingest also creates a missing one on demand, this keeps it off the hot path."""
    return storage.ensure_ahead(timezone.now().date(), days)


@transaction.atomic
def purge_expired() -> dict:
    """Readings (whole partitions on PostgreSQL), message keys, rollups and dead letters older than
    JILIANG_MONITORING_RETENTION_DAYS; one audit event with the counts."""
    cutoff = timezone.now() - dt.timedelta(days=settings.JILIANG_MONITORING_RETENTION_DAYS)
    readings = storage.purge_before(cutoff)
    keys, _deleted = MessageKey.objects.filter(time__lt=cutoff).delete()
    rollups, _deleted = Rollup.objects.filter(start__lt=cutoff).delete()
    letters, _deleted = DeadLetter.objects.filter(received_at__lt=cutoff).delete()
    counts = {"readings_or_partitions": readings, "message_keys": keys, "rollups": rollups,
              "dead_letters": letters, "cutoff": cutoff.isoformat()}
    audit.record("monitor-purge", "monitoring.purge", object_type="monitoring.Retention", object_id="",
                 object_repr="retention purge", after=counts)
    return counts


def learn_intervals(now: dt.datetime | None = None) -> dict:
    """Learn every device's reporting interval from its messages of the last LEARNING_DAYS days
    (rules/intervals.py) and keep it on the device, where the silence rules read it; one audit event
    with the counts. Run daily by the job scheduler, and at each simulated midnight by `simulate`."""
    now = now or timezone.now()
    devices = {d.pk: d for d in Device.objects.filter(revoked_at__isnull=True).exclude(kind=DeviceKind.GATEWAY)}
    learned: dict[int, float | None] = {}

    def settle(device_id: int | None, times: list[dt.datetime]) -> None:
        device = devices.get(device_id)
        if device is not None:
            profile = engine.profile_of(device.code, device.kind, device.site_id, device.medium, device.attributes)
            interval = intervals.learned_interval(times, profile)
            learned[device_id] = interval.total_seconds() if interval else None

    current, times = None, []
    with sql.cursor() as cursor:
        cursor.execute(f"SELECT device_id, time FROM {storage.TABLE} WHERE time >= %s AND time <= %s ORDER BY device_id, time",
                       [sql.param(now - dt.timedelta(days=intervals.LEARNING_DAYS)), sql.param(now)])
        while rows := cursor.fetchmany(10_000):
            for device_id, moment in rows:
                if device_id != current:
                    settle(current, times)
                    current, times = device_id, []
                times.append(sql.time_of(moment))
    settle(current, times)
    changed = []
    for device_id, device in devices.items():
        value = learned.get(device_id)
        if value != device.learned_interval_s:
            device.learned_interval_s, device.interval_learned_at = value, now
            changed.append(device)
    with transaction.atomic():
        Device.objects.bulk_update(changed, ["learned_interval_s", "interval_learned_at"], batch_size=1000)
        counts = {"devices": len(devices), "learned": sum(v is not None for v in learned.values()),
                  "changed": len(changed), "at": now.isoformat()}
        audit.record("monitor-learn", "monitoring.learn_intervals", object_type="monitoring.Device", object_id="",
                     object_repr="learned reporting intervals", after=counts)
    return counts
