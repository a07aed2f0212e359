"""/api/v1/ endpoints for institutions, authorisations, qualifications, standards and their
calibrations, MPE rules, verification requests, records, certificates, the traceability chain and
suspect impact; each scoped to the caller."""

import datetime
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from jiliang import concurrency
from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import Division, User
from jiliang.choices import ChoicePage, ChoiceQuery, choice_page
from jiliang.errors import InvalidInput
from jiliang.pagination import api_page, page_of
from jiliang.registry import selectors as registry_selectors
from jiliang.registry.models import InstrumentType
from jiliang.schemas import Cursor, RecordId
from jiliang.verification import selectors, services
from jiliang.verification.models import (
    AnchorKind,
    CalibrationResult,
    CertificateKind,
    CertificateStatus,
    Conclusion,
    DecisionRule,
    ErrorBasis,
    InstitutionKind,
    MeasurementStandard,
    MpeRule,
    ProposalStatus,
    QualificationKind,
    RequestStatus,
    RuleKind,
    VerificationKind,
)

router = Router(tags=["verification"])

Offset = Query(0, ge=0, le=10_000_000)
Limit = Query(50, ge=1, le=500)
# Values of measurements: six decimal places, below 10^13 in magnitude (the columns' range).
Measured = Field(None, ge=-(10**13) + 1, le=10**13 - 1, max_digits=20, decimal_places=6)


def _pick(queryset, ids, field: str, label: str) -> list:
    """The rows ``ids`` name among ``queryset``, or a 422 on ``field`` naming the missing ones."""
    found = {row.pk: row for row in queryset.filter(pk__in=ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise InvalidInput(_("%(label)s不存在或不在您的权限范围内。") % {"label": label},
                           {field: [_("未找到 %(ids)s") % {"ids": ", ".join(missing)}]})
    return [found[i] for i in ids]


def _types(codes: list[str]) -> list[InstrumentType]:
    types = {t.code: t for t in InstrumentType.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in types]
    if missing:
        raise InvalidInput(_("未知的器具种类。"), {"instrument_types": [", ".join(missing)]})
    return [types[c] for c in codes]


def _divisions(codes: list[str], field: str = "divisions") -> list[Division]:
    divisions = {d.code: d for d in Division.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in divisions]
    if missing:
        raise InvalidInput(_("未知的行政区划代码。"), {field: [", ".join(missing)]})
    return [divisions[c] for c in codes]


# ---------------------------------------------------------------------------------------------
# Institutions, authorisations, qualifications

class InstitutionOut(Schema):
    id: int
    name: str
    kind: InstitutionKind
    uscc: str
    division_code: str | None = Field(None, alias="division.code")
    address: str
    certificate_prefix: str


class InstitutionPage(Schema):
    items: list[InstitutionOut]
    offset: int
    limit: int
    has_more: bool


class InstitutionIn(Schema):
    name: str = Field(..., min_length=1, max_length=128)
    kind: InstitutionKind = InstitutionKind.LEGAL
    uscc: str = Field("", max_length=18)
    division_code: str | None = Field(None, min_length=1, max_length=16)
    address: str = Field("", max_length=255)
    certificate_prefix: str = Field("", max_length=16)


class InstitutionPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    kind: InstitutionKind | None = None
    uscc: str | None = Field(None, max_length=18)
    address: str | None = Field(None, max_length=255)
    certificate_prefix: str | None = Field(None, max_length=16)


@router.get("institutions", response=InstitutionPage, summary="List institutions")
def list_institutions(request, q: str | None = Query(None, min_length=1, max_length=64), offset: int = Offset, limit: int = Limit):
    return page_of(selectors.institutions(request.auth, text=q), offset, limit)


@router.get("institutions/{institution_id}", response=InstitutionOut, summary="One institution")
def get_institution(request, institution_id: RecordId, response: HttpResponse):
    return concurrency.tagged(response, get_object_or_404(selectors.institutions(request.auth), pk=institution_id))


@router.post("institutions", response={201: InstitutionOut}, summary="Register an institution (city regulator)")
def create_institution(request, payload: InstitutionIn):
    data = payload.dict()
    code = data.pop("division_code")
    division = _divisions([code], "division_code")[0] if code else None
    return Status(201, services.create_institution(request.auth, division=division, **data))


@router.patch("institutions/{institution_id}", response=InstitutionOut, summary="Change an institution")
def update_institution(request, institution_id: RecordId, payload: InstitutionPatch, response: HttpResponse):
    institution = get_object_or_404(selectors.institutions(request.auth), pk=institution_id)
    return concurrency.tagged(response, services.update_institution(
        request.auth, institution, version=concurrency.if_match(request),
        **payload.dict(exclude_unset=True, exclude_none=True)))


class ProposalOut(Schema):
    """A trust-anchor change waiting for (or past) a second city regulator's decision."""

    id: int
    kind: AnchorKind
    institution_id: int
    standard_id: int | None
    payload: dict
    status: ProposalStatus
    proposed_by_id: int
    proposed_at: datetime.datetime
    decided_by_id: int | None
    decided_at: datetime.datetime | None
    decision_note: str
    applied_id: int | None


class ProposalPage(Schema):
    items: list[ProposalOut]
    offset: int
    limit: int
    has_more: bool


class RootProposalIn(Schema):
    is_national_root: bool


class DecisionIn(Schema):
    note: str = Field("", max_length=500)


@router.get("trust-anchor-proposals", response=ProposalPage, summary="Trust-anchor changes (city regulator)")
def list_proposals(request, status: ProposalStatus | None = None, offset: int = Offset, limit: int = Limit):
    return page_of(selectors.proposals(request.auth, status=status), offset, limit)


@router.get("trust-anchor-proposals/{proposal_id}", response=ProposalOut, summary="One trust-anchor change")
def get_proposal(request, proposal_id: RecordId):
    return get_object_or_404(selectors.proposals(request.auth), pk=proposal_id)


@router.post("trust-anchor-proposals/{proposal_id}/approve", response=ProposalOut,
             summary="Approve a trust-anchor change (a city regulator other than the proposer)")
def approve_proposal(request, proposal_id: RecordId, payload: DecisionIn):
    proposal = get_object_or_404(selectors.proposals(request.auth), pk=proposal_id)
    return services.approve_proposal(request.auth, proposal, payload.note)


@router.post("trust-anchor-proposals/{proposal_id}/reject", response=ProposalOut,
             summary="Reject a trust-anchor change (a city regulator other than the proposer)")
def reject_proposal(request, proposal_id: RecordId, payload: DecisionIn):
    proposal = get_object_or_404(selectors.proposals(request.auth), pk=proposal_id)
    return services.reject_proposal(request.auth, proposal, payload.note)


class AuthorisationOut(Schema):
    id: int
    institution_id: int
    authorisation_no: str
    issued_by: str
    valid_from: datetime.date
    valid_until: datetime.date
    instrument_types: list[str]
    divisions: list[str]

    @staticmethod
    def resolve_instrument_types(obj) -> list[str]:
        return [t.code for t in obj.instrument_types.all()]

    @staticmethod
    def resolve_divisions(obj) -> list[str]:
        return [d.code for d in obj.divisions.all()]


class AuthorisationIn(Schema):
    authorisation_no: str = Field(..., min_length=1, max_length=64)
    issued_by: str = Field("", max_length=128)
    valid_from: datetime.date
    valid_until: datetime.date
    instrument_types: list[str] = Field(..., min_length=1, max_length=100)
    divisions: list[str] = Field(..., min_length=1, max_length=200)


@router.get("institutions/{institution_id}/authorisations", response=list[AuthorisationOut],
            summary="An institution's authorisations (scope)")
def list_authorisations(request, institution_id: RecordId):
    institution = get_object_or_404(selectors.institutions(request.auth), pk=institution_id)
    return selectors.authorisations(request.auth, institution)


@router.post("institutions/{institution_id}/authorisations", response={202: ProposalOut},
             summary="Propose an authorisation (city regulator; another city regulator approves)")
def propose_authorisation(request, institution_id: RecordId, payload: AuthorisationIn):
    institution = get_object_or_404(selectors.institutions(request.auth), pk=institution_id)
    data = payload.dict()
    proposal = services.propose_authorisation(
        request.auth, institution=institution, instrument_types=_types(data.pop("instrument_types")),
        divisions=_divisions(data.pop("divisions")), **data,
    )
    return Status(202, proposal)


class QualificationOut(Schema):
    id: int
    user_id: int
    user_name: str
    institution_id: int | None = Field(None, alias="user.institution_id")
    type_code: str = Field(alias="instrument_type.code")
    kind: QualificationKind
    certificate_no: str
    valid_from: datetime.date
    valid_until: datetime.date

    @staticmethod
    def resolve_user_name(obj) -> str:
        return str(obj.user)


class QualificationIn(Schema):
    user_id: RecordId
    type_code: str = Field(..., min_length=1, max_length=16)
    kind: QualificationKind
    certificate_no: str = Field("", max_length=64)
    valid_from: datetime.date
    valid_until: datetime.date


@router.get("qualifications", response=list[QualificationOut], summary="Qualifications of verifiers and checkers")
def list_qualifications(request, institution: RecordId | None = None, user: RecordId | None = None):
    return selectors.qualifications(request.auth, institution_id=institution, user_id=user)[:1000]


@router.post("qualifications", response={202: ProposalOut},
             summary="Propose a qualification (city regulator; another city regulator approves)")
def propose_qualification(request, payload: QualificationIn):
    data = payload.dict()
    person = _pick(User.objects.all(), [data.pop("user_id")], "user_id", _("人员"))[0]
    proposal = services.propose_qualification(request.auth, user=person,
                                              instrument_type=_types([data.pop("type_code")])[0], **data)
    return Status(202, proposal)


# ---------------------------------------------------------------------------------------------
# Standards and calibrations

class StandardOut(Schema):
    id: int
    institution_id: int
    institution_name: str = Field(alias="institution.name")
    name: str
    approval_no: str
    approval_valid_until: datetime.date | None
    instrument_types: list[str]
    measuring_range: str
    accuracy: str
    is_public: bool
    is_national_root: bool
    in_service: bool

    @staticmethod
    def resolve_instrument_types(obj) -> list[str]:
        return [t.code for t in obj.instrument_types.all()]


class StandardPage(Schema):
    items: list[StandardOut]
    offset: int
    limit: int
    has_more: bool


class StandardIn(Schema):
    institution_id: RecordId
    name: str = Field(..., min_length=1, max_length=128)
    approval_no: str = Field("", max_length=64)
    approval_valid_until: datetime.date | None = None
    instrument_types: list[str] = Field([], max_length=100)
    measuring_range: str = Field("", max_length=128)
    accuracy: str = Field("", max_length=128)
    is_public: bool = False
    in_service: bool = True

    # A field the schema does not know (``is_national_root``, a trust anchor) is refused, not ignored.
    model_config = ConfigDict(extra="forbid")


class StandardPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    approval_no: str | None = Field(None, max_length=64)
    approval_valid_until: datetime.date | None = None
    instrument_types: list[str] | None = Field(None, max_length=100)
    measuring_range: str | None = Field(None, max_length=128)
    accuracy: str | None = Field(None, max_length=128)
    is_public: bool | None = None
    in_service: bool | None = None

    model_config = ConfigDict(extra="forbid")


class CalibrationOut(Schema):
    id: int
    standard_id: int
    reference_standard_id: int | None
    calibrating_institution_id: int
    calibrating_institution_name: str = Field(alias="calibrating_institution.name")
    certificate_no: str
    calibrated_on: datetime.date
    valid_until: datetime.date
    result: CalibrationResult
    uncertainty: str
    notes: str


class CalibrationIn(Schema):
    calibrating_institution_id: RecordId
    reference_standard_id: RecordId | None = None
    certificate_no: str = Field(..., min_length=1, max_length=64)
    calibrated_on: datetime.date
    valid_until: datetime.date
    result: CalibrationResult
    uncertainty: str = Field("", max_length=128)
    notes: str = Field("", max_length=2000)


@router.get("standards", response=StandardPage, summary="List measurement standards")
def list_standards(request, institution: RecordId | None = None, type: str | None = Query(None, min_length=1, max_length=16),
                   q: str | None = Query(None, min_length=1, max_length=64), offset: int = Offset, limit: int = Limit):
    queryset = selectors.standards(request.auth, institution_id=institution, type_code=type, text=q)
    return page_of(queryset.prefetch_related("instrument_types").order_by("institution_id", "name", "id"),
                   offset, limit)


@router.get("choices/standards", response=ChoicePage, url_name="standard-choices",
            summary="Measurement standards whose name or approval number contains q (autocomplete)")
def standard_choices(request, filters: Query[ChoiceQuery]):
    queryset = selectors.standards(request.auth, text=filters.q.strip() or None).order_by("name", "id")
    return choice_page(queryset, MeasurementStandard.choice_label, filters.limit)


@router.get("standards/{standard_id}", response=StandardOut, summary="One measurement standard")
def get_standard(request, standard_id: RecordId, response: HttpResponse):
    return concurrency.tagged(response, get_object_or_404(selectors.standards(request.auth), pk=standard_id))


@router.post("standards", response={201: StandardOut}, summary="Register a measurement standard")
def create_standard(request, payload: StandardIn):
    data = payload.dict()
    institution = _pick(selectors.institutions(request.auth), [data.pop("institution_id")], "institution_id",
                        _("检定机构"))[0]
    created = services.create_standard(request.auth, institution=institution,
                                       instrument_types=_types(data.pop("instrument_types")), **data)
    return Status(201, created)


@router.patch("standards/{standard_id}", response=StandardOut, summary="Change a measurement standard")
def update_standard(request, standard_id: RecordId, payload: StandardPatch, response: HttpResponse):
    standard = get_object_or_404(selectors.standards(request.auth), pk=standard_id)
    changes = payload.dict(exclude_unset=True)
    types = changes.pop("instrument_types", None)
    changes = {k: v for k, v in changes.items() if v is not None or k == "approval_valid_until"}
    return concurrency.tagged(response, services.update_standard(
        request.auth, standard, instrument_types=_types(types) if types is not None else None,
        version=concurrency.if_match(request), **changes))


@router.post("standards/{standard_id}/national-root-proposals", response={202: ProposalOut},
             summary="Propose to mark or unmark a national root (city regulator; another approves)")
def propose_national_root(request, standard_id: RecordId, payload: RootProposalIn):
    standard = get_object_or_404(selectors.standards(request.auth), pk=standard_id)
    return Status(202, services.propose_national_root(request.auth, standard, payload.is_national_root))


@router.get("standards/{standard_id}/calibrations", response=list[CalibrationOut],
            summary="A standard's calibration certificates, newest first")
def list_calibrations(request, standard_id: RecordId):
    standard = get_object_or_404(selectors.standards(request.auth), pk=standard_id)
    return selectors.calibrations(request.auth, standard)


@router.post("standards/{standard_id}/calibrations", response={201: CalibrationOut},
             summary="Record a calibration of the standard by a higher institution")
def record_calibration(request, standard_id: RecordId, payload: CalibrationIn):
    standard = get_object_or_404(selectors.standards(request.auth), pk=standard_id)
    data = payload.dict()
    calibrating = _pick(selectors.institutions(request.auth), [data.pop("calibrating_institution_id")],
                        "calibrating_institution_id", _("校准机构"))[0]
    reference_id = data.pop("reference_standard_id")
    reference = (_pick(selectors.standards(request.auth), [reference_id], "reference_standard_id", _("上级计量标准"))[0]
                 if reference_id else None)
    created = services.record_standard_calibration(request.auth, standard=standard, calibrating_institution=calibrating,
                                                   reference_standard=reference, **data)
    return Status(201, created)


# ---------------------------------------------------------------------------------------------
# MPE rules

class MpeRuleOut(Schema):
    id: int
    key: str
    instrument_types: list[str]
    regulation: str
    clause: str
    accuracy_class: str
    quantity: str
    condition: str
    error_basis: ErrorBasis
    unit: str
    lower: Decimal | None
    upper: Decimal | None
    applies_to: str
    verification_kind: RuleKind
    source: str
    confidence: str
    notes: str
    active: bool
    retired_at: datetime.datetime | None
    retirement_reason: str

    @staticmethod
    def resolve_instrument_types(obj) -> list[str]:
        return [t.code for t in obj.instrument_types.all()]


Bound = Field(None, ge=-999_999, le=999_999, max_digits=12, decimal_places=6)
TypeCodes = Field(None, min_length=1, max_length=40)


class MpeRuleIn(Schema):
    instrument_types: list[str] = Field(..., min_length=1, max_length=40)
    regulation: str = Field(..., min_length=1, max_length=255)
    clause: str = Field("", max_length=64)
    accuracy_class: str = Field("", max_length=16)
    quantity: str = Field(..., min_length=1, max_length=128)
    condition: str = Field("", max_length=255)
    error_basis: ErrorBasis
    unit: str = Field(..., min_length=1, max_length=16)
    lower: Decimal | None = Bound
    upper: Decimal | None = Bound
    verification_kind: RuleKind = RuleKind.ANY
    source: str = Field("", max_length=4000)
    confidence: str = Field("", max_length=64)
    notes: str = Field("", max_length=4000)
    active: bool = True


class MpeRulePatch(Schema):
    instrument_types: list[str] | None = TypeCodes
    regulation: str | None = Field(None, min_length=1, max_length=255)
    clause: str | None = Field(None, max_length=64)
    accuracy_class: str | None = Field(None, max_length=16)
    quantity: str | None = Field(None, min_length=1, max_length=128)
    condition: str | None = Field(None, max_length=255)
    error_basis: ErrorBasis | None = None
    unit: str | None = Field(None, min_length=1, max_length=16)
    lower: Decimal | None = Bound
    upper: Decimal | None = Bound
    applies_to: str | None = Field(None, max_length=64)
    verification_kind: RuleKind | None = None
    source: str | None = Field(None, max_length=4000)
    confidence: str | None = Field(None, max_length=64)
    notes: str | None = Field(None, max_length=4000)
    active: bool | None = None


class RetireIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


NULLABLE_RULE_FIELDS = {"lower", "upper"}


@router.get("mpe-rules", response=list[MpeRuleOut], summary="The table of maximum permissible errors")
def list_mpe_rules(request, type: str | None = Query(None, min_length=1, max_length=16), active: bool | None = None):
    return selectors.mpe_rules(request.auth, type_code=type, active=active)


@router.post("mpe-rules", response={201: MpeRuleOut}, summary="Add an MPE rule (city regulator)")
def create_mpe_rule(request, payload: MpeRuleIn):
    data = payload.dict()
    return Status(201, services.create_mpe_rule(request.auth, instrument_types=_types(data.pop("instrument_types")),
                                                **data))


@router.get("mpe-rules/{rule_id}", response=MpeRuleOut, summary="One MPE rule")
def get_mpe_rule(request, rule_id: RecordId, response: HttpResponse):
    return concurrency.tagged(response, get_object_or_404(selectors.mpe_rules(request.auth), pk=rule_id))


@router.patch("mpe-rules/{rule_id}", response=MpeRuleOut, summary="Correct an MPE rule (city regulator)")
def update_mpe_rule(request, rule_id: RecordId, payload: MpeRulePatch, response: HttpResponse):
    rule = get_object_or_404(selectors.mpe_rules(request.auth), pk=rule_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k in NULLABLE_RULE_FIELDS}
    if "instrument_types" in changes:
        changes["instrument_types"] = _types(changes["instrument_types"])
    return concurrency.tagged(response, services.update_mpe_rule(request.auth, rule, version=concurrency.if_match(request),
                                                                 **changes))


@router.post("mpe-rules/{rule_id}/retire", response=MpeRuleOut,
             summary="Retire an MPE rule (city regulator): it decides nothing from now on")
def retire_mpe_rule(request, rule_id: RecordId, payload: RetireIn, response: HttpResponse):
    rule = get_object_or_404(selectors.mpe_rules(request.auth), pk=rule_id)
    return concurrency.tagged(response, services.retire_mpe_rule(request.auth, rule, reason=payload.reason,
                                                                 version=concurrency.if_match(request)))


# ---------------------------------------------------------------------------------------------
# Verification requests

class RequestOut(Schema):
    id: int
    owner_id: int
    owner_name: str = Field(alias="owner.name")
    institution_id: int
    institution_name: str = Field(alias="institution.name")
    status: RequestStatus
    instruments: list[str]
    preferred_date: datetime.date | None
    scheduled_for: datetime.date | None
    note: str
    response: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_instruments(obj) -> list[str]:
        return [i.public_code for i in obj.instruments.all()]


class RequestPage(Schema):
    items: list[RequestOut]
    offset: int
    limit: int
    has_more: bool


class RequestIn(Schema):
    institution_id: RecordId
    instrument_ids: list[RecordId] = Field(..., min_length=1, max_length=200)
    preferred_date: datetime.date | None = None
    note: str = Field("", max_length=500)


class AcceptIn(Schema):
    scheduled_for: datetime.date
    response: str = Field("", max_length=500)


class BulkAcceptIn(AcceptIn):
    request_ids: list[RecordId] = Field(..., min_length=1, max_length=200)


class RejectIn(Schema):
    response: str = Field(..., min_length=1, max_length=500)


@router.get("verification-requests", response=RequestPage, summary="List verification requests")
def list_requests(request, status: RequestStatus | None = None, offset: int = Offset, limit: int = Limit):
    queryset = selectors.requests(request.auth, status=status).prefetch_related("instruments")
    return page_of(queryset, offset, limit)


@router.post("verification-requests/bulk-accept", response=list[RequestOut],
             summary="Accept and schedule several requests, all or none (institution)")
def accept_requests(request, payload: BulkAcceptIn):
    """Registered before the routes with an id in the path, which would take the word for an id.
    A refusal names each refused request in ``fields`` as ``requests.<id>`` and accepts none."""
    chosen = _pick(selectors.requests(request.auth), list(dict.fromkeys(payload.request_ids)), "request_ids",
                   _("报检申请"))
    return services.accept_requests(request.auth, chosen, scheduled_for=payload.scheduled_for,
                                    response=payload.response)


@router.get("verification-requests/{request_id}", response=RequestOut, summary="One verification request")
def get_request(request, request_id: RecordId):
    return get_object_or_404(selectors.requests(request.auth), pk=request_id)


@router.post("verification-requests", response={201: RequestOut}, summary="Request verification (owner)")
def submit_request(request, payload: RequestIn):
    user = request.auth
    institution = _pick(selectors.institutions(user), [payload.institution_id], "institution_id", _("检定机构"))[0]
    instruments = _pick(registry_selectors.instruments(user), payload.instrument_ids, "instrument_ids", _("计量器具"))
    if user.organization is None:
        raise AccessDenied(_("只有使用单位人员可以报检。"))
    created = services.submit_request(user, owner=user.organization, institution=institution,
                                      instruments=instruments, preferred_date=payload.preferred_date,
                                      note=payload.note)
    return Status(201, created)


@router.post("verification-requests/{request_id}/accept", response=RequestOut, summary="Accept and schedule")
def accept_request(request, request_id: RecordId, payload: AcceptIn):
    verification_request = get_object_or_404(selectors.requests(request.auth), pk=request_id)
    return services.accept_request(request.auth, verification_request, **payload.dict())


@router.post("verification-requests/{request_id}/reject", response=RequestOut, summary="Refuse a request")
def reject_request(request, request_id: RecordId, payload: RejectIn):
    verification_request = get_object_or_404(selectors.requests(request.auth), pk=request_id)
    return services.reject_request(request.auth, verification_request, response=payload.response)


@router.post("verification-requests/{request_id}/cancel", response=RequestOut, summary="Withdraw a request (owner)")
def cancel_request(request, request_id: RecordId):
    verification_request = get_object_or_404(selectors.requests(request.auth), pk=request_id)
    return services.cancel_request(request.auth, verification_request)


# ---------------------------------------------------------------------------------------------
# Verification records and certificates

class PointIn(Schema):
    mpe_rule_id: RecordId | None = None
    quantity: str = Field("", max_length=128)
    nominal: Decimal | None = Measured
    indicated: Decimal | None = Measured
    error: Decimal | None = Measured
    unit: str = Field("", max_length=16)
    expanded_uncertainty: Decimal = Field(..., ge=0, le=10**13 - 1, max_digits=20, decimal_places=6)
    coverage_factor: Decimal = Field(Decimal("2"), gt=0, le=10, max_digits=4, decimal_places=2)


class VerificationIn(Schema):
    instrument_id: RecordId
    kind: VerificationKind
    performed_on: datetime.date
    issued_on: datetime.date | None = None
    verifier_id: RecordId
    checker_id: RecordId
    standard_ids: list[RecordId] = Field(..., min_length=1, max_length=20)
    points: list[PointIn] = Field(..., min_length=1, max_length=200)
    decision_rule: DecisionRule = DecisionRule.SIMPLE_ACCEPTANCE
    accuracy_class: str = Field("", max_length=16)
    scale_interval: Decimal | None = Field(None, gt=0, le=10**13 - 1, max_digits=20, decimal_places=6)
    k_factor: Decimal | None = Field(None, gt=0, le=10**8 - 1, max_digits=12, decimal_places=4,
                                     description="fuel dispenser: pulse equivalent as verified, pulses/L")
    temperature_c: Decimal | None = Field(None, ge=-100, le=200, max_digits=5, decimal_places=1)
    humidity_pct: Decimal | None = Field(None, ge=0, le=100, max_digits=4, decimal_places=1)
    environment_note: str = Field("", max_length=255)
    remarks: str = Field("", max_length=500)
    request_id: RecordId | None = None


class CorrectionIn(VerificationIn):
    reason: str = Field(..., min_length=1, max_length=500)


class RevokeIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class PointOut(Schema):
    position: int
    quantity: str
    mpe_rule_id: int | None
    nominal: Decimal | None
    indicated: Decimal | None
    unit: str
    error: Decimal
    error_unit: str
    expanded_uncertainty: Decimal
    coverage_factor: Decimal
    mpe_lower: Decimal | None
    mpe_upper: Decimal | None
    mpe_error_basis: str
    mpe_regulation: str
    conforms: bool | None
    near_limit: bool


class CertificateOut(Schema):
    id: int
    number: str
    kind: CertificateKind
    status: CertificateStatus
    institution_id: int
    institution_name: str = Field(alias="institution.name")
    instrument_id: int
    public_code: str = Field(alias="instrument.public_code")
    type_code: str = Field(alias="instrument_type.code")
    serial_no: str = Field(alias="instrument.serial_no")
    owner_id: int
    owner_name: str = Field(alias="owner.name")
    division_code: str = Field(alias="division.code")
    performed_on: datetime.date
    issued_on: datetime.date
    valid_until: datetime.date | None
    supersedes_id: int | None
    correction_reason: str
    revoked_at: datetime.datetime | None
    revocation_reason: str
    verification_id: int


class CertificatePage(Schema):
    items: list[CertificateOut]
    offset: int
    limit: int
    has_more: bool
    next_cursor: str | None = None


class VerificationOut(Schema):
    id: int
    instrument_id: int
    public_code: str = Field(alias="instrument.public_code")
    institution_id: int
    kind: VerificationKind
    performed_on: datetime.date
    verifier_id: int
    checker_id: int
    standard_ids: list[int]
    accuracy_class: str
    scale_interval: Decimal | None
    k_factor: Decimal | None
    temperature_c: Decimal | None
    humidity_pct: Decimal | None
    environment_note: str
    decision_rule: DecisionRule
    conclusion: Conclusion
    near_limit: bool
    remarks: str
    request_id: int | None
    certificate_id: int = Field(alias="certificate.id")
    certificate_number: str = Field(alias="certificate.number")
    points: list[PointOut]

    @staticmethod
    def resolve_standard_ids(obj) -> list[int]:
        return [use.standard_id for use in obj.standard_uses.all()]

    @staticmethod
    def resolve_points(obj):
        return obj.test_points.all()


class VerificationPage(Schema):
    items: list[VerificationOut]
    offset: int
    limit: int
    has_more: bool


def _verification_input(request, payload: VerificationIn) -> tuple:
    """The payload's ids turned into rows the caller may use; the institution is the caller's own."""
    user = request.auth
    institution = user.institution
    if institution is None:
        raise AccessDenied(_("只有检定机构人员可以录入检定记录。"))
    instrument = _pick(registry_selectors.instruments(user), [payload.instrument_id], "instrument_id", _("计量器具"))[0]
    staff = User.objects.filter(institution=institution)
    verifier = _pick(staff, [payload.verifier_id], "verifier_id", _("检定员"))[0]
    checker = _pick(staff, [payload.checker_id], "checker_id", _("核验员"))[0]
    standards = _pick(MeasurementStandard.objects.all(), list(dict.fromkeys(payload.standard_ids)), "standard_ids",
                      _("计量标准"))
    rule_ids = [p.mpe_rule_id for p in payload.points if p.mpe_rule_id]
    rules = {r.pk: r for r in _pick(MpeRule.objects.all(), list(dict.fromkeys(rule_ids)), "points", _("允差规则"))}
    request_row = (_pick(selectors.requests(user), [payload.request_id], "request_id", _("报检申请"))[0]
                   if payload.request_id else None)
    data = services.VerificationInput(
        instrument=instrument, kind=payload.kind, performed_on=payload.performed_on, issued_on=payload.issued_on,
        verifier=verifier, checker=checker, standards=tuple(standards),
        points=tuple(
            services.PointInput(
                expanded_uncertainty=p.expanded_uncertainty, coverage_factor=p.coverage_factor,
                mpe_rule=rules.get(p.mpe_rule_id), nominal=p.nominal, indicated=p.indicated, error=p.error,
                unit=p.unit, quantity=p.quantity,
            )
            for p in payload.points
        ),
        decision_rule=payload.decision_rule, accuracy_class=payload.accuracy_class,
        scale_interval=payload.scale_interval, k_factor=payload.k_factor, temperature_c=payload.temperature_c,
        humidity_pct=payload.humidity_pct, environment_note=payload.environment_note, remarks=payload.remarks,
        request=request_row,
    )
    return institution, data


@router.get("verifications", response=VerificationPage, summary="List verification records")
def list_verifications(request, instrument: RecordId | None = None, conclusion: Conclusion | None = None,
                       offset: int = Offset, limit: int = Limit):
    queryset = selectors.verifications(request.auth, instrument_id=instrument, conclusion=conclusion)
    return page_of(queryset.prefetch_related("standard_uses", "test_points"), offset, limit)


@router.get("verifications/{verification_id}", response=VerificationOut, summary="One verification record")
def get_verification(request, verification_id: RecordId):
    return get_object_or_404(selectors.verifications(request.auth), pk=verification_id)


@router.post("verifications", response={201: CertificateOut},
             summary="Record a verification and issue its certificate (institution staff)")
def record_verification(request, payload: VerificationIn):
    institution, data = _verification_input(request, payload)
    return Status(201, services.record_verification(request.auth, institution, data))


@router.get("certificates", response=CertificatePage, summary="List certificates")
def list_certificates(request, number: str | None = Query(None, min_length=1, max_length=40), instrument: RecordId | None = None,
                      kind: CertificateKind | None = None, status: CertificateStatus | None = None,
                      cursor: Cursor = None, offset: int = Offset, limit: int = Limit):
    queryset = selectors.certificates(request.auth, number=number, instrument_id=instrument, kind=kind, status=status)
    return api_page(queryset, "-performed_on", cursor=cursor, offset=offset, limit=limit)


@router.get("certificates/{certificate_id}", response=CertificateOut, summary="One certificate")
def get_certificate(request, certificate_id: RecordId):
    return get_object_or_404(selectors.certificates(request.auth), pk=certificate_id)


@router.post("certificates/{certificate_id}/supersede", response={201: CertificateOut},
             summary="Correct a certificate: a new one supersedes it, both are kept")
def supersede_certificate(request, certificate_id: RecordId, payload: CorrectionIn):
    certificate = get_object_or_404(selectors.certificates(request.auth), pk=certificate_id)
    _institution, data = _verification_input(request, payload)
    return Status(201, services.supersede(request.auth, certificate, data, payload.reason))


@router.post("certificates/{certificate_id}/revoke", response=CertificateOut,
             summary="Revoke a certificate, keeping it and the reason")
def revoke_certificate(request, certificate_id: RecordId, payload: RevokeIn):
    certificate = get_object_or_404(selectors.certificates(request.auth), pk=certificate_id)
    return services.revoke(request.auth, certificate, payload.reason)


# ---------------------------------------------------------------------------------------------
# Traceability and suspect impact

class LinkOut(Schema):
    level: int
    what: str
    name: str
    institution: str
    document: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    on: datetime.date
    ok: bool
    problems: list[str]
    standard_id: int | None
    is_root: bool


class ChainOut(Schema):
    on: datetime.date
    intact: bool
    certificate_id: int | None = Field(None, alias="certificate.id")
    links: list[LinkOut]


@router.get("instruments/{instrument_id}/traceability", response=ChainOut,
            summary="The traceability chain of an instrument on a date (default today)")
def traceability(request, instrument_id: RecordId, on: datetime.date | None = None):
    instrument = get_object_or_404(registry_selectors.instruments(request.auth), pk=instrument_id)
    return selectors.traceability_chain(request.auth, instrument, on or timezone.localdate())


class SuspectOut(Schema):
    standard_id: int
    calibration_id: int
    since: datetime.date | None
    until: datetime.date
    downstream_calibration_ids: list[int]
    items: list[CertificateOut]
    offset: int
    limit: int
    has_more: bool


# CertificateOut's fields as lookup paths: its aliases with "__" for ".".
SUSPECT_API_COLUMNS = tuple(
    (field.alias or name).replace(".", "__") for name, field in CertificateOut.model_fields.items())


@router.get("standard-calibrations/{calibration_id}/suspect-certificates", response=SuspectOut,
            summary="Certificates issued with a standard since its last good calibration")
def suspect_certificates(request, calibration_id: RecordId, offset: int = Offset, limit: int = Limit):
    calibration = get_object_or_404(selectors.all_calibrations(request.auth), pk=calibration_id)
    if calibration.result != CalibrationResult.OUT_OF_TOLERANCE:
        raise InvalidInput(_("该校准结论为符合要求，没有可疑证书。"), {"calibration_id": [_("未超差")]})
    window = selectors.suspect_window(calibration)
    page = page_of(selectors.suspect_certificates(request.auth, window, SUSPECT_API_COLUMNS), offset, limit)
    # The rows are values() dicts: their lookup paths become CertificateOut's aliases ("owner.name").
    items = [{key.replace("__", "."): value for key, value in row.items()} for row in page.items]
    return {
        "standard_id": calibration.standard_id, "calibration_id": calibration.pk, "since": window.since,
        "until": window.until, "downstream_calibration_ids": [c.pk for c in window.downstream],
        "items": items, "offset": page.offset, "limit": page.limit, "has_more": page.has_more,
    }
