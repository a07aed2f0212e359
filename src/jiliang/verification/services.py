"""Use cases that write verification data; each in one transaction, each with ``require`` and an audit
row. Issuing, superseding and revoking a certificate also append to the transparency log in the same
transaction, so a certificate exists exactly when its log entry does."""

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang import concurrency
from jiliang.accounts import audit
from jiliang.accounts.access import AccessDenied, may, require
from jiliang.accounts.models import REGULATOR_ROLES, Division, Role, User
from jiliang.errors import Conflict, DomainError, InvalidInput
from jiliang.ledger import services as ledger
from jiliang.registry.models import Instrument, InstrumentStatus, InstrumentType, Organization, VerificationMode
from jiliang.verification import checks, conformity, notices, point_units
from jiliang.verification.models import (
    CERTIFICATE_LETTERS,
    OPEN_REQUEST_STATUSES,
    VERIFICATION_KINDS,
    AnchorKind,
    AuthorisationScope,
    CalibrationResult,
    Certificate,
    CertificateCounter,
    CertificateKind,
    CertificateStatus,
    Conclusion,
    DecisionRule,
    ErrorBasis,
    Institution,
    InstitutionKind,
    MeasurementStandard,
    MpeRule,
    ProposalStatus,
    Qualification,
    QualificationKind,
    RequestStatus,
    RuleKind,
    StandardCalibration,
    StandardUse,
    TestPoint,
    TrustAnchorProposal,
    Verification,
    VerificationKind,
    VerificationRequest,
    VerificationState,
)

LEDGER_KIND = "verification.certificate"


def _today() -> datetime.date:
    return timezone.localdate()


def _check_period(valid_from, valid_until, errors: dict, field: str = "valid_until") -> None:
    if valid_from and valid_until and valid_until < valid_from:
        errors[field] = [_("有效期至不能早于有效期自。")]


# ---------------------------------------------------------------------------------------------
# Institutions and their authorisations (the city regulator's)

INSTITUTION_FIELDS = ("name", "kind", "uscc", "division", "address", "certificate_prefix")


def _validate_institution(institution: Institution) -> dict[str, list[str]]:
    errors = {}
    institution.name = (institution.name or "").strip()
    if not institution.name:
        errors["name"] = [_("机构名称不能为空。")]
    elif Institution.objects.filter(name=institution.name).exclude(pk=institution.pk).exists():
        errors["name"] = [_("已有同名检定机构。")]
    return errors


@transaction.atomic
def create_institution(actor, **fields) -> Institution:
    institution = Institution(**fields)
    require(actor, "create", institution)
    errors = _validate_institution(institution)
    if errors:
        raise InvalidInput(_("检定机构信息有误。"), errors)
    institution.save()
    audit.record(actor, "institution.create", institution, after=audit.snapshot(institution),
                 division=institution.division)
    return institution


@transaction.atomic
def update_institution(actor, institution: Institution, *, version: str | None = None, **changes) -> Institution:
    require(actor, "change", institution)
    institution = concurrency.lock_current(institution, version)
    before = audit.snapshot(institution)
    for name, value in changes.items():
        setattr(institution, name, value)
    errors = _validate_institution(institution)
    if errors:
        raise InvalidInput(_("检定机构信息有误。"), errors)
    institution.save()
    audit.record(actor, "institution.update", institution, before=before, after=audit.snapshot(institution),
                 division=institution.division)
    return institution


# ---------------------------------------------------------------------------------------------
# Trust anchors: national roots, authorisations, qualifications. A certificate is only as good as
# these, so they change by the two-person rule: one city regulator proposes, another approves, and
# each step is audited and appended to the transparency log.

ANCHOR_LEDGER_KIND = "verification.trust_anchor"


def _authorisation_problems(authorisation_no: str, valid_from, valid_until, instrument_types, divisions) -> dict:
    errors: dict[str, list[str]] = {}
    if not authorisation_no:
        errors["authorisation_no"] = [_("授权证书编号不能为空。")]
    if not instrument_types:
        errors["instrument_types"] = [_("请至少选择一种器具。")]
    if not divisions:
        errors["divisions"] = [_("请至少选择一个区域。")]
    _check_period(valid_from, valid_until, errors)
    return errors


def _qualification_problems(user, kind: str, valid_from, valid_until) -> dict:
    errors: dict[str, list[str]] = {}
    if user.role != Role.INSTITUTION_STAFF or user.institution_id is None:
        errors["user"] = [_("只有检定机构人员可以取得检定或核验资格。")]
    if kind not in QualificationKind.values:
        errors["kind"] = [_("未知资格类别。")]
    _check_period(valid_from, valid_until, errors)
    return errors


def _record_proposal(actor, proposal: TrustAnchorProposal, action: str, before: dict | None = None) -> None:
    after = audit.snapshot(proposal)
    audit.record(actor, f"trust_anchor.{action}", proposal, before=before, after=after,
                 division=proposal.institution.division)
    ledger.append(ANCHOR_LEDGER_KIND, after | {"event": action})


def _propose(actor, kind: str, institution: Institution, payload: dict, standard=None) -> TrustAnchorProposal:
    proposal = TrustAnchorProposal(kind=kind, institution=institution, standard=standard, payload=payload,
                                   proposed_by=actor)
    require(actor, "propose", proposal)
    proposal.save()
    _record_proposal(actor, proposal, "propose")
    return proposal


@transaction.atomic
def propose_national_root(actor, standard: MeasurementStandard, is_national_root: bool) -> TrustAnchorProposal:
    """Propose to mark a standard as a national root (a chain ends there, uncalibrated) or to unmark it."""
    if standard.is_national_root == is_national_root:
        raise InvalidInput(_("该计量标准已是所提议的状态。"), {"is_national_root": [_("未改变")]})
    if is_national_root and standard.institution.kind != InstitutionKind.NATIONAL:
        raise InvalidInput(_("只有国家计量院的计量标准可以设为国家计量基准。"),
                           {"is_national_root": [_("所属机构不是国家计量院")]})
    return _propose(actor, AnchorKind.NATIONAL_ROOT, standard.institution,
                    {"is_national_root": is_national_root}, standard=standard)


@transaction.atomic
def propose_authorisation(actor, *, institution: Institution, authorisation_no: str, valid_from: datetime.date,
                          valid_until: datetime.date, instrument_types, divisions, issued_by: str = "",
                          ) -> TrustAnchorProposal:
    authorisation_no = authorisation_no.strip()
    errors = _authorisation_problems(authorisation_no, valid_from, valid_until, instrument_types, divisions)
    if errors:
        raise InvalidInput(_("计量授权信息有误。"), errors)
    payload = {"authorisation_no": authorisation_no, "issued_by": issued_by, "valid_from": valid_from.isoformat(),
               "valid_until": valid_until.isoformat(), "instrument_types": sorted(t.code for t in instrument_types),
               "divisions": sorted(d.code for d in divisions)}
    return _propose(actor, AnchorKind.AUTHORISATION, institution, payload)


@transaction.atomic
def propose_qualification(actor, *, user, instrument_type, kind: str, valid_from: datetime.date,
                          valid_until: datetime.date, certificate_no: str = "") -> TrustAnchorProposal:
    errors = _qualification_problems(user, kind, valid_from, valid_until)
    if errors:
        raise InvalidInput(_("人员资格信息有误。"), errors)
    payload = {"user_id": user.pk, "instrument_type": instrument_type.code, "kind": kind,
               "certificate_no": certificate_no, "valid_from": valid_from.isoformat(),
               "valid_until": valid_until.isoformat()}
    return _propose(actor, AnchorKind.QUALIFICATION, user.institution, payload)


def _apply_national_root(actor, proposal: TrustAnchorProposal) -> MeasurementStandard:
    standard = MeasurementStandard.objects.select_for_update().get(pk=proposal.standard_id)
    before = _standard_snapshot(standard)
    standard.is_national_root = proposal.payload["is_national_root"]
    standard.save(update_fields=["is_national_root"])
    audit.record(actor, "standard.national_root", standard, before=before, after=_standard_snapshot(standard),
                 division=standard.institution.division)
    return standard


def _apply_authorisation(actor, proposal: TrustAnchorProposal) -> AuthorisationScope:
    data = proposal.payload
    types = list(InstrumentType.objects.filter(code__in=data["instrument_types"]))
    divisions = list(Division.objects.filter(code__in=data["divisions"]))
    valid_from, valid_until = (datetime.date.fromisoformat(data[k]) for k in ("valid_from", "valid_until"))
    scope = AuthorisationScope(institution=proposal.institution, authorisation_no=data["authorisation_no"],
                               issued_by=data["issued_by"], valid_from=valid_from, valid_until=valid_until)
    require(actor, "create", scope)
    errors = _authorisation_problems(scope.authorisation_no, valid_from, valid_until, types, divisions)
    if errors:
        raise InvalidInput(_("计量授权信息有误。"), errors)
    scope.save()
    scope.instrument_types.set(types)
    scope.divisions.set(divisions)
    after = audit.snapshot(scope) | {"instrument_types": sorted(t.code for t in types),
                                     "divisions": sorted(d.code for d in divisions)}
    audit.record(actor, "authorisation.create", scope, after=after, division=proposal.institution.division)
    return scope


def _apply_qualification(actor, proposal: TrustAnchorProposal) -> Qualification:
    data = proposal.payload
    user = User.objects.select_related("institution").get(pk=data["user_id"])
    valid_from, valid_until = (datetime.date.fromisoformat(data[k]) for k in ("valid_from", "valid_until"))
    qualification = Qualification(user=user, instrument_type=InstrumentType.objects.get(code=data["instrument_type"]),
                                  kind=data["kind"], valid_from=valid_from, valid_until=valid_until,
                                  certificate_no=data["certificate_no"])
    require(actor, "create", qualification)
    errors = _qualification_problems(user, data["kind"], valid_from, valid_until)
    if errors:
        raise InvalidInput(_("人员资格信息有误。"), errors)
    qualification.save()
    audit.record(actor, "qualification.grant", qualification, after=audit.snapshot(qualification),
                 division=user.institution.division)
    return qualification


ANCHOR_APPLIERS = {AnchorKind.NATIONAL_ROOT: _apply_national_root, AnchorKind.AUTHORISATION: _apply_authorisation,
                   AnchorKind.QUALIFICATION: _apply_qualification}


def _decidable(actor, proposal: TrustAnchorProposal, action: str) -> TrustAnchorProposal:
    """The proposal, locked, once ``actor`` may decide it: another city regulator, still open."""
    require(actor, action, proposal)
    proposal = TrustAnchorProposal.objects.select_for_update().select_related("institution").get(pk=proposal.pk)
    if proposal.proposed_by_id == actor.pk:
        raise AccessDenied(_("提议人不能复核自己的提议，须由另一名市局监管人员复核。"))
    if proposal.status != ProposalStatus.PROPOSED:
        raise Conflict(_("该提议已%(status)s，不能再次复核。") % {"status": proposal.get_status_display()},
                       {"status": [proposal.status]})
    return proposal


@transaction.atomic
def approve_proposal(actor, proposal: TrustAnchorProposal, note: str = "") -> TrustAnchorProposal:
    """The second city regulator's approval: the anchor changes now, in this transaction."""
    proposal = _decidable(actor, proposal, "approve")
    before = audit.snapshot(proposal)
    applied = ANCHOR_APPLIERS[proposal.kind](actor, proposal)
    proposal.status, proposal.decided_by, proposal.decided_at = ProposalStatus.APPROVED, actor, timezone.now()
    proposal.decision_note, proposal.applied_id = note.strip(), applied.pk
    proposal.save()
    _record_proposal(actor, proposal, "approve", before)
    return proposal


@transaction.atomic
def reject_proposal(actor, proposal: TrustAnchorProposal, note: str) -> TrustAnchorProposal:
    if not note.strip():
        raise InvalidInput(_("请说明驳回的理由。"), {"note": [_("不能为空")]})
    proposal = _decidable(actor, proposal, "reject")
    before = audit.snapshot(proposal)
    proposal.status, proposal.decided_by, proposal.decided_at = ProposalStatus.REJECTED, actor, timezone.now()
    proposal.decision_note = note.strip()
    proposal.save()
    _record_proposal(actor, proposal, "reject", before)
    return proposal


# ---------------------------------------------------------------------------------------------
# Measurement standards and their calibrations (the owning institution's, or the city regulator's)

# Not ``is_national_root``: a trust anchor, changed only by an approved proposal (propose_national_root).
STANDARD_FIELDS = ("name", "approval_no", "approval_valid_until", "measuring_range", "accuracy", "is_public",
                   "in_service")


def may_for_institution(actor, institution: Institution) -> bool:
    """Institution staff write only their own institution's standards and calibrations."""
    return actor.role != Role.INSTITUTION_STAFF or actor.institution_id == institution.pk


def require_for_institution(actor, action: str, obj, institution: Institution) -> None:
    """``require`` plus ``may_for_institution``: standards are readable by all, writable by their own."""
    require(actor, action, obj)
    if not may_for_institution(actor, institution):
        raise AccessDenied(_("只能维护本机构的计量标准及其校准记录。"))


def _refuse_other_fields(fields: dict, allowed: tuple) -> None:
    refused = sorted(set(fields) - set(allowed))
    if refused:
        raise InvalidInput(_("无权修改这些字段。"), {name: [_("无权修改")] for name in refused})


def _validate_standard(standard: MeasurementStandard) -> dict[str, list[str]]:
    standard.name = (standard.name or "").strip()
    return {} if standard.name else {"name": [_("标准名称不能为空。")]}


def _standard_snapshot(standard: MeasurementStandard) -> dict:
    return audit.snapshot(standard) | {"instrument_types": sorted(standard.instrument_types.values_list("code", flat=True))}


@transaction.atomic
def create_standard(actor, *, institution: Institution, instrument_types=(), **fields) -> MeasurementStandard:
    _refuse_other_fields(fields, STANDARD_FIELDS)
    standard = MeasurementStandard(institution=institution, **fields)
    require_for_institution(actor, "create", standard, institution)
    errors = _validate_standard(standard)
    if errors:
        raise InvalidInput(_("计量标准信息有误。"), errors)
    standard.save()
    standard.instrument_types.set(instrument_types)
    audit.record(actor, "standard.create", standard, after=_standard_snapshot(standard),
                 division=institution.division)
    return standard


@transaction.atomic
def update_standard(actor, standard: MeasurementStandard, *, instrument_types=None, version: str | None = None,
                    **changes) -> MeasurementStandard:
    require_for_institution(actor, "change", standard, standard.institution)
    standard = concurrency.lock_current(standard, version)
    _refuse_other_fields(changes, STANDARD_FIELDS)
    before = _standard_snapshot(standard)
    for name, value in changes.items():
        setattr(standard, name, value)
    errors = _validate_standard(standard)
    if errors:
        raise InvalidInput(_("计量标准信息有误。"), errors)
    standard.save()
    if instrument_types is not None:
        standard.instrument_types.set(instrument_types)
    audit.record(actor, "standard.update", standard, before=before, after=_standard_snapshot(standard),
                 division=standard.institution.division)
    return standard


@transaction.atomic
def record_standard_calibration(actor, *, standard: MeasurementStandard, calibrating_institution: Institution,
                                certificate_no: str, calibrated_on: datetime.date, valid_until: datetime.date,
                                result: str, reference_standard: MeasurementStandard | None = None,
                                uncertainty: str = "", notes: str = "", results: list | None = None) -> StandardCalibration:
    """Record a standard's calibration certificate from a higher institution (one link of the chain).
    An out-of-tolerance result makes every certificate issued with the standard since its last good
    calibration suspect (selectors.suspect_impact)."""
    calibration = StandardCalibration(
        standard=standard, calibrating_institution=calibrating_institution, certificate_no=certificate_no.strip(),
        calibrated_on=calibrated_on, valid_until=valid_until, result=result, reference_standard=reference_standard,
        uncertainty=uncertainty, notes=notes, results=results or [],
    )
    require_for_institution(actor, "create", calibration, standard.institution)
    errors: dict[str, list[str]] = {}
    if not calibration.certificate_no:
        errors["certificate_no"] = [_("校准证书编号不能为空。")]
    if result not in CalibrationResult.values:
        errors["result"] = [_("未知校准结论。")]
    if standard.is_national_root:
        errors["standard"] = [_("国家计量基准是溯源终点，不记录上级校准。")]
    if reference_standard is not None and reference_standard.pk == standard.pk:
        errors["reference_standard"] = [_("计量标准不能由其自身校准。")]
    if calibrated_on > _today():
        errors["calibrated_on"] = [_("校准日期不能晚于今天。")]
    _check_period(calibrated_on, valid_until, errors)
    if errors:
        raise InvalidInput(_("校准记录有误。"), errors)
    calibration.save()
    audit.record(actor, "standard.calibrate", calibration, after=audit.snapshot(calibration),
                 division=standard.institution.division)
    return calibration


# ---------------------------------------------------------------------------------------------
# The MPE table (the city regulator's; every change audited, decided records keep their copy)

MPE_RULE_FIELDS = ("regulation", "clause", "accuracy_class", "quantity", "condition", "error_basis", "unit",
                   "lower", "upper", "applies_to", "verification_kind", "source", "confidence", "notes", "active")
RULE_LEDGER_KIND = "verification.mpe_rule"
_RULE_UNIT_PROBLEMS = {
    point_units.SCALE: gettext_lazy("以检定分度值表示的误差，单位应为 e。"),
    point_units.UNKNOWN: gettext_lazy("无法识别的单位。"),
    point_units.RATIO: gettext_lazy("相对误差的单位应为 % 或 ‰。"),
}


def _rule_problems(rule: MpeRule, instrument_types) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in ("regulation", "quantity"):
        setattr(rule, name, (getattr(rule, name) or "").strip())
        if not getattr(rule, name):
            errors[name] = [_("此项不能为空。")]
    if not instrument_types:
        errors["instrument_types"] = [_("请至少选择一个器具种类。")]
    if rule.error_basis not in ErrorBasis.values:
        errors["error_basis"] = [_("未知误差表示方式。")]
    elif problem := point_units.rule_unit_problem(rule.error_basis, rule.unit or ""):
        errors["unit"] = [str(_RULE_UNIT_PROBLEMS[problem])]
    if rule.verification_kind not in RuleKind.values:
        errors["verification_kind"] = [_("未知检定类别。")]
    if (rule.lower is None) != (rule.upper is None):
        errors["upper"] = [_("上下限须同时填写或同时留空。")]
    elif rule.lower is not None and rule.lower > rule.upper:
        errors["upper"] = [_("上限不能小于下限。")]
    if rule.active and rule.lower is None:
        errors["active"] = [_("未填写上下限的规则不能启用。")]
    return errors


def rule_snapshot(rule: MpeRule) -> dict:
    return audit.snapshot(rule) | {"instrument_types": sorted(rule.instrument_types.values_list("code", flat=True))}


def log_rule_change(actor, action: str, rule: MpeRule, before: dict | None = None) -> None:
    """Audit the change and put the rule as it now stands on the transparency log: anyone can
    check later which bounds were in force when a certificate was decided."""
    after = rule_snapshot(rule)
    audit.record(actor, action, rule, before=before, after=after)
    ledger.append(RULE_LEDGER_KIND, after | {"event": action})


def _next_rule_key() -> str:
    numbers = [int(key[3:]) for key in MpeRule.objects.filter(key__regex=r"^MPE[0-9]+$").values_list("key", flat=True)]
    return f"MPE{max(numbers, default=0) + 1:03d}"


@transaction.atomic
def create_mpe_rule(actor, *, instrument_types, **fields) -> MpeRule:
    """Add a rule to the MPE table (the city regulator's); its key is the next MPE number."""
    _refuse_other_fields(fields, MPE_RULE_FIELDS)
    rule = MpeRule(key=_next_rule_key(), **fields)
    require(actor, "create", rule)
    instrument_types = list(instrument_types)
    errors = _rule_problems(rule, instrument_types)
    if errors:
        raise InvalidInput(_("最大允许误差规则有误。"), errors)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise Conflict(_("规则编号 %(key)s 刚被他人占用，请重新提交。") % {"key": rule.key},
                       {"key": [_("已存在")]}) from None
    rule.instrument_types.set(instrument_types)
    log_rule_change(actor, "mpe_rule.create", rule)
    return rule


@transaction.atomic
def update_mpe_rule(actor, rule: MpeRule, *, version: str | None = None, instrument_types=None,
                    **changes) -> MpeRule:
    """Correct a rule. Points already decided with it keep their own copy of its bounds, unit,
    basis and regulation (TestPoint), so an edit never changes a decided record."""
    require(actor, "change", rule)
    rule = concurrency.lock_current(rule, version)
    _refuse_other_fields(changes, MPE_RULE_FIELDS)
    if rule.retired_at is not None:
        raise Conflict(_("规则 %(key)s 已废止，不能修改；请新增规则。") % {"key": rule.key},
                       {"active": [_("已废止")]})
    before = rule_snapshot(rule)
    for name, value in changes.items():
        setattr(rule, name, value)
    types = list(rule.instrument_types.all()) if instrument_types is None else list(instrument_types)
    errors = _rule_problems(rule, types)
    if errors:
        raise InvalidInput(_("最大允许误差规则有误。"), errors)
    rule.save()
    if instrument_types is not None:
        rule.instrument_types.set(types)
    log_rule_change(actor, "mpe_rule.update", rule, before)
    return rule


@transaction.atomic
def retire_mpe_rule(actor, rule: MpeRule, *, reason: str, version: str | None = None) -> MpeRule:
    """Withdraw a rule (a superseded edition, a wrong row): it decides nothing from now on; records
    decided with it stay as they are. A rule is never deleted."""
    require(actor, "retire", rule)
    rule = concurrency.lock_current(rule, version)
    if rule.retired_at is not None:
        raise Conflict(_("规则 %(key)s 已于 %(at)s 废止。") % {"key": rule.key, "at": rule.retired_at.date()},
                       {"reason": [_("已废止")]})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写废止原因。"), {"reason": [_("此项不能为空。")]})
    before = rule_snapshot(rule)
    rule.active, rule.retired_at, rule.retirement_reason = False, timezone.now(), reason
    rule.save()
    log_rule_change(actor, "mpe_rule.retire", rule, before)
    return rule


# ---------------------------------------------------------------------------------------------
# Verification requests (报检)

def _request_snapshot(request: VerificationRequest) -> dict:
    return audit.snapshot(request) | {"instruments": sorted(request.instruments.values_list("public_code", flat=True))}


def _name_rows(errors: dict[str, list[str]], codes, problem: str) -> None:
    for code in codes:
        errors.setdefault(f"instruments.{code}", []).append(problem)


@transaction.atomic
def submit_request(actor, *, owner, institution: Institution, instruments, preferred_date=None,
                   note: str = "") -> VerificationRequest:
    """An owner asks an institution to verify some of its instruments. A refusal names the
    instruments concerned in its message and each one under "instruments.<public code>", so a
    request made from the ticked rows of a list shows every row's problem."""
    request = VerificationRequest(owner=owner, institution=institution, preferred_date=preferred_date,
                                  note=note, requested_by=actor)
    require(actor, "order" if getattr(actor, "role", None) in REGULATOR_ROLES else "create", request)
    instruments = list(instruments)
    errors: dict[str, list[str]] = {}
    if not instruments:
        errors["instruments"] = [_("请至少选择一台器具。")]
    today = _today()
    for field, message, row_problem, bad in (
        ("instruments", _("这些器具不属于本单位：%(codes)s"), _("不属于本单位"),
         lambda i: i.owner_id != owner.pk),
        ("instruments", _("这些器具已报废：%(codes)s"), _("已报废"), lambda i: i.status == InstrumentStatus.SCRAPPED),
        ("institution", _("该机构没有这些器具的有效计量授权：%(codes)s"), _("该机构没有此器具的有效计量授权"),
         lambda i: checks.authorisation_problems(institution, i.type, i.division, today)),
    ):
        codes = [i.public_code for i in instruments if bad(i)]
        if codes:
            errors.setdefault(field, []).append(message % {"codes": ", ".join(codes)})
            _name_rows(errors, codes, row_problem)
    if preferred_date is not None and preferred_date < today:
        errors["preferred_date"] = [_("希望检定日期不能早于今天。")]
    if errors:
        raise InvalidInput(_("报检申请有误。"), errors)
    pending = VerificationRequest.objects.filter(
        status__in=OPEN_REQUEST_STATUSES, instruments__in=instruments
    ).values_list("instruments__public_code", flat=True).distinct()
    pending = sorted(set(pending) & {i.public_code for i in instruments})
    if pending:
        fields = {"instruments": [_("已在报检中")]}
        _name_rows(fields, pending, _("已有未办结的报检申请"))
        raise Conflict(_("这些器具已有未办结的报检申请：%(codes)s") % {"codes": ", ".join(pending)}, fields)
    request.save()
    request.instruments.set(instruments)
    audit.record(actor, "verification_request.submit", request, after=_request_snapshot(request),
                 division=owner.division)
    return request


BULK_LIMIT = 200  # rows one bulk action takes, like the 200 instruments of one request

# The statuses from which each step of a request may be taken.
REQUEST_STEPS = {
    "accept": (RequestStatus.SUBMITTED,),
    "reject": (RequestStatus.SUBMITTED,),
    "cancel": OPEN_REQUEST_STATUSES,
}


def may_step(actor, action: str, request: VerificationRequest) -> bool:
    """Whether ``actor`` may take the step now: the role and scope (``may``) and the request's status."""
    return request.status in REQUEST_STEPS[action] and may(actor, action, request)


def _transition(actor, request: VerificationRequest, action: str, to: str, **changes):
    require(actor, action, request)
    if request.status not in REQUEST_STEPS[action]:
        raise Conflict(_("报检申请当前状态为“%(status)s”，不能执行此操作。") % {"status": request.get_status_display()},
                       {"status": [request.status]})
    before = audit.snapshot(request)
    request.status = to
    for name, value in changes.items():
        setattr(request, name, value)
    request.save()
    audit.record(actor, f"verification_request.{action}", request, before=before, after=audit.snapshot(request),
                 division=request.owner.division)
    return request


@transaction.atomic
def accept_request(actor, request: VerificationRequest, *, scheduled_for: datetime.date,
                   response: str = "") -> VerificationRequest:
    request = _transition(actor, request, "accept", RequestStatus.ACCEPTED,
                          scheduled_for=scheduled_for, response=response)
    notices.request_accepted(request)
    return request


@transaction.atomic
def accept_requests(actor, requests, *, scheduled_for: datetime.date, response: str = "") -> list[VerificationRequest]:
    """Accept several requests for one date, all or none: each step is checked, audited and told to
    its owner as ``accept_request`` does; a refusal of any names each refused request by its id
    ("requests.<id>") and nothing is written."""
    requests = list(requests)
    if not requests:
        raise InvalidInput(_("请至少选择一条报检申请。"), {"requests": [_("未选择")]})
    if len(requests) > BULK_LIMIT:
        raise InvalidInput(_("一次最多处理 %(n)d 条。") % {"n": BULK_LIMIT}, {"requests": [_("选择过多")]})
    errors: dict[str, list[str]] = {}
    accepted = []
    for request in requests:
        try:  # a savepoint each (accept_request is atomic): go on past a refusal to name every one
            accepted.append(accept_request(actor, request, scheduled_for=scheduled_for, response=response))
        except (AccessDenied, DomainError) as refusal:
            errors[f"requests.{request.pk}"] = [getattr(refusal, "message", None) or str(refusal)]
    if errors:
        raise InvalidInput(_("%(n)d 条报检申请不能受理，全部未受理。") % {"n": len(errors)}, errors)
    return accepted


@transaction.atomic
def reject_request(actor, request: VerificationRequest, *, response: str) -> VerificationRequest:
    if not response.strip():
        raise InvalidInput(_("请说明不予受理的原因。"), {"response": [_("不能为空")]})
    request = _transition(actor, request, "reject", RequestStatus.REJECTED, response=response)
    notices.request_rejected(request)
    return request


@transaction.atomic
def cancel_request(actor, request: VerificationRequest) -> VerificationRequest:
    return _transition(actor, request, "cancel", RequestStatus.CANCELLED)


def _complete_request_if_done(actor, request: VerificationRequest) -> None:
    """A request is complete once each of its instruments has a verification recorded under it."""
    if request.instruments.exclude(verifications__request=request).exists():
        return
    before = audit.snapshot(request)
    request.status = RequestStatus.COMPLETED
    request.save(update_fields=["status", "updated_at"])
    audit.record(actor, "verification_request.complete", request, before=before, after=audit.snapshot(request),
                 division=request.owner.division)


# ---------------------------------------------------------------------------------------------
# Verification records and certificates

@dataclass(frozen=True)
class PointInput:
    """One test point as entered: the error is computed from nominal and indicated when both are
    given, else taken as entered (e.g. a repeatability)."""

    expanded_uncertainty: Decimal
    coverage_factor: Decimal = Decimal("2")
    mpe_rule: MpeRule | None = None
    nominal: Decimal | None = None
    indicated: Decimal | None = None
    error: Decimal | None = None
    unit: str = ""
    quantity: str = ""


@dataclass(frozen=True)
class VerificationInput:
    instrument: object
    kind: str
    performed_on: datetime.date
    verifier: object
    checker: object
    standards: tuple
    points: tuple[PointInput, ...]
    decision_rule: str = conformity.DEFAULT_RULE
    accuracy_class: str = ""
    scale_interval: Decimal | None = None
    k_factor: Decimal | None = None  # a fuel dispenser's pulse equivalent as verified (pulses/L)
    temperature_c: Decimal | None = None
    humidity_pct: Decimal | None = None
    environment_note: str = ""
    remarks: str = ""
    request: VerificationRequest | None = None
    issued_on: datetime.date | None = None  # default: today


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def valid_until_for(instrument_type, performed_on: datetime.date) -> datetime.date | None:
    """The last day a passed verification is valid: the catalogue interval later, less one day; none
    for an instrument verified once and used until it fails (只做首次强制检定，失准报废)."""
    months = instrument_type.verification_interval_months
    if months:
        return add_months(performed_on, months) - datetime.timedelta(days=1)
    if instrument_type.verification_mode == VerificationMode.INITIAL_ONLY_SCRAP:
        return None
    raise InvalidInput(
        _("目录中“%(type)s”的检定周期尚未设定，无法确定证书有效期；请市局先在器具目录中补全。") % {"type": instrument_type.name_zh},
        {"instrument": [_("检定周期未设定")]},
    )


# Which rules may decide which verification: a first verification by a rule for first (or both)
# verifications, a subsequent or periodic one by a rule for subsequent (or both); an in-use
# inspection's wider limits never decide a verification.
RULE_KINDS_FOR = {
    VerificationKind.INITIAL: (RuleKind.ANY, RuleKind.FIRST),
    VerificationKind.SUBSEQUENT: (RuleKind.ANY, RuleKind.SUBSEQUENT),
    VerificationKind.PERIODIC: (RuleKind.ANY, RuleKind.SUBSEQUENT),
}


def _rule_problems_for(rule: MpeRule, data: VerificationInput, instrument_type) -> list[str]:
    problems = []
    if not rule.instrument_types.filter(pk=instrument_type.pk).exists():
        problems.append(_("规则 %(key)s 不适用于 %(type)s。") % {"key": rule.key, "type": instrument_type.name_zh})
    accuracy_class = data.accuracy_class.strip()
    if rule.accuracy_class and rule.accuracy_class != accuracy_class:
        problems.append(_("规则 %(key)s 适用于 %(cls)s 级，本次检定为“%(given)s”。")
                        % {"key": rule.key, "cls": rule.accuracy_class, "given": accuracy_class or "—"})
    if not rule.active or rule.lower is None:
        problems.append(_("规则 %(key)s 未启用或未填写允许误差。") % {"key": rule.key})
    allowed = RULE_KINDS_FOR.get(data.kind)
    if allowed is not None and rule.verification_kind not in allowed:
        problems.append(_("规则 %(key)s 适用于%(rule_kind)s，不能用于%(kind)s。") % {
            "key": rule.key, "rule_kind": rule.get_verification_kind_display(),
            "kind": VerificationKind(data.kind).label})
    return problems


_POINT_PROBLEMS = {
    point_units.UNKNOWN: gettext_lazy("无法识别单位“%(unit)s”。"),
    point_units.DIMENSION: gettext_lazy("单位“%(unit)s”与规则 %(key)s 的单位“%(rule_unit)s”不是同一种量，无法换算。"),
    point_units.RATIO: gettext_lazy("相对误差应以 %% 或 ‰ 填写，不能以“%(unit)s”填写。"),
    point_units.MISSING: gettext_lazy("请填写标准值和示值，或直接填写误差。"),
}


def _point_error(point: PointInput, rule: MpeRule | None, data: VerificationInput, problems: dict):
    """(error, U) of the point in its rule's unit, or (None, None) with the problem noted by field."""
    row = point_units.Row(uncertainty=point.expanded_uncertainty, nominal=point.nominal,
                          indicated=point.indicated, error=point.error, unit=point.unit)
    target = point_units.RuleUnit(rule.error_basis, rule.unit, data.scale_interval) if rule is not None else None
    try:
        return point_units.in_rule_unit(row, target)
    except point_units.PointProblem as problem:
        problems.setdefault(problem.field, []).append(str(_POINT_PROBLEMS[problem.reason]) % {
            "unit": point.unit, "key": rule.key if rule else "", "rule_unit": rule.unit if rule else ""})
    except conformity.ConformityError as exc:
        problems.setdefault("error", []).append(_("无法计算误差：%(why)s") % {"why": exc})
    return None, None


def _collect_points(data: VerificationInput, instrument_type, errors: dict):
    """The test points with their errors, and the (error, U, MPE) triples to decide on; problems go
    into ``errors`` by point ("points.2", or "points.2.unit" for the row's unit). Each
    point keeps a copy of what it is judged by: bounds, unit, basis and regulation."""
    points, to_decide = [], []
    for position, point in enumerate(data.points, start=1):
        rule = point.mpe_rule
        problems: dict[str, list[str]] = {}
        if rule is not None:
            rule_problems = _rule_problems_for(rule, data, instrument_type)
            if rule_problems:
                problems["mpe_rule"] = rule_problems
        elif data.kind != VerificationKind.CALIBRATION:
            problems["mpe_rule"] = [_("检定的每个检定点都须指明最大允许误差规则。")]
        error, uncertainty = _point_error(point, rule, data, problems)
        if not problems and data.kind != VerificationKind.CALIBRATION:
            mpe = conformity.Mpe(rule.lower, rule.upper)
            if data.decision_rule == conformity.SIMPLE_ACCEPTANCE and not conformity.uncertainty_allowed(
                    uncertainty, mpe):
                problems["expanded_uncertainty"] = [
                    _("扩展不确定度 U=%(u)s 超过最大允许误差的三分之一，不能用简单接受规则判定；"
                      "请改用保护带接受规则或更高准确度的计量标准。") % {"u": point.expanded_uncertainty}]
            else:
                to_decide.append((error, uncertainty, mpe))
        for field_name, messages in problems.items():
            key = f"points.{position}.unit" if field_name == "unit" else f"points.{position}"
            errors.setdefault(key, []).extend(messages)
        points.append(TestPoint(
            position=position, quantity=point.quantity or (rule.quantity if rule else ""), mpe_rule=rule,
            nominal=point.nominal, indicated=point.indicated, unit=point.unit, error=error,
            error_unit=rule.unit if rule else point.unit, expanded_uncertainty=uncertainty,
            coverage_factor=point.coverage_factor,
            mpe_lower=rule.lower if rule else None, mpe_upper=rule.upper if rule else None,
            mpe_error_basis=rule.error_basis if rule else "",
            mpe_regulation=f"{rule.regulation} {rule.clause}".strip() if rule else "",
        ))
    return points, to_decide


def _validate_record(institution, data: VerificationInput, errors: dict) -> None:
    instrument, on = data.instrument, data.performed_on
    if on > _today():
        errors["performed_on"] = [_("检定日期不能晚于今天。")]
    if data.issued_on is not None and not on <= data.issued_on <= _today():
        errors["issued_on"] = [_("签发日期应在检定日期与今天之间。")]
    if data.kind not in VerificationKind.values:
        errors["kind"] = [_("未知检定类别。")]
    if data.decision_rule not in DecisionRule.values:
        errors["decision_rule"] = [_("未知判定规则。")]
    if instrument.status == InstrumentStatus.SCRAPPED:
        errors["instrument"] = [_("该器具已报废。")]
    scope_problems = checks.authorisation_problems(institution, instrument.type, instrument.division, on)
    if scope_problems:
        errors.setdefault("instrument", []).extend(scope_problems)
    if data.verifier.pk == data.checker.pk:
        errors["checker"] = [_("检定员和核验员不能是同一人。")]
    for field_name, person, kind in (("verifier", data.verifier, QualificationKind.VERIFIER),
                                     ("checker", data.checker, QualificationKind.CHECKER)):
        problems = checks.qualification_problems(person, institution, instrument.type, kind, on)
        if problems:
            errors.setdefault(field_name, []).extend(problems)
    if not data.standards:
        errors["standards"] = [_("请至少选择一台计量标准。")]
    for standard in data.standards:
        problems = checks.standard_use_problems(standard, institution, instrument.type, on)
        if problems:
            errors.setdefault("standards", []).extend(problems)
    if not data.points:
        errors["points"] = [_("请至少填写一个检定点。")]
    if data.request is not None:
        request = data.request
        if request.institution_id != institution.pk or request.status != RequestStatus.ACCEPTED:
            errors["request"] = [_("报检申请不属于本机构或尚未受理。")]
        elif not request.instruments.filter(pk=instrument.pk).exists():
            errors["request"] = [_("该器具不在此报检申请中。")]


def _next_serial(institution: Institution, year: int) -> int:
    """The next certificate serial of the institution in the year, inside the caller's transaction.

    One UPDATE … SET last_serial = last_serial + 1 takes the row's write lock until commit, so
    concurrent issuers queue and each reads back its own value; the first of a year inserts the row
    (a concurrent first insert fails on the unique constraint and falls back to the UPDATE)."""
    counter = CertificateCounter.objects.filter(institution=institution, year=year)
    if not counter.update(last_serial=F("last_serial") + 1):
        try:
            with transaction.atomic():
                CertificateCounter.objects.create(institution=institution, year=year, last_serial=1)
            return 1
        except IntegrityError:
            counter.update(last_serial=F("last_serial") + 1)
    return counter.values_list("last_serial", flat=True).get()


def _certificate_kind(verification: Verification) -> str:
    if verification.kind == VerificationKind.CALIBRATION:
        return CertificateKind.CALIBRATION
    return CertificateKind.VERIFICATION if verification.conclusion == Conclusion.PASS else CertificateKind.FAILURE_NOTICE


def names_as_issued(institution: Institution, owner) -> dict[str, str]:
    """The certificate's copies of its institution's and owner's names, addresses and codes."""
    return {"institution_name": institution.name, "institution_address": institution.address,
            "institution_uscc": institution.uscc, "owner_name": owner.name, "owner_address": owner.address,
            "owner_uscc": owner.uscc}


def _ledger_record(certificate: Certificate, event: str) -> dict:
    verification = certificate.verification
    return ledger_document(
        audit.snapshot(certificate), event, certificate.instrument.public_code, audit.snapshot(verification),
        verification.standard_uses.values_list("standard_id", flat=True),
        [audit.snapshot(point) for point in verification.test_points.order_by("position")],
    )


def ledger_document(certificate: dict, event: str, public_code: str, verification: dict,
                    standard_ids: Iterable[int], points: list[dict]) -> dict:
    """What a certificate's log entry digests: the certificate, its record and test points (their
    snapshots, points in position order), the event. Also built by the bulk history (history.py)."""
    return certificate | {"event": event, "instrument_public_code": public_code, "verification": verification,
                          "standards": sorted(standard_ids), "test_points": points}


def refresh_state(instrument) -> VerificationState | None:
    """Point the instrument's VerificationState at its latest issued verification certificate or
    failure notice (none left: no state, the instrument counts as never verified)."""
    current = (
        Certificate.objects.filter(instrument=instrument, status=CertificateStatus.ISSUED,
                                   kind__in=(CertificateKind.VERIFICATION, CertificateKind.FAILURE_NOTICE))
        .order_by("-performed_on", "-id")
        .select_related("verification")
        .first()
    )
    if current is None:
        VerificationState.objects.filter(instrument=instrument).delete()
        return None
    state, _created = VerificationState.objects.update_or_create(
        instrument=instrument,
        defaults={"certificate": current, "verified_on": current.performed_on,
                  "conclusion": current.verification.conclusion, "valid_until": current.valid_until},
    )
    return state


def _refuse_a_second_certificate(data: VerificationInput, supersedes: Certificate | None) -> None:
    """One certificate per instrument of a request, and per instrument and day unless it corrects one.

    The instrument's row lock (taken first) queues concurrent issues for one instrument, so the
    second sees the first's certificate; the unique constraints are the last guard."""
    Instrument.objects.select_for_update().filter(pk=data.instrument.pk).exists()
    if data.request is not None:
        done = Certificate.objects.filter(verification__request=data.request, instrument=data.instrument).first()
        if done is not None:
            raise Conflict(_("该器具在此报检申请下已签发证书 %(no)s。") % {"no": done.number},
                           {"request": [_("已签发 %(no)s") % {"no": done.number}]})
    if supersedes is None:
        same_day = Certificate.objects.filter(instrument=data.instrument, performed_on=data.performed_on,
                                              supersedes__isnull=True).first()
        if same_day is not None:
            raise Conflict(
                _("该器具 %(day)s 已有证书 %(no)s；如需更正，请对原证书办理更正。")
                % {"day": data.performed_on, "no": same_day.number},
                {"performed_on": [_("当日已签发 %(no)s") % {"no": same_day.number}]})


def _record(actor, institution: Institution, data: VerificationInput, supersedes: Certificate | None = None,
            reason: str = "") -> Certificate:
    instrument = data.instrument
    verification = Verification(
        instrument=instrument, institution=institution, owner_id=instrument.owner_id,
        division_id=instrument.division_id, instrument_type_id=instrument.type_id, request=data.request,
        kind=data.kind, performed_on=data.performed_on, verifier=data.verifier, checker=data.checker,
        accuracy_class=data.accuracy_class.strip(), scale_interval=data.scale_interval, k_factor=data.k_factor,
        temperature_c=data.temperature_c, humidity_pct=data.humidity_pct, environment_note=data.environment_note,
        decision_rule=data.decision_rule, remarks=data.remarks, recorded_by=actor,
    )
    require(actor, "create", verification)
    errors: dict[str, list[str]] = {}
    _validate_record(institution, data, errors)
    points, to_decide = _collect_points(data, instrument.type, errors)
    if errors:
        raise InvalidInput(_("检定记录有误，未签发证书。"), errors)
    _refuse_a_second_certificate(data, supersedes)
    valid_until = None
    if data.kind in VERIFICATION_KINDS:
        decision = conformity.decide(to_decide, data.decision_rule)
        for point, point_decision in zip(points, decision.points, strict=True):
            point.conforms, point.near_limit = point_decision.conforms, point_decision.near_limit
        verification.conclusion = Conclusion.PASS if decision.conforms else Conclusion.FAIL
        verification.near_limit = decision.near_limit
        if decision.conforms:
            valid_until = valid_until_for(instrument.type, data.performed_on)
    else:
        verification.conclusion = Conclusion.CALIBRATED
    verification.save()
    for point in points:
        point.verification = verification
    TestPoint.objects.bulk_create(points)
    StandardUse.objects.bulk_create(
        [StandardUse(verification=verification, standard=s, performed_on=data.performed_on) for s in data.standards]
    )
    issued_on = data.issued_on or _today()
    serial = _next_serial(institution, issued_on.year)
    kind = _certificate_kind(verification)
    certificate = Certificate.objects.create(
        verification=verification, institution=institution, year=issued_on.year, serial=serial,
        number=f"{institution.certificate_prefix}{issued_on.year}-{CERTIFICATE_LETTERS[kind]}{serial:06d}",
        kind=kind, instrument=instrument, owner_id=instrument.owner_id, division_id=instrument.division_id,
        instrument_type_id=instrument.type_id, performed_on=data.performed_on, issued_on=issued_on,
        valid_until=valid_until, supersedes=supersedes, correction_reason=reason, issued_by=actor,
        **names_as_issued(Institution.objects.get(pk=institution.pk),  # as stored now: the caller's
                          Organization.objects.get(pk=instrument.owner_id)),  # objects may predate a rename
    )
    audit.record(actor, "verification.record", verification, after=audit.snapshot(verification),
                 division=instrument.division)
    audit.record(actor, "certificate.issue", certificate, after=audit.snapshot(certificate),
                 division=instrument.division)
    ledger.append(LEDGER_KIND, _ledger_record(certificate, "issue"))
    notices.certificate_issued(certificate)
    return certificate


@transaction.atomic
def record_verification(actor, institution: Institution, data: VerificationInput) -> Certificate:
    """Record a verification (or calibration) and issue its certificate: a verification certificate
    on a pass, a notice of failure on a fail, a calibration certificate for a calibration. Refused,
    with every problem named by field, unless the institution is authorised for the type and place,
    the verifier and checker are two qualified people and every standard is valid and in scope."""
    certificate = _record(actor, institution, data)
    refresh_state(data.instrument)
    if data.request is not None:
        _complete_request_if_done(actor, data.request)
    return certificate


@transaction.atomic
def supersede(actor, certificate: Certificate, data: VerificationInput, reason: str) -> Certificate:
    """Correct a certificate: a new record and certificate that supersedes the old one; both are kept
    (ISO/IEC 17025 7.8.8) and the old one says it was replaced."""
    require(actor, "supersede", certificate)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != CertificateStatus.ISSUED:
        raise Conflict(_("证书 %(no)s 已%(status)s，不能更正。") % {"no": certificate.number,
                                                              "status": certificate.get_status_display()})
    if not reason.strip():
        raise InvalidInput(_("请说明更正原因。"), {"reason": [_("不能为空")]})
    if data.instrument.pk != certificate.instrument_id:
        raise InvalidInput(_("更正证书须针对同一台器具。"), {"instrument": [_("与原证书不一致")]})
    replacement = _record(actor, certificate.institution, replace(data, request=None), supersedes=certificate,
                          reason=reason.strip())
    before = audit.snapshot(certificate)
    certificate.status = CertificateStatus.SUPERSEDED
    certificate.save(update_fields=["status"])
    audit.record(actor, "certificate.supersede", certificate, before=before, after=audit.snapshot(certificate),
                 division=certificate.division)
    ledger.append(LEDGER_KIND, _ledger_record(certificate, "supersede"))
    refresh_state(certificate.instrument)
    return replacement


@transaction.atomic
def revoke(actor, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a certificate: the record and the reason stay; the instrument falls back to its
    previous certificate, if any."""
    require(actor, "revoke", certificate)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != CertificateStatus.ISSUED:
        raise Conflict(_("证书 %(no)s 已%(status)s，不能撤销。") % {"no": certificate.number,
                                                              "status": certificate.get_status_display()})
    if not reason.strip():
        raise InvalidInput(_("请说明撤销原因。"), {"reason": [_("不能为空")]})
    before = audit.snapshot(certificate)
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = actor
    certificate.revocation_reason = reason.strip()
    certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
    audit.record(actor, "certificate.revoke", certificate, before=before, after=audit.snapshot(certificate),
                 division=certificate.division)
    ledger.append(LEDGER_KIND, _ledger_record(certificate, "revoke"))
    refresh_state(certificate.instrument)
    return certificate


def correction_input(certificate: Certificate) -> VerificationInput:
    """The certificate's record as an input, the starting point of a correction."""
    verification = certificate.verification
    return VerificationInput(
        instrument=certificate.instrument, kind=verification.kind, performed_on=verification.performed_on,
        verifier=verification.verifier, checker=verification.checker,
        standards=tuple(use.standard for use in verification.standard_uses.select_related("standard")),
        points=tuple(
            PointInput(expanded_uncertainty=point_units.as_typed(p.expanded_uncertainty, p.error_unit, p.unit),
                       coverage_factor=p.coverage_factor, mpe_rule=p.mpe_rule, nominal=p.nominal,
                       indicated=p.indicated,
                       error=(None if p.nominal is not None and p.indicated is not None
                              else point_units.as_typed(p.error, p.error_unit, p.unit)),
                       unit=p.unit, quantity=p.quantity)
            for p in verification.test_points.select_related("mpe_rule").order_by("position")
        ),
        decision_rule=verification.decision_rule, accuracy_class=verification.accuracy_class,
        scale_interval=verification.scale_interval, k_factor=verification.k_factor,
        temperature_c=verification.temperature_c,
        humidity_pct=verification.humidity_pct, environment_note=verification.environment_note,
        remarks=verification.remarks,
    )
