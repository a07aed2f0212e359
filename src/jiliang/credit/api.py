"""/api/v1/credit: grades (scoped lists by keyset), a business's credit with the explanation of every
point, objections and their decisions, and the weights (read by all, changed by the city regulator)."""

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from jiliang.credit import selectors, services, weights, wording
from jiliang.credit.models import EventKind, EventState, Grade, ObjectionState
from jiliang.pagination import api_page
from jiliang.schemas import Cursor, RecordId

router = Router(tags=["credit"])


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class GradeOut(Schema):
    organization_id: int
    name: str
    uscc: str
    division: str
    grade: Grade
    score: float
    events: int


class GradePage(Schema):
    items: list[GradeOut]
    limit: int
    has_more: bool
    next_cursor: str | None


class GradeFilter(Schema):
    grade: Grade | None = None
    division: str | None = Field(None, max_length=16)
    q: str | None = Field(None, max_length=64)
    cursor: Cursor = None
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=500)


class EventOut(Schema):
    id: int
    kind: EventKind
    kind_label: str
    occurred_on: dt.date
    source_type: str
    source_id: str
    summary: str
    state: EventState
    counted: float | None
    explanation: str


class CreditOut(Schema):
    organization_id: int
    name: str
    grade: Grade
    score: float
    explanation: str
    events: list[EventOut]


class ObjectionIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class DecisionIn(Schema):
    accept: bool
    decision: str = Field("", max_length=2000)


class ObjectionOut(Schema):
    id: int
    event_id: int
    organization_id: int
    state: ObjectionState
    reason: str
    raised_at: dt.datetime
    decided_at: dt.datetime | None
    decision: str


class WeightOut(Schema):
    kind: EventKind
    label: str
    points: float
    half_life_days: int | None
    cap: float | None
    basis: str


class WeightIn(Schema):
    points: float = Field(..., ge=-100, le=100)
    half_life_days: int | None = Field(None, ge=1, le=36500)
    cap: float | None = Field(None, gt=0, le=100)
    note: str = Field("", max_length=255)


def _grade_row(organization) -> dict:
    computed = getattr(organization, "credit_grade", None)
    return {"organization_id": organization.pk, "name": organization.name, "uscc": organization.uscc,
            "division": organization.division.code,
            "grade": computed.grade if computed else weights.default_grade(),
            "score": computed.score if computed else weights.scale().base_score,
            "events": computed.events if computed else 0}


def _weight_row(kind: str, weight) -> dict:
    return {"kind": kind, "label": str(EventKind(kind).label), "points": weight.points,
            "half_life_days": weight.half_life_days, "cap": weight.cap,
            "basis": weights.reference()["kinds"][kind]["basis"]}


def _objection_row(objection) -> dict:
    return {"id": objection.pk, "event_id": objection.event_id, "organization_id": objection.event.organization_id,
            "state": objection.state, "reason": objection.reason, "raised_at": objection.raised_at,
            "decided_at": objection.decided_at, "decision": objection.decision}


@router.get("/credit/grades", response=GradePage, summary="Credit grades of the businesses in my scope")
def list_grades(request, filters: Query[GradeFilter]):
    queryset = selectors.organizations(request.auth, grade=filters.grade, division_code=filters.division,
                                       query=filters.q)
    page = api_page(queryset, "pk", cursor=filters.cursor, offset=filters.offset, limit=filters.limit)
    return {"items": [_grade_row(o) for o in page.items], "limit": page.limit, "has_more": page.has_more,
            "next_cursor": page.next_cursor}


@router.get("/credit/organizations/{organization_id}", response=CreditOut,
            summary="A business's grade, score and the explanation of every point")
def get_credit(request, organization_id: RecordId):
    organization = selectors.organization(request.auth, organization_id)
    if organization is None:
        raise Http404
    score, grade, rows = selectors.explanation(organization)
    return {"organization_id": organization.pk, "name": organization.name, "grade": grade, "score": score,
            "explanation": wording.total(score, grade, [entry for _event, entry in rows]),
            "events": [{"id": event.pk, "kind": event.kind, "kind_label": event.get_kind_display(),
                        "occurred_on": event.occurred_on, "source_type": event.source_type,
                        "source_id": event.source_id, "summary": event.summary, "state": event.state,
                        "counted": entry.counted if entry else None, "explanation": wording.line(entry)}
                       for event, entry in rows]}


@router.post("/credit/events/{event_id}/objections", response={201: ObjectionOut, 403: ErrorOut, 409: ErrorOut,
                                                                 422: ErrorOut},
             summary="Contest one of my organization's credit events")
def raise_objection(request, event_id: RecordId, payload: ObjectionIn):
    event = get_object_or_404(selectors.events(request.auth), pk=event_id)
    return Status(201, _objection_row(services.raise_objection(request.auth, event, reason=payload.reason)))


@router.get("/credit/objections", response=list[ObjectionOut], summary="Objections in my scope, newest first")
def list_objections(request, state: ObjectionState | None = None, offset: int = Query(0, ge=0, le=10_000_000),
                    limit: int = Query(50, ge=1, le=500)):
    queryset = selectors.objections(request.auth, state=state).order_by("-raised_at", "-pk")
    return [_objection_row(o) for o in queryset[offset:offset + limit]]


@router.post("/credit/objections/{objection_id}/decision", response={200: ObjectionOut, 403: ErrorOut,
                                                                      409: ErrorOut, 422: ErrorOut},
             summary="Accept (void the event) or reject an objection")
def decide_objection(request, objection_id: RecordId, payload: DecisionIn):
    objection = get_object_or_404(selectors.objections(request.auth), pk=objection_id)
    decided = services.decide_objection(request.auth, objection, accept=payload.accept, decision=payload.decision)
    return Status(200, _objection_row(decided))


@router.get("/credit/weights", response=list[WeightOut], summary="Each credit event kind's points and half-life")
def list_weights(request):
    in_force = weights.in_force()
    return [_weight_row(kind, in_force[kind]) for kind in EventKind.values]


@router.put("/credit/weights/{kind}", response={200: WeightOut, 403: ErrorOut, 422: ErrorOut},
            summary="Change one kind's points and half-life (city regulator); every grade is recomputed")
def set_weight(request, kind: EventKind, payload: WeightIn):
    row = services.set_weight(request.auth, kind=kind, points=payload.points,
                              half_life_days=payload.half_life_days, cap=payload.cap, note=payload.note)
    return Status(200, _weight_row(row.kind, row))
