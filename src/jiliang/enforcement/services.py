"""Writes of the enforcement app: public complaints and their handling, cases through their stages,
evidence, decisions, publication, rewards and honest metrology. Each write is one transaction with
its ``require`` and its audit row; the public complaint is the one write without a signed-in actor
(its audit row names the actor ``public``, and abuse control stands in for ``require``)."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang import concurrency
from jiliang.accounts import audit
from jiliang.accounts.access import AccessDenied, require
from jiliang.accounts.masking import mask_owner_name, mask_personal_data
from jiliang.accounts.models import Division
from jiliang.credit.services import record_credit_event
from jiliang.enforcement import deadlines, identity, legal_basis, reference, uploads
from jiliang.enforcement.models import (
    COMPLAINT_TRANSITIONS,
    Case,
    CaseParty,
    CaseSource,
    CaseStage,
    CaseStageEntry,
    Commitment,
    Complaint,
    ComplaintKind,
    ComplaintPhoto,
    ComplaintState,
    ComplaintSubject,
    DeadlineSetting,
    Evidence,
    LegalBasisSetting,
    ModelUnit,
    ModelUnitState,
    Publication,
    RewardDecision,
    tracking_digest,
)
from jiliang.errors import Conflict, InvalidInput
from jiliang.ledger import services as ledger
from jiliang.monitoring.models import Alert, AlertState
from jiliang.registry.models import Instrument, InstrumentStatus, Organization, Site
from jiliang.registry.services import change_instrument_status

PUBLIC_ACTOR = "public"
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a phone and typed back
TRACKING_LENGTH = 12
COMMITMENT_VERSION = "2026"
LEDGER_EVIDENCE = "enforcement.evidence"
LEDGER_PUBLICATION = "enforcement.publication"


# ---------------------------------------------------------------- complaints (投诉举报)

@dataclass(frozen=True)
class PhotoUpload:
    name: str
    data: bytes


def _new_tracking_code() -> str:
    # 32 letters: a random byte modulo 32 picks each one uniformly, at a twelfth of secrets.choice's cost.
    return "".join(TRACKING_ALPHABET[byte % len(TRACKING_ALPHABET)] for byte in secrets.token_bytes(TRACKING_LENGTH))


def _county(division: Division) -> Division:
    return division.county


def _photo_errors(photos: list[PhotoUpload]) -> tuple[list[uploads.Checked], list[str]]:
    checked, errors = [], []
    if len(photos) > uploads.PHOTO_MAX_COUNT:
        errors.append(_("最多上传 %(n)d 张照片。") % {"n": uploads.PHOTO_MAX_COUNT})
    for photo in photos[: uploads.PHOTO_MAX_COUNT]:
        try:
            checked.append(uploads.check(photo.data, accepted=uploads.PHOTO_TYPES, max_bytes=uploads.PHOTO_MAX_BYTES))
        except uploads.Refused as refused:
            errors.append({
                "type": _("“%(name)s”不是 JPEG 或 PNG 图片。"),
                "size": _("“%(name)s”超过 %(mb)d MB。"),
                "empty": _("“%(name)s”是空文件。"),
            }[refused.reason] % {"name": photo.name[:60], "mb": uploads.PHOTO_MAX_BYTES // (1024 * 1024)})
    return checked, errors


def _find_duplicate(complaint: Complaint) -> int | None:
    """The id of an earlier complaint about the same site (or, without one, the same address) and
    subject within ``JILIANG_COMPLAINT_DUPLICATE_DAYS``."""
    since = complaint.received_at - datetime.timedelta(days=settings.JILIANG_COMPLAINT_DUPLICATE_DAYS)
    earlier = Complaint.objects.filter(subject=complaint.subject, received_at__gte=since,
                                       duplicate_of__isnull=True).exclude(state=ComplaintState.REJECTED)
    if complaint.site_id:
        earlier = earlier.filter(site_id=complaint.site_id)
    else:
        earlier = earlier.filter(site__isnull=True, address=complaint.address, division=complaint.division)
    # Within the window every later one is a duplicate, so only a few rows match: the earliest is
    # picked here rather than by an ORDER BY the ORM compiles on every submission.
    found = earlier.order_by().values_list("received_at", "pk")
    return min(found)[1] if found else None


@transaction.atomic
def submit_complaint(*, kind: str = ComplaintKind.REPORT, subject: str, description: str, occurred_on,
                     site: Site | None = None, address: str = "", division: Division | None = None,
                     instrument_code: str = "", identity_fields: dict[str, str] | None = None,
                     photos: list[PhotoUpload] | None = None) -> tuple[Complaint, str]:
    """File a complaint or report from the public form; returns it and its tracking code (shown
    once to the reporter: only its digest is stored). The place is a registered site or a typed
    address with its county; the complaint goes to the county of the place."""
    errors: dict[str, list[str]] = {}
    description, address, instrument_code = (description or "").strip(), (address or "").strip(), \
        (instrument_code or "").strip().upper()
    if kind not in ComplaintKind.values:
        errors["kind"] = [_("请选择投诉或举报。")]
    if subject not in ComplaintSubject.values:
        errors["subject"] = [_("请选择问题类型。")]
    if not description:
        errors["description"] = [_("请描述发生了什么。")]
    elif len(description) > 2000:
        errors["description"] = [_("情况描述不能超过 2000 字。")]
    if occurred_on is None:
        errors["occurred_on"] = [_("请填写发生日期。")]
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("发生日期不能晚于今天。")]
    instrument = None
    if instrument_code:
        instrument = Instrument.objects.filter(public_code=instrument_code).select_related(
            "site__division__parent").first()
        if instrument is None:
            errors["instrument_code"] = [_("没有这个器具公开码，请核对二维码卡片上的编码。")]
        elif site is None:
            site = instrument.site
    if site is None and not address:
        errors["site"] = [_("请选择经营场所，或填写地址。")]
    elif site is None and address and division is None:
        errors["division"] = [_("填写地址时请选择所在区县。")]
    if len(address) > 255:
        errors["address"] = [_("地址不能超过 255 字。")]
    checked, photo_errors = _photo_errors(photos or [])
    if photo_errors:
        errors["photos"] = photo_errors
    if errors:
        raise InvalidInput(_("请检查标出的内容。"), errors)

    place_division = site.division if site is not None else division
    now = timezone.now()
    due = deadlines.complaint_deadlines(reference.deadline_rules(), timezone.localdate(now))
    code = _new_tracking_code()
    complaint = Complaint(
        tracking_digest=tracking_digest(code), kind=kind, subject=subject, description=description, site=site,
        address=address or (site.address if site else ""), division=_county(place_division),
        organization_id=site.organization_id if site else None, instrument=instrument,
        instrument_code=instrument_code, occurred_on=occurred_on,
        identity_sealed=identity.seal(identity_fields or {}), received_at=now,
        acknowledge_due=due.acknowledge, handling_due=due.handling, reply_due=due.reply,
    )
    duplicate = _find_duplicate(complaint)
    if duplicate is not None:
        complaint.state, complaint.duplicate_of_id = ComplaintState.DUPLICATE, duplicate
    complaint.save()
    ComplaintPhoto.objects.bulk_create([
        ComplaintPhoto(complaint=complaint, content_type=c.content_type, size=c.size, sha256=c.sha256, data=c.data)
        for c in checked
    ])
    audit.record(PUBLIC_ACTOR, "complaint.submit", complaint, after=audit.snapshot(complaint) | {"photo_count": len(checked)},
                 division=complaint.division)
    return complaint, code


def find_by_tracking_code(code: str) -> Complaint | None:
    """The complaint of ``code``, or None for a code that is wrong or does not exist alike."""
    code = (code or "").strip().upper().replace("-", "").replace(" ", "")
    if len(code) != TRACKING_LENGTH or set(code) - set(TRACKING_ALPHABET):
        tracking_digest(code)  # the same work either way: the answer's time tells nothing either
        return None
    return Complaint.objects.filter(tracking_digest=tracking_digest(code)).first()


@transaction.atomic
def transition_complaint(actor, complaint: Complaint, to_state: str, *, note: str = "") -> Complaint:
    """受理 / 不予受理 / 答复 ...: only the allowed moves; accepting makes the actor the handler."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    require(actor, "handle", complaint)
    if to_state not in COMPLAINT_TRANSITIONS.get(complaint.state, ()):
        raise Conflict(_("投诉举报不能从“%(from)s”转为“%(to)s”。") % {
            "from": complaint.get_state_display(),
            "to": ComplaintState(to_state).label if to_state in ComplaintState.values else to_state},
            {"state": [_("不允许的状态转换。")]})
    note = (note or "").strip()
    if to_state in (ComplaintState.REJECTED, ComplaintState.REPLIED) and not note:
        raise InvalidInput(_("请填写告知举报人的处理结果。"), {"note": [_("请填写处理结果。")]})
    before = audit.snapshot(complaint, ["state", "handler"])
    complaint.state = to_state
    if to_state == ComplaintState.ACCEPTED:
        complaint.handler, complaint.acknowledged_at = actor, timezone.now()
    if to_state == ComplaintState.REJECTED:
        complaint.acknowledged_at = timezone.now()
    if to_state in (ComplaintState.REJECTED, ComplaintState.REPLIED):
        complaint.replied_at, complaint.public_note = timezone.now(), note
    complaint.save()
    audit.record(actor, f"complaint.{to_state}", complaint, before=before,
                 after=audit.snapshot(complaint, ["state", "handler"]) | {"note": note}, division=complaint.division)
    return complaint


@transaction.atomic
def reporter_identity(actor, complaint: Complaint) -> dict[str, str]:
    """The reporter's identity, for the handling officer alone; each reading is audited."""
    require(actor, "handle", complaint)
    if complaint.handler_id != actor.pk:
        raise AccessDenied(_("只有承办人可以查看举报人身份。"))
    audit.record(actor, "complaint.identity_read", complaint, division=complaint.division)
    return identity.unseal(complaint.identity_sealed)


def _reward_errors(complaint: Complaint, amount) -> dict[str, list[str]]:
    errors = {}
    if complaint.kind != ComplaintKind.REPORT:
        errors["complaint"] = [_("只有举报可以获得奖励。")]
    case = Case.objects.filter(source_type=CaseSource.COMPLAINT, source_id=str(complaint.pk)).first()
    if case is None or not case.is_penalty or case.decided_on is None:
        errors["case"] = [_("该举报尚未查实并作出罚没处罚，不能奖励。")]
    if amount is None or amount <= 0:
        errors["amount"] = [_("请填写大于零的奖励金额。")]
    return errors


@transaction.atomic
def decide_reward(actor, complaint: Complaint, *, amount: Decimal | None, note: str = "") -> RewardDecision:
    """举报奖励: recorded once for a report whose case ended in a fine or confiscation."""
    require(actor, "reward", complaint)
    if RewardDecision.objects.filter(complaint=complaint).exists():
        raise Conflict(_("该举报已作出奖励决定。"), {"complaint": [_("已有奖励决定。")]})
    errors = _reward_errors(complaint, amount)
    if errors:
        raise InvalidInput(_("不能作出奖励决定。"), errors)
    case = Case.objects.get(source_type=CaseSource.COMPLAINT, source_id=str(complaint.pk))
    reward = RewardDecision.objects.create(complaint=complaint, case=case, amount=amount, note=(note or "")[:255],
                                           decided_by=actor)
    audit.record(actor, "complaint.reward", reward, after=audit.snapshot(reward), division=complaint.division)
    return reward


# ---------------------------------------------------------------- cases (案件)

# The stages in order; 听证 only when the party asked for a hearing.
STAGE_ORDER = [CaseStage.FILED, CaseStage.INVESTIGATING, CaseStage.NOTIFIED, CaseStage.HEARING,
               CaseStage.DECIDED, CaseStage.ENFORCING, CaseStage.CLOSED]


def next_stage(case: Case) -> str | None:
    index = STAGE_ORDER.index(case.stage)
    if index + 1 >= len(STAGE_ORDER):
        return None
    following = STAGE_ORDER[index + 1]
    if following == CaseStage.HEARING and not case.hearing_requested:
        return CaseStage.DECIDED
    return following


def _stage_day(case: Case, stage: str) -> datetime.date | None:
    # The dates the case row keeps itself need no query (a list of cases reads each one's deadline).
    kept = {"discovered": case.discovered_on, CaseStage.FILED: case.filed_on, CaseStage.DECIDED: case.decided_on}
    if stage in kept:
        return kept[stage]
    entry = case.stages.filter(stage=stage).order_by("-id").first()
    return entry.entered_on if entry else None


def stage_due(case: Case, stage: str, rules: deadlines.Table | None = None) -> datetime.date | None:
    """The statutory deadline for entering ``stage`` in ``case`` under ``rules`` (default: the rules
    in force), or None."""
    rule = deadlines.case_rule(rules or reference.deadline_rules(), stage)
    if rule is None:
        return None
    anchor = _stage_day(case, rule.anchor)
    if anchor is None:
        return None
    extension = case.decision_extension_days if stage == CaseStage.DECIDED else 0
    return rule.due(anchor, extension)


def _late_errors(due: datetime.date | None, on: datetime.date, late_reason: str) -> dict[str, list[str]]:
    if due is not None and on > due and not late_reason:
        return {"late_reason": [_("已超过法定期限 %(due)s，请填写逾期理由。") % {"due": due.isoformat()}]}
    return {}


def _enter(actor, case: Case, stage: str, on: datetime.date, *, due, late_reason: str = "", note: str = "") -> None:
    CaseStageEntry.objects.create(case=case, stage=stage, entered_on=on, due_on=due, late_reason=late_reason[:255],
                                  note=note[:255], actor=actor)
    case.stage, case.stage_since = stage, on


def _case_number(division: Division, year: int) -> str:
    prefix = f"{division.code}-{year}-"
    last = Case.objects.filter(number__startswith=prefix).aggregate(last=Max("number"))["last"]
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:05d}"


@transaction.atomic
def open_case(actor, *, source_type: str, source_id="", organization: Organization, title: str,
              discovered_on: datetime.date, site: Site | None = None, instrument: Instrument | None = None,
              late_reason: str = "", on: datetime.date | None = None) -> Case:
    """立案: a case against ``organization`` from a complaint, an inspection, an alert or by hand,
    in the county of the site (else of the organization). Filing after the statutory deadline
    (15 working days from discovery) needs a recorded reason."""
    on = on or timezone.localdate()
    title, late_reason = (title or "").strip(), (late_reason or "").strip()
    errors: dict[str, list[str]] = {}
    filing_rule = deadlines.case_rule(reference.deadline_rules(), CaseStage.FILED)
    if source_type not in CaseSource.values:
        errors["source_type"] = [_("未知的案件来源。")]
    if not title:
        errors["title"] = [_("请填写案由。")]
    if discovered_on is None or discovered_on > on:
        errors["discovered_on"] = [_("发现日期不能晚于立案日期。")]
    else:
        errors |= _late_errors(filing_rule.due(discovered_on), on, late_reason)
    if site is not None and site.organization_id != organization.pk:
        errors["site"] = [_("经营场所不属于当事人。")]
    if instrument is not None and instrument.owner_id != organization.pk:
        errors["instrument"] = [_("计量器具不属于当事人。")]
    complaint = None
    if source_type == CaseSource.COMPLAINT:
        complaint = Complaint.objects.select_for_update().filter(pk=str(source_id)).first() \
            if str(source_id).isdigit() else None
        if complaint is None or complaint.state != ComplaintState.ACCEPTED:
            errors["source_id"] = [_("只有已受理的投诉举报可以立案。")]
    if source_type == CaseSource.ALERT and not Alert.objects.filter(
            pk=str(source_id) if str(source_id).isdigit() else None, state=AlertState.CONFIRMED).exists():
        errors["source_id"] = [_("只有核查属实的预警可以立案。")]
    if errors:
        raise InvalidInput(_("不能立案。"), errors)
    division = _county((site or organization).division)
    case = Case(number=_case_number(division, on.year), title=title[:200], organization=organization, site=site,
                instrument=instrument, division=division, source_type=source_type, source_id=str(source_id or ""),
                officer=actor, discovered_on=discovered_on, filed_on=on, stage=CaseStage.FILED, stage_since=on)
    require(actor, "create", case)
    case.save()
    _enter(actor, case, CaseStage.FILED, on, due=filing_rule.due(discovered_on),
           late_reason=late_reason)
    audit.record(actor, "case.open", case, after=audit.snapshot(case), division=division)
    if complaint is not None:
        transition_complaint(actor, complaint, ComplaintState.REFERRED)
    return case


@transaction.atomic
def advance_case(actor, case: Case, to_stage: str, *, on: datetime.date | None = None, late_reason: str = "",
                 note: str = "", hearing_requested: bool | None = None, extension_days: int | None = None) -> Case:
    """Move a case to its next stage (a skipped stage is refused; 决定 goes through ``decide``).
    At 告知 the party's hearing request is recorded; entering a stage after its deadline needs a reason."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    require(actor, "change", case)
    on = on or timezone.localdate()
    late_reason, note = (late_reason or "").strip(), (note or "").strip()
    if hearing_requested is not None and case.stage == CaseStage.NOTIFIED:
        case.hearing_requested = hearing_requested
    if extension_days is not None:
        case.decision_extension_days = _checked_extension(extension_days)
    expected = next_stage(case)
    if to_stage == CaseStage.DECIDED and expected == CaseStage.DECIDED:
        raise InvalidInput(_("作出处罚决定请使用“作出决定”。"), {"stage": [_("请使用“作出决定”。")]})
    if to_stage != expected:
        raise InvalidInput(_("不能跳过或回退阶段：当前为“%(now)s”，下一阶段应为“%(next)s”。") % {
            "now": case.get_stage_display(), "next": CaseStage(expected).label if expected else _("无")},
            {"stage": [_("不允许的阶段变更。")]})
    errors = _late_errors(stage_due(case, to_stage), on, late_reason)
    if on < case.stage_since:
        errors["on"] = [_("日期不能早于上一阶段的日期 %(d)s。") % {"d": case.stage_since.isoformat()}]
    if errors:
        raise InvalidInput(_("不能进入该阶段。"), errors)
    before = audit.snapshot(case, ["stage", "stage_since", "hearing_requested", "decision_extension_days"])
    _enter(actor, case, to_stage, on, due=stage_due(case, to_stage), late_reason=late_reason, note=note)
    case.save()
    audit.record(actor, f"case.{to_stage}", case, before=before,
                 after=audit.snapshot(case, ["stage", "stage_since", "hearing_requested", "decision_extension_days"])
                 | {"late_reason": late_reason, "note": note}, division=case.division)
    return case


def _checked_extension(days: int) -> int:
    allowed = deadlines.case_rule(reference.deadline_rules(), CaseStage.DECIDED).extension
    if not 0 <= days <= allowed:
        raise InvalidInput(_("决定期限最多延长 %(n)d 日。") % {"n": allowed},
                           {"extension_days": [_("超出可延长的日数。")]})
    return days


def _decision_errors(basis_key: str, warning: bool, confiscation: bool, fine_amount, facts: str) -> dict:
    errors: dict[str, list[str]] = {}
    basis = reference.bases().get(basis_key or "")
    if basis is None:
        errors["basis"] = [_("请选择处罚依据。")]
        return errors
    messages = {
        "penalty": (_("请至少选择一种处罚：警告、没收或罚款。"), "penalty"),
        "warning": (_("该依据不设警告。"), "warning"),
        "confiscation": (_("该依据不设没收。"), "confiscation"),
        "fine_amount": (_("罚款须在 %(min)s 至 %(max)s 元之间。") % {"min": basis.fine_min, "max": basis.fine_max},
                        "fine_amount"),
    }
    for problem in basis.problems(warning=warning, confiscation=confiscation, fine=fine_amount):
        message, field = messages[problem]
        errors[field] = [message]
    if not facts:
        errors["facts"] = [_("请写明违法事实。")]
    return errors


def parse_amount(value) -> Decimal | None:
    """An amount of yuan from a form or a payload; None for nothing, InvalidInput for anything else."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise InvalidInput(_("金额格式不正确。"), {"fine_amount": [_("请填写数字金额。")]}) from None
    return amount


@transaction.atomic
def decide(actor, case: Case, *, basis: str, facts: str, warning: bool = False, confiscation: bool = False,
           fine_amount: Decimal | None = None, seal_broken: bool = False, on: datetime.date | None = None,
           late_reason: str = "") -> Case:
    """决定: the penalty under a legal basis from the data file, within what it allows. It records
    the credit event (case_warning or case_penalty) and, when the instrument's seal was broken,
    takes the instrument out of service until it is verified again."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    require(actor, "change", case)
    on = on or timezone.localdate()
    facts, late_reason = (facts or "").strip(), (late_reason or "").strip()
    if next_stage(case) != CaseStage.DECIDED:
        raise InvalidInput(_("当前阶段“%(now)s”之后不能直接作出决定。") % {"now": case.get_stage_display()},
                           {"stage": [_("不允许的阶段变更。")]})
    errors = _decision_errors(basis, warning, confiscation, fine_amount, facts)
    errors |= _late_errors(stage_due(case, CaseStage.DECIDED), on, late_reason)
    if seal_broken and case.instrument_id is None:
        errors["seal_broken"] = [_("案件未关联计量器具。")]
    if errors:
        raise InvalidInput(_("不能作出决定。"), errors)
    before = audit.snapshot(case)
    case.basis, case.facts, case.warning, case.confiscation = basis, facts, warning, confiscation
    case.fine_amount, case.seal_broken, case.decided_on = fine_amount, seal_broken, on
    _enter(actor, case, CaseStage.DECIDED, on, due=stage_due(case, CaseStage.DECIDED), late_reason=late_reason)
    case.save()
    audit.record(actor, "case.decide", case, before=before, after=audit.snapshot(case), division=case.division)
    record_credit_event(actor, organization=case.organization,
                       kind="case_penalty" if case.is_penalty else "case_warning", occurred_on=on,
                       source_type="case", source_id=str(case.pk), summary=f"{case.number} {case.title}"[:200])
    if seal_broken and case.instrument.status == InstrumentStatus.IN_USE:
        change_instrument_status(actor, case.instrument, status=InstrumentStatus.OUT_OF_SERVICE, effective_on=on,
                                 reason=_("案件 %(n)s：铅封破坏，须重新检定合格后方可使用") % {"n": case.number})
    return case


@transaction.atomic
def add_evidence(actor, case: Case, *, name: str, data: bytes) -> Evidence:
    """One file of the evidence chain; its SHA-256, who and when go on the transparency log."""
    require(actor, "change", case)
    name = (name or "").strip()[:128]
    errors = {}
    if not name:
        errors["name"] = [_("请填写证据名称。")]
    try:
        checked = uploads.check(data, accepted=uploads.EVIDENCE_TYPES, max_bytes=uploads.EVIDENCE_MAX_BYTES)
    except uploads.Refused as refused:
        errors["file"] = [{
            "type": _("证据只接受 PDF、JPEG 或 PNG 文件。"),
            "size": _("证据文件不能超过 %(mb)d MB。") % {"mb": uploads.EVIDENCE_MAX_BYTES // (1024 * 1024)},
            "empty": _("文件是空的。"),
        }[refused.reason]]
    if case.stage == CaseStage.CLOSED:
        errors["case"] = [_("已结案的案件不能再添加证据。")]
    if errors:
        raise InvalidInput(_("不能添加证据。"), errors)
    evidence = Evidence.objects.create(case=case, name=name, content_type=checked.content_type, size=checked.size,
                                       sha256=checked.sha256, data=checked.data, added_by=actor)
    audit.record(actor, "case.evidence", evidence, after=audit.snapshot(evidence, ["case", "name", "sha256", "size"]),
                 division=case.division)
    ledger.append(LEDGER_EVIDENCE, {"id": f"evidence-{evidence.pk}", "case": case.number, "name": name,
                                    "sha256": checked.sha256, "size": checked.size, "added_by": actor.get_username(),
                                    "added_at": evidence.added_at.isoformat()})
    return evidence


@transaction.atomic
def add_party(actor, case: Case, *, name: str, role: str = "", id_number: str = "", address: str = "") -> CaseParty:
    require(actor, "change", case)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("请填写当事人姓名或名称。"), {"name": [_("必填。")]})
    party = CaseParty.objects.create(case=case, name=name[:128], role=(role or "")[:64],
                                     id_number=(id_number or "").strip()[:32], address=(address or "")[:255])
    audit.record(actor, "case.party", party, after=audit.snapshot(party), division=case.division)
    return party


# ---------------------------------------------------------------- publication (行政处罚信息公示)

def penalty_words(case: Case) -> str:
    words = []
    if case.warning:
        words.append(_("警告"))
    if case.confiscation:
        words.append(_("没收违法计量器具和违法所得"))
    if case.fine_amount:
        words.append(_("罚款 %(amount)s 元") % {"amount": case.fine_amount})
    return "；".join(words)


@transaction.atomic
def publish(actor, case: Case, *, on: datetime.date | None = None) -> Publication:
    """Publish a decision with personal data masked; the publication's digest goes on the log."""
    case = Case.objects.select_for_update().select_related("organization").get(pk=case.pk)
    require(actor, "publish", case)
    if case.decided_on is None:
        raise InvalidInput(_("案件尚未作出处罚决定，不能公示。"), {"case": [_("尚未作出决定。")]})
    if Publication.objects.filter(case=case).exists():
        raise Conflict(_("该案件已公示。"), {"case": [_("已公示。")]})
    basis = reference.bases()[case.basis]
    organization = case.organization
    publication = Publication.objects.create(
        case=case, case_number=case.number, party=mask_owner_name(organization.name, organization.uscc),
        uscc=organization.uscc, facts=mask_personal_data(case.facts), basis=basis.citation[:255],
        penalty=penalty_words(case)[:255], authority=_("%(county)s市场监督管理局") % {"county": case.division.name},
        decided_on=case.decided_on, published_on=on or timezone.localdate(), published_by=actor)
    record = audit.snapshot(publication, ["case_number", "party", "uscc", "facts", "basis", "penalty", "authority",
                                          "decided_on", "published_on"])
    audit.record(actor, "case.publish", publication, after=record, division=case.division)
    ledger.append(LEDGER_PUBLICATION, {"id": f"publication-{publication.pk}", **record})
    return publication


# ---------------------------------------------------------------- honest metrology (诚信计量)

@transaction.atomic
def sign_commitment(actor, *, signer_name: str) -> Commitment:
    """An owner signs this year's self-commitment (承诺书) for its organization; feeds credit."""
    signer_name = (signer_name or "").strip()
    commitment = Commitment(organization_id=getattr(actor, "organization_id", None), text_version=COMMITMENT_VERSION,
                            signer_name=signer_name[:64], signed_by=actor if actor.is_authenticated else None,
                            signed_on=timezone.localdate())
    require(actor, "create", commitment)
    if not signer_name:
        raise InvalidInput(_("请填写签署人姓名。"), {"signer_name": [_("必填。")]})
    if Commitment.objects.filter(organization_id=commitment.organization_id, text_version=COMMITMENT_VERSION).exists():
        raise Conflict(_("本单位已签署本年度承诺书。"), {"signer_name": [_("已签署。")]})
    commitment.save()
    organization = commitment.organization
    audit.record(actor, "commitment.sign", commitment, after=audit.snapshot(commitment), division=organization.division)
    record_credit_event(actor, organization=organization, kind="commitment_signed", occurred_on=commitment.signed_on,
                       source_type="commitment", source_id=str(commitment.pk), summary=_("签署诚信计量自我承诺书"))
    return commitment


@transaction.atomic
def nominate_model_unit(actor, *, organization: Organization, year: int, reason: str) -> ModelUnit:
    reason = (reason or "").strip()
    unit = ModelUnit(organization=organization, year=year, reason=reason[:255], nominated_by=actor)
    require(actor, "create", unit)
    errors = {}
    if not reason:
        errors["reason"] = [_("请填写推荐理由。")]
    if not 2000 <= (year or 0) <= timezone.localdate().year + 1:
        errors["year"] = [_("年度不正确。")]
    if errors:
        raise InvalidInput(_("不能推荐。"), errors)
    if ModelUnit.objects.filter(organization=organization, year=year).exists():
        raise Conflict(_("该单位本年度已被推荐。"), {"organization": [_("已推荐。")]})
    unit.save()
    audit.record(actor, "model_unit.nominate", unit, after=audit.snapshot(unit), division=organization.division)
    return unit


@transaction.atomic
def publish_model_unit(actor, unit: ModelUnit) -> ModelUnit:
    unit = ModelUnit.objects.select_for_update().select_related("organization").get(pk=unit.pk)
    require(actor, "publish", unit)
    if unit.state == ModelUnitState.PUBLISHED:
        raise Conflict(_("该示范单位已公布。"), {"state": [_("已公布。")]})
    before = audit.snapshot(unit, ["state", "published_on"])
    unit.state, unit.published_on = ModelUnitState.PUBLISHED, timezone.localdate()
    unit.save()
    audit.record(actor, "model_unit.publish", unit, before=before, after=audit.snapshot(unit, ["state", "published_on"]),
                 division=unit.organization.division)
    record_credit_event(actor, organization=unit.organization, kind="model_unit", occurred_on=unit.published_on,
                       source_type="model_unit", source_id=str(unit.pk),
                       summary=_("%(year)d 年度诚信计量示范单位") % {"year": unit.year})
    return unit



# ---------------------------------------------------------------- editable reference values

MAX_DEADLINE_DAYS = 3650


def _days(value, field: str, low: int, errors: dict) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_DEADLINE_DAYS:
        errors[field] = [_("须为 %(low)d 至 %(high)d 之间的整数日数。") % {"low": low, "high": MAX_DEADLINE_DAYS}]
        return None
    return value


@transaction.atomic
def set_deadline(user, *, group: str, name: str, n, extension=None, note: str = "",
                 version: str | None = None) -> DeadlineSetting:
    """The city regulator sets one statutory deadline's number of days (and of extension days,
    where the rule allows an extension); every deadline computed afterwards uses it. ``version``:
    the token of the values the editor read (``concurrency``); a stale one is refused."""
    default = deadlines.defaults().get(group, {}).get(name)
    row = DeadlineSetting.objects.select_for_update().filter(group=group, name=name).first() \
        or DeadlineSetting(group=group, name=name)
    require(user, "change", row)
    if default is None:
        raise InvalidInput(_("未知的法定期限。"), {"name": [_("未知的法定期限。")]})
    concurrency.refuse_if_stale(reference.deadline_in_force(group, name), version)
    errors: dict[str, list[str]] = {}
    days = _days(n, "n", 1, errors)
    extra = 0
    if extension not in (None, ""):
        extra = _days(extension, "extension", 0, errors)
        if extra and not default.extension:
            errors["extension"] = [_("该期限不可延长。")]
    if len(note or "") > 255:
        errors["note"] = [_("修改说明不能超过 255 个字符。")]
    if errors:
        raise InvalidInput(_("期限设置有误。"), errors)
    current = reference.deadline_rules()[group][name]
    row.n, row.extension, row.note, row.updated_by = days, extra, note or "", user
    _save_first_edit(row)
    reference.forget_deadline_edits()
    audit.record(user, "enforcement.deadline.change", row,
                 before={"n": current.n, "extension": current.extension},
                 after={"n": days, "extension": extra, "note": row.note}, division=user.division)
    return row


def _save_first_edit(row: DeadlineSetting | LegalBasisSetting) -> None:
    """Saves an edit; two first edits of one value at once both found no row to lock, and the
    second one's insert meets the first's: it is refused as stale, not a server error."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise concurrency.Stale(_("保存失败：他人刚刚修改了此项。本次修改未保存，请刷新后重新修改。"),
                                {"version": [_("请刷新后重新修改")]}) from None


BASIS_TEXT_FIELDS = {"title": 255, "law_article": 128, "rules_article": 128, "fine_note": 255, "note": 255}


def _basis_values(basis) -> dict:
    return {"title": basis.title, "law_article": basis.law_article, "rules_article": basis.rules_article,
            "warning": basis.warning, "confiscation": basis.confiscation, "fine_min": str(basis.fine_min),
            "fine_max": str(basis.fine_max), "fine_note": basis.fine_note}


@transaction.atomic
def set_legal_basis(user, *, key: str, title: str, law_article: str, rules_article: str = "", warning: bool,
                    confiscation: bool, fine_min, fine_max, fine_note: str = "", note: str = "",
                    version: str | None = None) -> LegalBasisSetting:
    """The city regulator corrects one legal basis (its articles, the penalties it allows and the
    range of its fine); decisions taken afterwards are checked against it. ``version`` as for
    ``set_deadline``."""
    row = LegalBasisSetting.objects.select_for_update().filter(key=key).first() or LegalBasisSetting(key=key)
    require(user, "change", row)
    if key not in legal_basis.defaults():
        raise InvalidInput(_("未知的处罚依据。"), {"key": [_("未知的处罚依据。")]})
    concurrency.refuse_if_stale(reference.basis_in_force(key), version)
    texts = {"title": title, "law_article": law_article, "rules_article": rules_article, "fine_note": fine_note,
             "note": note}
    texts = {field: (value or "").strip() for field, value in texts.items()}
    errors: dict[str, list[str]] = {}
    for field in ("title", "law_article"):
        if not texts[field]:
            errors[field] = [_("此项不能为空。")]
    for field, limit in BASIS_TEXT_FIELDS.items():
        if len(texts[field]) > limit:
            errors[field] = [_("不能超过 %(n)d 个字符。") % {"n": limit}]
    low, high = (_amount(fine_min, "fine_min", errors), _amount(fine_max, "fine_max", errors))
    if low is not None and high is not None and high < low:
        errors["fine_max"] = [_("罚款上限不能低于下限。")]
    if not (warning or confiscation or (high or 0) > 0):
        errors["penalty"] = [_("至少须允许一种处罚：警告、没收或罚款。")]
    if errors:
        raise InvalidInput(_("处罚依据设置有误。"), errors)
    before = _basis_values(reference.bases()[key])
    row.title, row.law_article, row.rules_article, row.fine_note = (
        texts["title"], texts["law_article"], texts["rules_article"], texts["fine_note"])
    row.warning, row.confiscation, row.fine_min, row.fine_max = bool(warning), bool(confiscation), low, high
    row.note, row.updated_by = texts["note"], user
    _save_first_edit(row)
    audit.record(user, "enforcement.legal_basis.change", row, before=before,
                 after=_basis_values(row) | {"note": row.note}, division=user.division)
    return row


def _amount(value, field: str, errors: dict) -> Decimal | None:
    try:
        amount = parse_amount(value)
    except InvalidInput:
        amount = None
    if amount is None or not amount.is_finite() or not 0 <= amount < Decimal("1e10"):
        errors[field] = [_("请填写不小于 0 的金额（元）。")]
        return None
    return amount
