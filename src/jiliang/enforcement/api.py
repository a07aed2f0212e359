"""/api/v1/public/complaints…, /api/v1/public/penalties, /api/v1/enforcement/…: the public complaint
channel (no sign-in, abuse-controlled), complaints and cases for the county officers, publication,
honest metrology. No answer but ``…/identity`` (the handler's) carries the reporter's identity."""

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from jiliang import concurrency
from jiliang.enforcement import abuse, deadlines, legal_basis, reference, selectors, services
from jiliang.enforcement.models import CaseSource, CaseStage, ComplaintKind, ComplaintState, ComplaintSubject
from jiliang.errors import InvalidInput, NotFound
from jiliang.pagination import api_page, page_of
from jiliang.registry.models import Instrument, Organization, Site
from jiliang.accounts.access import scope
from jiliang.accounts.models import Division
from jiliang.schemas import Cursor, ErrorOut, RecordId
from jiliang.verification.public_views import client_of

public_router = Router(tags=["public"], auth=None)
router = Router(tags=["enforcement"])

NOT_FOUND = _("没有与该查询码相符的投诉举报，请核对后重试。")


# ---------------------------------------------------------------- public

class CaptchaOut(Schema):
    question: str
    token: str


class ComplaintIn(Schema):
    kind: ComplaintKind = ComplaintKind.REPORT
    subject: ComplaintSubject
    description: str = Field(max_length=2000)
    occurred_on: dt.date
    site_id: RecordId | None = None
    address: str = Field("", max_length=255)
    division: str = Field("", max_length=12, description="county or township code when an address is typed")
    instrument_code: str = Field("", max_length=16, description="the public code on the instrument's QR card")
    name: str = Field("", max_length=64, description="optional; sealed, seen by the handling officer only")
    phone: str = Field("", max_length=20)
    id_number: str = Field("", max_length=32)
    captcha_token: str = Field("", max_length=200)
    captcha_answer: str = Field("", max_length=8)


class SubmittedOut(Schema):
    tracking_code: str
    state: str
    state_label: str
    acknowledge_due: dt.date
    reply_due: dt.date


class TrackedOut(Schema):
    kind_label: str
    subject_label: str
    state: str
    state_label: str
    received_on: dt.date
    acknowledge_due: dt.date
    reply_due: dt.date
    result: str


def _one(queryset):
    """The row of a lookup by a unique key, or None: ``get`` compiles no ORDER BY, which ``first``
    would (a tenth of the CPU time of a complaint's queries went to ordering clauses)."""
    try:
        return queryset.get()
    except queryset.model.DoesNotExist:
        return None


def submit(client: str, values: dict, photos: list[tuple[str, bytes]]):
    """The public submission shared by the API and the page: abuse control, then the service."""
    try:
        needs_captcha = abuse.admit(client)
    except abuse.Throttled:
        raise HttpError(429, "") from None
    token, answer = values.pop("captcha_token", ""), values.pop("captcha_answer", "")
    if needs_captcha and not abuse.captcha_passes(token, answer):
        raise InvalidInput(_("请正确回答验证问题。"), {"captcha_answer": [_("验证答案不正确或已过期，请重新回答。")]})
    abuse.count_submission(client)  # every attempt past the captcha counts, a refused one too
    site_id, code = values.pop("site_id", None), values.pop("division", "")
    # The county of the place is read from the site's division and its parent: no query more.
    site = _one(Site.objects.filter(pk=site_id).select_related("division__parent")) if site_id else None
    division = _one(Division.objects.filter(code=code).select_related("parent")) if code else None
    errors = {}
    if site_id and site is None:
        errors["site_id"] = [_("没有这个经营场所。")]
    if code and division is None:
        errors["division"] = [_("没有这个区县。")]
    if errors:
        raise InvalidInput(_("请检查标出的内容。"), errors)
    identity_fields = {key: values.pop(key, "") for key in ("name", "phone", "id_number")}
    complaint, tracking_code = services.submit_complaint(
        site=site, division=division, identity_fields=identity_fields,
        photos=[services.PhotoUpload(name, data) for name, data in photos], **values)
    return complaint, tracking_code


@public_router.get("/public/complaints/captcha", response=CaptchaOut, summary="A captcha question (asked after many submissions)")
def captcha(request):
    question, token = abuse.new_captcha()
    return {"question": question, "token": token}


@public_router.post("/public/complaints", response={201: SubmittedOut, 429: ErrorOut}, summary="File a complaint or report (no sign-in)")
def file_complaint(request, payload: Form[ComplaintIn], photos: File[list[UploadedFile]] = None):
    uploaded = [(photo.name or "", photo.read(services.uploads.PHOTO_MAX_BYTES + 1)) for photo in (photos or [])]
    complaint, code = submit(client_of(request), payload.dict(), uploaded)
    return Status(201, {"tracking_code": code, "state": complaint.state, "state_label": complaint.get_state_display(),
                        "acknowledge_due": complaint.acknowledge_due, "reply_due": complaint.reply_due})


def tracked(complaint) -> dict:
    return {"kind_label": complaint.get_kind_display(), "subject_label": complaint.get_subject_display(),
            "state": complaint.state, "state_label": complaint.get_state_display(),
            "received_on": complaint.received_at.date(), "acknowledge_due": complaint.acknowledge_due,
            "reply_due": complaint.reply_due, "result": complaint.public_note}


def track(client: str, code: str):
    """The complaint of a tracking code, or None; a client with many wrong codes is refused (429)."""
    try:
        abuse.refuse_if_tracking_throttled(client)
    except abuse.Throttled:
        raise HttpError(429, "") from None
    complaint = services.find_by_tracking_code(code)
    if complaint is None:
        abuse.count_wrong_tracking(client)
    return complaint


class TrackQuery(Schema):
    code: str = Field(max_length=32, description="the tracking code given when the complaint was filed")


@public_router.get("/public/complaints/track", response={200: TrackedOut, 429: ErrorOut}, summary="A complaint's state by its tracking code")
def track_complaint(request, query: Query[TrackQuery]):
    complaint = track(client_of(request), query.code)
    if complaint is None:
        raise NotFound(NOT_FOUND)
    return tracked(complaint)


class PublicationOut(Schema):
    id: int
    case_number: str
    party: str
    uscc: str
    facts: str
    basis: str
    penalty: str
    authority: str
    decided_on: dt.date
    published_on: dt.date


class PublicationPage(Schema):
    items: list[PublicationOut]
    offset: int
    limit: int
    has_more: bool


class PageQuery(Schema):
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=500)


def _page(queryset, query) -> dict:
    page = page_of(queryset, query.offset, query.limit)
    return {"items": page.items, "offset": page.offset, "limit": page.limit, "has_more": page.has_more}


@public_router.get("/public/penalties", response=PublicationPage, summary="行政处罚信息公示 (personal data masked)")
def list_publications(request, query: Query[PageQuery]):
    return _page(selectors.publications().order_by("-published_on", "-pk"), query)


class ModelUnitOut(Schema):
    id: int
    organization: str
    year: int
    reason: str
    state: str
    published_on: dt.date | None

    @staticmethod
    def resolve_organization(unit) -> str:
        return unit.organization.name


class ModelUnitPage(Schema):
    items: list[ModelUnitOut]
    offset: int
    limit: int
    has_more: bool


@public_router.get("/public/model-units", response=ModelUnitPage, summary="Published model units of honest metrology")
def list_public_model_units(request, query: Query[PageQuery]):
    return _page(selectors.public_model_units().order_by("-year", "-pk"), query)


# ---------------------------------------------------------------- complaints (officers)

class ComplaintOut(Schema):
    id: int
    kind: str
    subject: str
    description: str
    state: str
    division: str
    site_id: int | None
    address: str
    instrument_code: str
    occurred_on: dt.date
    received_at: dt.datetime
    acknowledge_due: dt.date
    handling_due: dt.date
    reply_due: dt.date
    handler_id: int | None
    duplicate_of_id: int | None
    has_identity: bool
    photos: int
    public_note: str

    @staticmethod
    def resolve_division(complaint) -> str:
        return complaint.division.code

    @staticmethod
    def resolve_photos(complaint) -> int:
        return complaint.photos.count()


class ComplaintPage(Schema):
    items: list[ComplaintOut]
    offset: int
    limit: int
    has_more: bool


class ComplaintFilter(PageQuery):
    state: ComplaintState | None = None


class ComplaintTransitionIn(Schema):
    state: ComplaintState
    note: str = Field("", max_length=1000)


class IdentityOut(Schema):
    name: str = ""
    phone: str = ""
    id_number: str = ""


class RewardIn(Schema):
    amount: Decimal = Field(max_digits=10, decimal_places=2, gt=0)
    note: str = Field("", max_length=255)


class RewardOut(Schema):
    id: int
    complaint_id: int
    case_id: int
    amount: Decimal
    note: str


@router.get("/enforcement/complaints", response=ComplaintPage)
def list_complaints(request, filters: Query[ComplaintFilter]):
    return _page(selectors.complaints(request.user, state=filters.state).order_by("-received_at", "-pk"), filters)


@router.get("/enforcement/complaints/{complaint_id}", response=ComplaintOut)
def get_complaint(request, complaint_id: RecordId):
    return get_object_or_404(selectors.complaints(request.user), pk=complaint_id)


@router.post("/enforcement/complaints/{complaint_id}/transition", response=ComplaintOut)
def transition_complaint(request, complaint_id: RecordId, payload: ComplaintTransitionIn):
    complaint = get_object_or_404(selectors.complaints(request.user), pk=complaint_id)
    return services.transition_complaint(request.user, complaint, payload.state, note=payload.note)


@router.get("/enforcement/complaints/{complaint_id}/identity", response=IdentityOut,
            summary="The reporter's identity: the handling officer only, each reading audited")
def complaint_identity(request, complaint_id: RecordId):
    complaint = get_object_or_404(selectors.complaints(request.user), pk=complaint_id)
    return services.reporter_identity(request.user, complaint)


@router.post("/enforcement/complaints/{complaint_id}/reward", response={201: RewardOut})
def reward_complaint(request, complaint_id: RecordId, payload: RewardIn):
    complaint = get_object_or_404(selectors.complaints(request.user), pk=complaint_id)
    return Status(201, services.decide_reward(request.user, complaint, amount=payload.amount, note=payload.note))


# ---------------------------------------------------------------- cases

class CaseOut(Schema):
    id: int
    number: str
    title: str
    organization_id: int
    organization: str
    division: str
    site_id: int | None
    instrument_id: int | None
    source_type: str
    source_id: str
    stage: str
    stage_since: dt.date
    discovered_on: dt.date
    filed_on: dt.date
    hearing_requested: bool
    decision_due: dt.date | None
    basis: str
    facts: str
    warning: bool
    confiscation: bool
    fine_amount: Decimal | None
    decided_on: dt.date | None
    published: bool

    @staticmethod
    def resolve_organization(case) -> str:
        return case.organization.name

    @staticmethod
    def resolve_division(case) -> str:
        return case.division.code

    @staticmethod
    def resolve_decision_due(case, context):
        # The rules in force are read once per request, not once per case of a page.
        request = context["request"]
        if not hasattr(request, "deadline_rules"):
            request.deadline_rules = reference.deadline_rules()
        return services.stage_due(case, CaseStage.DECIDED, request.deadline_rules)

    @staticmethod
    def resolve_published(case) -> bool:
        return hasattr(case, "publication")


class CasePage(Schema):
    items: list[CaseOut]
    offset: int
    limit: int
    has_more: bool
    next_cursor: str | None


class CaseFilter(PageQuery):
    stage: CaseStage | None = None
    cursor: Cursor = None


class CaseIn(Schema):
    source_type: CaseSource = CaseSource.MANUAL
    source_id: str = Field("", max_length=32)
    organization_id: RecordId
    site_id: RecordId | None = None
    instrument_id: RecordId | None = None
    title: str = Field(max_length=200)
    discovered_on: dt.date
    late_reason: str = Field("", max_length=255)


class AdvanceIn(Schema):
    stage: CaseStage
    on: dt.date | None = None
    late_reason: str = Field("", max_length=255)
    note: str = Field("", max_length=255)
    hearing_requested: bool | None = None
    extension_days: int | None = Field(None, ge=0, le=365)


class DecisionIn(Schema):
    basis: str = Field(max_length=32)
    facts: str = Field(max_length=4000)
    warning: bool = False
    confiscation: bool = False
    fine_amount: Decimal | None = Field(None, max_digits=12, decimal_places=2, ge=0)
    seal_broken: bool = False
    late_reason: str = Field("", max_length=255)


class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    added_at: dt.datetime


class BasisOut(Schema):
    key: str
    title: str
    law_article: str
    rules_article: str
    warning: bool
    confiscation: bool
    fine_min: Decimal
    fine_max: Decimal
    fine_note: str
    source: str
    confidence: str


def _visible(model, user, pk):
    return scope(model.objects.all(), user).filter(pk=pk).first() if pk else None


class BasisIn(Schema):
    title: str = Field(..., max_length=255)
    law_article: str = Field(..., max_length=128)
    rules_article: str = Field("", max_length=128)
    warning: bool
    confiscation: bool
    fine_min: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    fine_max: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    fine_note: str = Field("", max_length=255)
    note: str = Field("", max_length=255)


class DeadlineOut(Schema):
    group: str
    name: str
    n: int
    unit: str
    anchor: str
    extension: int
    citation: str
    confidence: str


class DeadlineIn(Schema):
    n: int
    extension: int | None = None
    note: str = Field("", max_length=255)


@router.get("/enforcement/legal-bases", response=list[BasisOut], summary="The legal bases a decision may cite")
def list_bases(request):
    return list(reference.bases().values())


@router.get("/enforcement/legal-bases/{key}", response={200: BasisOut, 404: ErrorOut},
            summary="One legal basis in force, its version as the ETag (send it back as If-Match)")
def get_basis(request, key: str, response: HttpResponse):
    if key not in legal_basis.defaults():
        raise NotFound(_("没有这个处罚依据。"))
    concurrency.tagged(response, reference.basis_in_force(key))
    return reference.bases()[key]


@router.put("/enforcement/legal-bases/{key}", response={200: BasisOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
            summary="Correct one legal basis (city regulator); later decisions are checked against it. "
                    "With If-Match, refused (409) when someone changed it since")
def set_basis(request, key: str, payload: BasisIn, response: HttpResponse):
    services.set_legal_basis(request.user, key=key, **payload.dict(), version=concurrency.if_match(request))
    concurrency.tagged(response, reference.basis_in_force(key))
    return Status(200, reference.bases()[key])


def _deadline_row(group: str, name: str, rule) -> dict:
    return {"group": group, "name": name, "n": rule.n, "unit": rule.unit, "anchor": rule.anchor,
            "extension": rule.extension, "citation": rule.citation, "confidence": rule.confidence}


@router.get("/enforcement/deadlines", response=list[DeadlineOut], summary="The statutory deadlines in force")
def list_deadlines(request):
    return [_deadline_row(group, name, rule) for group, rules in reference.deadline_rules().items()
            for name, rule in rules.items()]


@router.get("/enforcement/deadlines/{group}/{name}", response={200: DeadlineOut, 404: ErrorOut},
            summary="One statutory deadline in force, its version as the ETag (send it back as If-Match)")
def get_deadline(request, group: str, name: str, response: HttpResponse):
    if name not in deadlines.defaults().get(group, {}):
        raise NotFound(_("没有这个法定期限。"))
    concurrency.tagged(response, reference.deadline_in_force(group, name))
    return _deadline_row(group, name, reference.deadline_rules()[group][name])


@router.put("/enforcement/deadlines/{group}/{name}",
            response={200: DeadlineOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
            summary="Change one statutory deadline's days (city regulator); later deadlines use it. "
                    "With If-Match, refused (409) when someone changed it since")
def set_deadline(request, group: str, name: str, payload: DeadlineIn, response: HttpResponse):
    services.set_deadline(request.user, group=group, name=name, **payload.dict(), version=concurrency.if_match(request))
    concurrency.tagged(response, reference.deadline_in_force(group, name))
    return Status(200, _deadline_row(group, name, reference.deadline_rules()[group][name]))


@router.get("/enforcement/cases", response=CasePage)
def list_cases(request, filters: Query[CaseFilter]):
    queryset = selectors.cases(request.user, stage=filters.stage).select_related("publication")
    page = api_page(queryset, "-filed_on", cursor=filters.cursor, offset=filters.offset, limit=filters.limit)
    return {"items": page.items, "offset": page.offset, "limit": page.limit, "has_more": page.has_more,
            "next_cursor": page.next_cursor}


@router.post("/enforcement/cases", response={201: CaseOut})
def create_case(request, payload: CaseIn):
    organization = _visible(Organization, request.user, payload.organization_id)
    site, instrument = _visible(Site, request.user, payload.site_id), _visible(Instrument, request.user,
                                                                             payload.instrument_id)
    errors = {name: [_("不存在或不在您的管辖范围内。")] for name, wanted, found in (
        ("organization_id", payload.organization_id, organization), ("site_id", payload.site_id, site),
        ("instrument_id", payload.instrument_id, instrument)) if wanted and found is None}
    if errors:
        raise InvalidInput(_("请检查标出的内容。"), errors)
    case = services.open_case(request.user, source_type=payload.source_type, source_id=payload.source_id,
                              organization=organization, site=site, instrument=instrument, title=payload.title,
                              discovered_on=payload.discovered_on, late_reason=payload.late_reason)
    return Status(201, case)


@router.get("/enforcement/cases/{case_id}", response=CaseOut)
def get_case(request, case_id: RecordId):
    return get_object_or_404(selectors.cases(request.user), pk=case_id)


@router.post("/enforcement/cases/{case_id}/advance", response=CaseOut)
def advance_case(request, case_id: RecordId, payload: AdvanceIn):
    case = get_object_or_404(selectors.cases(request.user), pk=case_id)
    return services.advance_case(request.user, case, payload.stage, on=payload.on, late_reason=payload.late_reason,
                                 note=payload.note, hearing_requested=payload.hearing_requested,
                                 extension_days=payload.extension_days)


@router.post("/enforcement/cases/{case_id}/decision", response=CaseOut)
def decide_case(request, case_id: RecordId, payload: DecisionIn):
    case = get_object_or_404(selectors.cases(request.user), pk=case_id)
    return services.decide(request.user, case, **payload.dict())


@router.post("/enforcement/cases/{case_id}/evidence", response={201: EvidenceOut})
def add_evidence(request, case_id: RecordId, name: Form[str], file: File[UploadedFile]):
    case = get_object_or_404(selectors.cases(request.user), pk=case_id)
    data = file.read(services.uploads.EVIDENCE_MAX_BYTES + 1)
    return Status(201, services.add_evidence(request.user, case, name=name, data=data))


@router.post("/enforcement/cases/{case_id}/publish", response={201: PublicationOut})
def publish_case(request, case_id: RecordId):
    case = get_object_or_404(selectors.cases(request.user), pk=case_id)
    return Status(201, services.publish(request.user, case))


# ---------------------------------------------------------------- honest metrology

class CommitmentIn(Schema):
    signer_name: str = Field(max_length=64)


class CommitmentOut(Schema):
    id: int
    organization_id: int
    text_version: str
    signer_name: str
    signed_on: dt.date


class NominationIn(Schema):
    organization_id: RecordId
    year: int = Field(ge=2000, le=2999)
    reason: str = Field(max_length=255)


@router.post("/enforcement/commitments", response={201: CommitmentOut}, summary="Sign this year's self-commitment")
def sign_commitment(request, payload: CommitmentIn):
    return Status(201, services.sign_commitment(request.user, signer_name=payload.signer_name))


@router.get("/enforcement/commitments", response=list[CommitmentOut])
def list_commitments(request, query: Query[PageQuery]):
    return page_of(selectors.commitments(request.user).order_by("-signed_on", "-pk"), query.offset, query.limit).items


@router.post("/enforcement/model-units", response={201: ModelUnitOut}, summary="Nominate a model unit")
def nominate(request, payload: NominationIn):
    organization = _visible(Organization, request.user, payload.organization_id)
    if organization is None:
        raise InvalidInput(_("请检查标出的内容。"), {"organization_id": [_("不存在或不在您的管辖范围内。")]})
    return Status(201, services.nominate_model_unit(request.user, organization=organization, year=payload.year,
                                                    reason=payload.reason))


@router.post("/enforcement/model-units/{unit_id}/publish", response=ModelUnitOut)
def publish_model_unit(request, unit_id: RecordId):
    unit = get_object_or_404(selectors.model_units(request.user), pk=unit_id)
    return services.publish_model_unit(request.user, unit)
