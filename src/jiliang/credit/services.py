"""Writes of the credit app: recording an event (and the grade it moves), recomputing grades,
objections (异议) and the city regulator's edits of the weights."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts.access import AccessDenied, require
from jiliang.accounts.models import Role
from jiliang.accounts.selectors import regulators_over
from jiliang.credit import scoring, selectors, weights
from jiliang.credit.models import (
    OWNER_KINDS,
    CreditEvent,
    CreditGrade,
    CreditWeight,
    EventKind,
    EventState,
    Objection,
    ObjectionState,
)
from jiliang.errors import Conflict, InvalidInput
from jiliang.jobs import services as jobs
from jiliang.jobs.models import TaskKind
from jiliang.notifications import notifiers
from jiliang.notifications.services import tell_organization
from jiliang.registry.models import Organization

BATCH = 2000
MAX_POINTS = 100.0
MAX_HALF_LIFE_DAYS = 36500


def today() -> dt.date:
    return timezone.localdate()


def _event_snapshot(event: CreditEvent) -> dict:
    return {"organization": event.organization_id, "kind": event.kind, "occurred_on": event.occurred_on.isoformat(),
            "source_type": event.source_type, "source_id": event.source_id, "summary": event.summary,
            "state": event.state}


def _check_event(kind, occurred_on, source_type, source_id, summary) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in EventKind.values:
        errors["kind"] = [_("未知的信用事项：%(kind)s。") % {"kind": kind}]
    if not isinstance(occurred_on, dt.date) or isinstance(occurred_on, dt.datetime):
        errors["occurred_on"] = [_("发生日期须为日期。")]
    elif occurred_on > today():
        errors["occurred_on"] = [_("发生日期不能晚于今天。")]
    if not source_type or len(str(source_type)) > 32:
        errors["source_type"] = [_("来源类型须为 1 至 32 个字符。")]
    if source_id in (None, "") or len(str(source_id)) > 64:
        errors["source_id"] = [_("来源编号须为 1 至 64 个字符。")]
    if not summary or len(summary) > 255:
        errors["summary"] = [_("说明须为 1 至 255 个字符。")]
    return errors


def record_credit_event(actor, *, organization: Organization, kind: str, occurred_on: dt.date, source_type: str,
                        source_id, summary: str) -> CreditEvent:
    """Record one fact that counts for or against ``organization`` and recompute its grade, inside
    the caller's transaction. The same source recorded again returns the first event unchanged.

    ``actor`` is the person whose act caused it (a regulator, or an owner signing a pledge) or None
    for the platform's own jobs."""
    errors = _check_event(kind, occurred_on, source_type, source_id, summary)
    if errors:
        raise InvalidInput(_("信用记录有误。"), errors)
    with transaction.atomic():
        existing = CreditEvent.objects.filter(organization=organization, kind=kind, source_type=source_type,
                                              source_id=str(source_id)).first()
        if existing is not None:
            return existing
        event = CreditEvent(organization=organization, kind=kind, occurred_on=occurred_on, source_type=source_type,
                            source_id=str(source_id), summary=summary,
                            recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
        if actor is not None:
            require(actor, "create", event)
            if actor.role == Role.OWNER and kind not in OWNER_KINDS:
                raise AccessDenied(_("使用单位只能记录自己的诚信计量承诺。"))
        event.save()
        audit.record(actor, "credit.event", event, after=_event_snapshot(event), division=organization.division)
        grade = recompute([organization.pk]).get(organization.pk)
        with notifiers.platform_language():
            tell_organization(organization.pk, topic="credit.event", title=_("新增信用记录：%(kind)s") % {
                "kind": event.get_kind_display()}, body=_("%(summary)s。当前信用等级：%(grade)s 类。") % {
                "summary": summary, "grade": grade}, url=reverse("credit:mine"))
        return event


def _events_by_organization(organization_ids: Iterable[int] | None) -> dict[int, list[tuple[str, dt.date]]]:
    rows = CreditEvent.objects.filter(state=EventState.IN_FORCE)
    if organization_ids is not None:
        rows = rows.filter(organization_id__in=list(organization_ids))
    grouped: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for organization_id, kind, occurred_on in rows.values_list("organization_id", "kind", "occurred_on").iterator(
            chunk_size=BATCH):
        grouped[organization_id].append((kind, occurred_on))
    return grouped


def _store(grouped: dict[int, list[tuple[str, dt.date]]], on: dt.date) -> dict[int, str]:
    weight_table, scale = weights.in_force(), weights.scale()
    now = timezone.now()
    rows, grades = [], {}
    for organization_id, events in grouped.items():
        value, grade = scoring.grade_of(events, weight_table, scale, on)
        grades[organization_id] = grade
        rows.append(CreditGrade(organization_id=organization_id, score=value, grade=grade, events=len(events),
                                computed_at=now))
    CreditGrade.objects.bulk_create(rows, batch_size=BATCH, update_conflicts=True, unique_fields=["organization"],
                                    update_fields=["score", "grade", "events", "computed_at"])
    return grades


def recompute(organization_ids: list[int], on: dt.date | None = None) -> dict[int, str]:
    """Recompute the grades of these organizations from their events in force; returns id -> grade.
    An organization left without events in force drops back to the default grade."""
    grouped = _events_by_organization(organization_ids)
    CreditGrade.objects.filter(organization_id__in=organization_ids).exclude(
        organization_id__in=list(grouped)).delete()
    grades = {organization_id: weights.default_grade() for organization_id in organization_ids}
    grades.update(_store(grouped, on or today()))
    return grades


def recompute_all(on: dt.date | None = None) -> int:
    """Recompute every organization's grade (events fade day by day); the nightly job. Returns how
    many organizations have a computed grade."""
    with transaction.atomic():
        grouped = _events_by_organization(None)
        in_force = CreditEvent.objects.filter(organization_id=OuterRef("organization_id"), state=EventState.IN_FORCE)
        dropped, _counts = CreditGrade.objects.filter(~Exists(in_force)).delete()
        _store(grouped, on or today())
        audit.record(None, "credit.recompute", None, object_type=CreditGrade._meta.label, object_id="",
                     object_repr=_("全部使用单位"), after={"graded": len(grouped), "dropped": dropped})
    return len(grouped)


def _objection_snapshot(objection: Objection) -> dict:
    return {"event": objection.event_id, "state": objection.state, "reason": objection.reason,
            "decision": objection.decision}


def raise_objection(user, event: CreditEvent, *, reason: str) -> Objection:
    """An owner contests one of its own events in force; its regulators are told."""
    reason = (reason or "").strip()
    with transaction.atomic():
        event = CreditEvent.objects.select_for_update().select_related("organization__division").get(pk=event.pk)
        objection = Objection(event=event, reason=reason, raised_by=user if user.is_authenticated else None)
        require(user, "create", objection)
        errors = {}
        if not reason:
            errors["reason"] = [_("请填写异议理由。")]
        elif len(reason) > 2000:
            errors["reason"] = [_("异议理由不能超过 2000 个字符。")]
        if errors:
            raise InvalidInput(_("异议有误。"), errors)
        if event.state != EventState.IN_FORCE:
            raise Conflict(_("该信用记录已撤销，无需提出异议。"))
        if Objection.objects.filter(event=event, state=ObjectionState.PENDING).exists():
            raise Conflict(_("该信用记录已有待处理的异议。"))
        objection.save()
        audit.record(user, "credit.objection.raise", objection, after=_objection_snapshot(objection),
                     division=event.organization.division)
        url = reverse("credit:objection", args=[objection.pk])
        with notifiers.platform_language():
            notifiers.deliver([notifiers.Notice(
                recipient=person, topic="credit.objection", title=_("信用异议待处理：%(organization)s") % {
                    "organization": event.organization.name},
                body=_("对“%(kind)s”（%(date)s）的异议：%(reason)s") % {
                    "kind": event.get_kind_display(), "date": event.occurred_on.isoformat(), "reason": reason[:200]},
                url=url) for person in regulators_over(event.organization.division)])
        return objection


def decide_objection(user, objection: Objection, *, accept: bool, decision: str) -> Objection:
    """A regulator accepts an objection (the event is voided and the grade recomputed) or rejects it
    with a reason; the owner is told either way."""
    decision = (decision or "").strip()
    with transaction.atomic():
        objection = Objection.objects.select_for_update().select_related(
            "event__organization__division").get(pk=objection.pk)
        require(user, "decide", objection)
        if not accept and not decision:
            raise InvalidInput(_("驳回异议须说明理由。"), {"decision": [_("请填写驳回理由。")]})
        if len(decision) > 2000:
            raise InvalidInput(_("处理意见过长。"), {"decision": [_("处理意见不能超过 2000 个字符。")]})
        if objection.state != ObjectionState.PENDING:
            raise Conflict(_("该异议已处理。"))
        before = _objection_snapshot(objection)
        objection.state = ObjectionState.ACCEPTED if accept else ObjectionState.REJECTED
        objection.decision, objection.decided_by, objection.decided_at = decision, user, timezone.now()
        objection.save(update_fields=["state", "decision", "decided_by", "decided_at"])
        event = objection.event
        audit.record(user, "credit.objection.decide", objection, before=before, after=_objection_snapshot(objection),
                     division=event.organization.division)
        if accept:
            _void(user, event)
        grade = recompute([event.organization_id])[event.organization_id]
        with notifiers.platform_language():
            verdict = _("已采纳，该记录已撤销") if accept else _("已驳回")
            tell_organization(event.organization_id, topic="credit.objection", title=_("信用异议%(verdict)s") % {
                "verdict": verdict}, body=_("对“%(kind)s”（%(date)s）的异议%(verdict)s。%(decision)s 当前信用等级：%(grade)s 类。") % {
                "kind": event.get_kind_display(), "date": event.occurred_on.isoformat(), "verdict": verdict,
                "decision": decision, "grade": grade}, url=reverse("credit:objection", args=[objection.pk]))
        return objection


def _void(user, event: CreditEvent) -> None:
    require(user, "void", event)
    before = _event_snapshot(event)
    event.state, event.voided_at = EventState.VOIDED, timezone.now()
    event.save(update_fields=["state", "voided_at"])
    audit.record(user, "credit.event.void", event, before=before, after=_event_snapshot(event),
                 division=event.organization.division)


def _number(value, field: str, errors: dict, *, whole: bool = False):
    """A finite number parsed from a form or API value, or None with the field's error noted."""
    if isinstance(value, bool):
        value = None
    try:
        number = float(str(value).strip()) if value is not None else None
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or (whole and not number.is_integer()):
        errors[field] = [_("须为整数。") if whole else _("须为数字。")]
        return None
    return int(number) if whole else number


def set_weight(user, *, kind: str, points, half_life_days, cap=None, note: str = "") -> CreditWeight:
    """The city regulator sets one kind's points, half-life (empty: never fades) and cap (empty: no
    cap); every grade is then recomputed with it by a background task (20-35 s at 100,000
    businesses: too long for a request), queued in the same transaction unless one is already
    waiting (it will read the new weights when it runs)."""
    errors: dict[str, list[str]] = {}
    if kind not in EventKind.values:
        errors["kind"] = [_("未知的信用事项。")]
    value = _number(points, "points", errors)
    if value is not None and abs(value) > MAX_POINTS:
        errors["points"] = [_("分值须在 -100 至 100 之间。")]
    half_life = None
    if half_life_days not in (None, ""):
        half_life = _number(half_life_days, "half_life_days", errors, whole=True)
        if half_life is not None and not 1 <= half_life <= MAX_HALF_LIFE_DAYS:
            errors["half_life_days"] = [_("半衰期须在 1 至 36500 天之间，留空表示不衰减。")]
    limit = None
    if cap not in (None, ""):
        limit = _number(cap, "cap", errors)
        if limit is not None and not 0 < limit <= MAX_POINTS:
            errors["cap"] = [_("累计上限须大于 0、不超过 100，留空表示不设上限。")]
    if len(note or "") > 255:
        errors["note"] = [_("修改说明不能超过 255 个字符。")]
    with transaction.atomic():
        row = CreditWeight.objects.select_for_update().filter(kind=kind).first() or CreditWeight(kind=kind)
        require(user, "change", row)
        if errors:
            raise InvalidInput(_("分值设置有误。"), errors)
        current = weights.in_force()[kind]
        row.points, row.half_life_days, row.cap, row.note, row.updated_by = value, half_life, limit, note or "", user
        row.save()
        audit.record(user, "credit.weight.change", row,
                     before={"points": current.points, "half_life_days": current.half_life_days, "cap": current.cap},
                     after={"points": value, "half_life_days": half_life, "cap": limit, "note": row.note},
                     division=user.division)
        if not selectors.recompute_pending(queued_only=True):
            jobs.start(user, TaskKind.CREDIT_GRADES, _("按新分值重算全部信用等级"), {"kind": kind})
        return row


def run_recompute_task(task, progress) -> jobs.Outcome:
    """The background task a weight change queues (jobs.services.HANDLERS): every grade recomputed."""
    progress("recompute", 0, None)
    return jobs.Outcome({"graded": recompute_all()})
