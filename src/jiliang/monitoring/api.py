"""/api/v1/monitoring/…: device ingest (device token), file upload, devices, alerts, thresholds."""

import datetime as dt
import logging
from typing import Literal

from django.conf import settings
from django.db import OperationalError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import HttpBearer

from jiliang.api import error_response
from jiliang.errors import InvalidInput
from jiliang.accounts.models import User
from jiliang.monitoring import admission, followup, profiles, selectors, services, sql
from jiliang.monitoring.ingest import Incoming, ingest
from jiliang.monitoring.messages import parse_batch
from jiliang.monitoring.models import AlertState, Device, DeviceKind, IngestSource, MeterMedium, Severity, WorkOrderKind
from jiliang.pagination import page_of
from jiliang.registry import selectors as registry_selectors
from jiliang.schemas import Moment, RecordId
from jiliang.verification.models import Institution

logger = logging.getLogger("jiliang.monitoring.api")
router = Router(tags=["monitoring"])


class DeviceToken(HttpBearer):
    """``Authorization: Bearer dev_…``: the device's own token; unknown and revoked ones are refused and logged."""

    def authenticate(self, request, token: str):
        device = Device.objects.filter(token_digest=Device.digest_of(token)).select_related("division").first()
        if device is None or device.is_revoked:
            logger.warning("ingest refused: %s token %s…", "revoked" if device else "unknown", token[:12])
            return None
        request.device = device
        return device


class IngestOut(Schema):
    accepted: int
    duplicates: int
    rejected: int
    alerts: int
    reasons: dict[str, int]


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


@router.post("/monitoring/ingest", auth=DeviceToken(), response={200: IngestOut, 422: ErrorOut, 503: ErrorOut},
             summary="Device batch: a JSON array, one object or JSON lines of typed messages")
def ingest_batch(request):
    """Each message: device, seq, time (with offset), type and the fields of its type. The answer
    comes after the commit; duplicates (device, seq) are counted, refused messages go to dead letters.
    503 with Retry-After when the ingest is full, or when SQLite's write lock stayed taken past its
    busy timeout (the batch's transaction wrote nothing: the device sends it again)."""
    try:
        with admission.admitted(admission.estimate(request.body)):
            items = parse_batch(request.body)
            if len(items) > settings.JILIANG_MONITORING_HTTP_MAX_MESSAGES:
                raise InvalidInput(_("一次最多提交 %(n)d 条消息。") % {"n": settings.JILIANG_MONITORING_HTTP_MAX_MESSAGES})
            result = ingest([Incoming(parsed) for parsed in items], source=IngestSource.HTTP, sender=request.device)
    except admission.Full:
        return _busy(request, _("接收队列已满，请稍后重试。"))
    except OperationalError as error:
        if not sql.is_lock_timeout(error):
            raise
        return _busy(request, _("数据库正忙，请稍后重试。"))
    return Status(200, result.as_dict())


def _busy(request, message: str):
    response = error_response(request, 503, "busy", message)
    response["Retry-After"] = str(settings.JILIANG_MONITORING_RETRY_AFTER_SECONDS)
    return response


@router.post("/monitoring/uploads", response={200: IngestOut, 422: ErrorOut},
             summary="Head-end file upload (.csv, .json, .jsonl) for the devices in the caller's scope")
def upload(request, file: File[UploadedFile]):
    return Status(200, services.upload_file(request.user, file.name or "", file.read()).as_dict())


class DeviceOut(Schema):
    id: int
    code: str
    name: str
    kind: DeviceKind
    medium: str
    site_id: int
    site_name: str = Field(alias="site.name")
    division_code: str = Field(alias="division.code")
    instrument_id: int | None
    feeds_from_id: int | None
    attributes: dict
    last_seen_at: dt.datetime | None
    learned_interval_s: float | None = Field(description="reporting interval learned from the device's last 14 days")
    interval_learned_at: dt.datetime | None
    revoked_at: dt.datetime | None


class MissingInputOut(Schema):
    rule_code: str
    rule: str
    missing: list[str]


class DeviceDetailOut(DeviceOut):
    missing_inputs: list[MissingInputOut]

    @staticmethod
    def resolve_missing_inputs(obj) -> list[dict]:
        return [{"rule_code": code, "rule": rule, "missing": missing}
                for code, rule, missing in profiles.device_missing_inputs(obj)]


class AttributesIn(Schema):
    attributes: dict


class DevicePage(Schema):
    items: list[DeviceOut]
    offset: int
    limit: int
    has_more: bool


class DeviceFilter(Schema):
    division: str | None = Field(None, max_length=16)
    kind: DeviceKind | None = None
    site_id: RecordId | None = None
    q: str | None = Field(None, max_length=64)
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=500)


class DeviceIn(Schema):
    code: str = Field(..., min_length=1, max_length=64)
    kind: DeviceKind
    name: str = Field("", max_length=128)
    medium: MeterMedium = MeterMedium.NONE
    site_id: RecordId | None = None
    instrument_id: RecordId | None = None
    feeds_from_id: RecordId | None = None
    attributes: dict = Field(default_factory=dict)


class CredentialsOut(Schema):
    device_id: int
    http_token: str
    mqtt_secret: str
    mqtt_topics: list[str]


class RevokeIn(Schema):
    reason: str = Field("", max_length=255)


def _device(request, device_id: int) -> Device:
    return get_object_or_404(selectors.devices(request.user), pk=device_id)


@router.get("/monitoring/devices", response=DevicePage)
def list_devices(request, filters: Query[DeviceFilter]):
    queryset = selectors.devices(request.user, site_id=filters.site_id, kind=filters.kind,
                                 division_code=filters.division, q=filters.q).order_by("code", "pk")
    page = page_of(queryset, filters.offset, filters.limit)
    return {"items": page.items, "offset": page.offset, "limit": page.limit, "has_more": page.has_more}


@router.post("/monitoring/devices", response={201: DeviceOut, 409: ErrorOut, 422: ErrorOut})
def create_device(request, payload: DeviceIn):
    site = instrument = feeds_from = None
    if payload.instrument_id:
        instrument = get_object_or_404(registry_selectors.instruments(request.user), pk=payload.instrument_id)
    elif payload.site_id:
        site = get_object_or_404(registry_selectors.sites(request.user), pk=payload.site_id)
    if payload.feeds_from_id:
        feeds_from = _device(request, payload.feeds_from_id)
    device = services.register_device(
        request.user, code=payload.code, kind=payload.kind, name=payload.name, medium=payload.medium,
        site=site, instrument=instrument, feeds_from=feeds_from, attributes=payload.attributes,
    )
    return Status(201, device)


@router.get("/monitoring/devices/{device_id}", response=DeviceDetailOut)
def get_device(request, device_id: RecordId):
    """The device with the rules that lack a profile attribute to judge it (``missing_inputs``)."""
    return _device(request, device_id)


@router.post("/monitoring/devices/{device_id}/attributes", response={200: DeviceDetailOut, 403: ErrorOut, 422: ErrorOut})
def change_attributes(request, device_id: RecordId, payload: AttributesIn):
    """Replace the device's profile attributes; each is checked for its kind, type and unit."""
    return Status(200, services.change_attributes(request.user, _device(request, device_id), payload.attributes))


@router.post("/monitoring/devices/{device_id}/credentials", response={200: CredentialsOut, 403: ErrorOut})
def issue_credentials(request, device_id: RecordId):
    """New HTTP token and MQTT signing secret, shown once; the previous ones stop working."""
    device = _device(request, device_id)
    token, secret = services.issue_credentials(request.user, device)
    return Status(200, {"device_id": device.pk, "http_token": token, "mqtt_secret": secret,
                       "mqtt_topics": [f"jiliang/{device.code}/readings", f"jiliang/{device.code}/events"]})


@router.post("/monitoring/devices/{device_id}/revoke", response={200: DeviceOut, 403: ErrorOut, 409: ErrorOut})
def revoke_device(request, device_id: RecordId, payload: RevokeIn):
    return Status(200, services.revoke_device(request.user, _device(request, device_id), payload.reason))


class WorkOrderIn(Schema):
    device_id: RecordId
    kind: WorkOrderKind
    time: Moment
    note: str = Field("", max_length=255)


class WorkOrderOut(Schema):
    id: int
    device_id: int
    kind: WorkOrderKind
    time: dt.datetime
    note: str


@router.post("/monitoring/work-orders", response={201: WorkOrderOut, 403: ErrorOut, 422: ErrorOut})
def create_work_order(request, payload: WorkOrderIn):
    device = _device(request, payload.device_id)
    return Status(201, services.record_work_order(request.user, device, kind=payload.kind, time=payload.time,
                                                  note=payload.note))


class AlertOut(Schema):
    id: int
    rule_code: str
    severity: Severity
    state: AlertState
    active: bool
    device_code: str = Field(alias="device.code")
    site_id: int
    site_name: str = Field(alias="site.name")
    division_code: str = Field(alias="division.code")
    message: str
    occurrences: int
    opened_at: dt.datetime
    last_seen_at: dt.datetime
    escalated_at: dt.datetime | None
    cleared_at: dt.datetime | None
    reminders: int
    allowed_transitions: list[str]
    assignee_id: int | None
    due_at: dt.datetime | None
    deadline_notice: str
    verification_request_id: int | None


class AlertDetailOut(AlertOut):
    evidence: dict


class AlertPage(Schema):
    items: list[AlertOut]
    offset: int
    limit: int
    has_more: bool


class AlertFilter(Schema):
    division: str | None = Field(None, max_length=16)
    state: AlertState | None = None
    rule: str | None = Field(None, max_length=16)
    severity: Severity | None = None
    active: bool | None = None
    site_id: RecordId | None = None
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=500)


class TransitionIn(Schema):
    state: AlertState
    note: str = Field("", max_length=500)


@router.get("/monitoring/alerts", response=AlertPage)
def list_alerts(request, filters: Query[AlertFilter]):
    queryset = selectors.alerts(request.user, division_code=filters.division, state=filters.state,
                                rule_code=filters.rule, severity=filters.severity, active=filters.active,
                                site_id=filters.site_id).order_by("-opened_at", "-pk")
    page = page_of(queryset, filters.offset, filters.limit)
    return {"items": page.items, "offset": page.offset, "limit": page.limit, "has_more": page.has_more}


@router.get("/monitoring/alerts/{alert_id}", response=AlertDetailOut)
def get_alert(request, alert_id: RecordId):
    return get_object_or_404(selectors.alerts(request.user), pk=alert_id)


@router.post("/monitoring/alerts/{alert_id}/transition", response={200: AlertDetailOut, 403: ErrorOut, 409: ErrorOut})
def transition_alert(request, alert_id: RecordId, payload: TransitionIn):
    alert = get_object_or_404(selectors.alerts(request.user), pk=alert_id)
    return Status(200, services.transition_alert(request.user, alert, payload.state, payload.note))


class AssignIn(Schema):
    assignee_id: RecordId
    due_at: Moment
    note: str = Field("", max_length=500)


class NoteIn(Schema):
    note: str = Field(..., min_length=1, max_length=500)


class AlertVerificationRequestIn(Schema):
    institution_id: RecordId
    preferred_date: dt.date | None = None
    note: str = Field("", max_length=300)


class VerificationRequestRef(Schema):
    id: int
    status: str


@router.post("/monitoring/alerts/{alert_id}/assign", response={200: AlertDetailOut, 403: ErrorOut, 409: ErrorOut,
                                                               422: ErrorOut},
             summary="Assign an alert to a regulator of its jurisdiction with a deadline")
def assign_alert(request, alert_id: RecordId, payload: AssignIn):
    alert = get_object_or_404(selectors.alerts(request.user), pk=alert_id)
    assignee = User.objects.filter(pk=payload.assignee_id).first()
    if assignee is None:
        raise InvalidInput(_("承办人不存在。"), {"assignee_id": [_("承办人不存在。")]})
    return Status(200, followup.assign_alert(request.user, alert, assignee=assignee, due_at=payload.due_at,
                                             note=payload.note))


@router.post("/monitoring/alerts/{alert_id}/notes", response={200: AlertDetailOut, 403: ErrorOut, 422: ErrorOut},
             summary="Add a note to an alert")
def note_alert(request, alert_id: RecordId, payload: NoteIn):
    alert = get_object_or_404(selectors.alerts(request.user), pk=alert_id)
    return Status(200, followup.note_alert(request.user, alert, payload.note))


@router.post("/monitoring/alerts/{alert_id}/verification-request",
             response={201: VerificationRequestRef, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="Turn an alert into a verification request for the instrument its device is bound to")
def alert_verification_request(request, alert_id: RecordId, payload: AlertVerificationRequestIn):
    alert = get_object_or_404(selectors.alerts(request.user), pk=alert_id)
    institution = Institution.objects.filter(pk=payload.institution_id).first()
    if institution is None:
        raise InvalidInput(_("检定机构不存在。"), {"institution_id": [_("检定机构不存在。")]})
    made = followup.request_verification(request.user, alert, institution=institution,
                                         preferred_date=payload.preferred_date, note=payload.note)
    return Status(201, {"id": made.pk, "status": made.status})


class DeadLetterOut(Schema):
    id: int
    received_at: dt.datetime
    source: str
    device_code: str
    reason: str
    detail: str
    payload: str


class DeadLetterPage(Schema):
    items: list[DeadLetterOut]
    offset: int
    limit: int
    has_more: bool


class DeadLetterFilter(Schema):
    reason: str | None = Field(None, max_length=32)
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=500)


@router.get("/monitoring/dead-letters", response=DeadLetterPage)
def list_dead_letters(request, filters: Query[DeadLetterFilter]):
    page = page_of(selectors.dead_letters(request.user, reason=filters.reason), filters.offset, filters.limit)
    return {"items": page.items, "offset": page.offset, "limit": page.limit, "has_more": page.has_more}


class ThresholdOut(Schema):
    rule_code: str
    version: int
    enabled: bool
    params: dict
    source: str
    note: str
    created_at: dt.datetime


class ThresholdIn(Schema):
    values: dict[str, float] = Field(default_factory=dict, description="threshold name -> new value")
    enabled: bool | None = None
    note: str = Field("", max_length=255)


@router.get("/monitoring/thresholds", response=list[ThresholdOut])
def list_thresholds(request):
    return selectors.thresholds(request.user)


@router.post("/monitoring/thresholds/{rule_code}", response={200: ThresholdOut, 403: ErrorOut, 422: ErrorOut})
def edit_thresholds(request, rule_code: str, payload: ThresholdIn):
    return Status(200, services.edit_thresholds(request.user, rule_code, payload.values, enabled=payload.enabled,
                                                note=payload.note))


class OnlineOut(Schema):
    kind: str
    label: str
    total: int
    online: int
    rate: float


@router.get("/monitoring/status", response=list[OnlineOut])
def device_status(request, division: str | None = Query(None, min_length=1, max_length=16),
                  offline_after_minutes: Literal[10, 60, 1440] = 60):
    """Online rate per device kind: devices heard from within the last N minutes."""
    return selectors.online_status(request.user, offline_after=dt.timedelta(minutes=offline_after_minutes),
                                   division_code=division)
