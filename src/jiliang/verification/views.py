"""Verification pages: institutions, standards, MPE rules, requests, records, certificates, the
traceability chain and suspect impact; all scoped to the signed-in user, all writes via services."""

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.html import format_html_join
from django.utils.translation import pgettext

from jiliang import concurrency
from jiliang.accounts.access import AccessDenied, may, require
from jiliang.accounts.masking import mask_phone
from jiliang.accounts.models import Role, User
from jiliang.errors import DomainError
from jiliang.registry import selectors as registry_selectors
from jiliang.registry.views import object_history
from jiliang.registry.regulations import regulation_references
from jiliang.verification import check_codes, mpe_words, public_check, selectors, services
from jiliang.verification.documents.views import document_actions
from jiliang.verification.forms import (
    AcceptForm,
    AuthorisationForm,
    BulkRequestForm,
    CalibrationForm,
    CertificateFilterForm,
    ChainForm,
    ConfirmForm,
    CorrectionForm,
    DecisionForm,
    InstitutionFilterForm,
    InstitutionForm,
    MpeRuleFilterForm,
    MpeRuleForm,
    PointFormSet,
    QualificationForm,
    ReasonForm,
    RejectForm,
    RequestFilterForm,
    RequestForm,
    StandardForm,
    VerificationForm,
    rule_bounds,
)
from jiliang.verification.models import (
    AnchorKind,
    CalibrationResult,
    Certificate,
    CertificateKind,
    Institution,
    MeasurementStandard,
    MpeRule,
    ProposalStatus,
    Qualification,
    QualificationKind,
    RequestStatus,
    StandardCalibration,
    TrustAnchorProposal,
    Verification,
    certificate_state_on,
    certificate_status_on,
)
from jiliang.verification.public_views import check_url
from jiliang.ui.forms import apply_domain_error
from jiliang.ui.listing import BulkAction, ListColumn, Listing, render_listing, selected_ids

DETAIL = "verification/detail.html"


def _yes_no(value: bool) -> str:
    return _("是") if value else _("否")


@dataclass(frozen=True)
class Cell:
    """A table cell that links somewhere other than the row's first cell does."""

    text: str
    url: str


def _table(title: str, headers: list[str], rows: list[list], links: list[str | None] | None = None,
           testid: str = "") -> dict:
    """A table under a detail page (verification/detail.html); the first cell links when given."""
    links = links or [None] * len(rows)
    return {"title": title, "headers": headers, "rows": list(zip(links, rows, strict=True)), "testid": testid}


def _form_page(request, form, title: str, cancel_url: str):
    return render(request, "ui/form.html", {"form": form, "title": title, "cancel_url": cancel_url})


def _submit(form, write):
    """Run ``write()`` for a valid form; a domain error lands on the form's fields. The result or None."""
    try:
        return write()
    except DomainError as error:
        apply_domain_error(form, error)
        return None


# ---------------------------------------------------------------------------------------------
# Institutions

@login_required
def institution_list(request):
    form = InstitutionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    actions = []
    if may(request.user, "create", Institution()):
        actions.append((_("登记检定机构"), reverse("verification:institution-create")))
    if may(request.user, "approve", TrustAnchorProposal()):
        actions.append((_("信任锚变更复核"), reverse("verification:proposal-list")))
    listing = Listing(
        title=_("检定机构"), export_name="institutions", default_sort="name", filter_form=form, actions=actions,
        detail_url=lambda i: reverse("verification:institution-detail", args=[i.pk]),
        columns=[
            ListColumn(_("机构名称"), lambda i: i.name, "name", link=True),
            ListColumn(_("机构类别"), lambda i: i.get_kind_display(), "kind"),
            ListColumn(_("所在区划"), lambda i: i.division.name if i.division else _("省外")),
            ListColumn(_("统一社会信用代码"), lambda i: i.uscc),
            ListColumn(_("证书编号前缀"), lambda i: i.certificate_prefix),
        ],
    )
    return render_listing(request, listing, selectors.institutions(request.user, text=filters.get("q") or None))


@login_required
def institution_detail(request, pk: int):
    institution = get_object_or_404(selectors.institutions(request.user), pk=pk)
    user = request.user
    actions = []
    if may(user, "change", institution):
        actions.append((_("修改"), reverse("verification:institution-edit", args=[pk])))
    if may(user, "propose", TrustAnchorProposal(institution=institution)):
        actions.append((_("提议新增计量授权"), reverse("verification:authorisation-create", args=[pk])))
        if may(user, "create", _staff_qualification(institution)):
            actions.append((_("提议登记人员资格"), reverse("verification:qualification-create", args=[pk])))
    if may(user, "create", MeasurementStandard(institution=institution)) and services.may_for_institution(
            user, institution):
        actions.append((_("登记计量标准"), reverse("verification:standard-create", args=[pk])))
    fields = [
        (_("机构名称"), institution.name), (_("机构类别"), institution.get_kind_display()),
        (_("统一社会信用代码"), institution.uscc),
        (_("所在区划"), institution.division.name if institution.division else _("省外")),
        (_("地址"), institution.address), (_("证书编号前缀"), institution.certificate_prefix),
    ]
    scopes = selectors.authorisations(user, institution)
    standards = selectors.standards(user, institution_id=pk).prefetch_related("instrument_types")
    people = selectors.qualifications(user, institution_id=pk)
    tables = [
        _table(_("计量授权"), [_("授权证书编号"), _("授权器具种类"), _("授权区域"), _("有效期自"), _("有效期至")],
               [[s.authorisation_no, ", ".join(t.code for t in s.instrument_types.all()),
                 ", ".join(d.name for d in s.divisions.all()), s.valid_from, s.valid_until] for s in scopes],
               testid="authorisations"),
        _table(_("计量标准"), [_("标准名称"), _("考核证书编号"), _("考核证书有效期至"), _("可检器具种类"), _("在用")],
               [[s.name, s.approval_no, s.approval_valid_until, ", ".join(t.code for t in s.instrument_types.all()),
                 _yes_no(s.in_service)] for s in standards],
               [reverse("verification:standard-detail", args=[s.pk]) for s in standards], testid="standards"),
        _table(_("人员资格"), [_("人员"), _("器具种类"), _("资格类别"), _("资格证书编号"), _("有效期至")],
               [[str(q.user), q.instrument_type.name_zh, q.get_kind_display(), q.certificate_no, q.valid_until]
                for q in people], testid="qualifications"),
    ]
    return render(request, DETAIL, {"title": institution.name, "fields": fields, "actions": actions,
                                    "tables": tables, "history": object_history(user, institution)})


@login_required
def institution_create(request):
    require(request.user, "create", Institution())
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        institution = _submit(form, lambda: services.create_institution(request.user, **form.cleaned_data))
        if institution:
            return redirect("verification:institution-detail", pk=institution.pk)
    return _form_page(request, form, _("登记检定机构"), reverse("verification:institution-list"))


@login_required
def institution_edit(request, pk: int):
    institution = get_object_or_404(selectors.institutions(request.user), pk=pk)
    require(request.user, "change", institution)
    form = InstitutionForm(request.POST or None, instance=Institution.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        changes = concurrency.edits(form)
        if _submit(form, lambda: services.update_institution(request.user, institution, **changes)):
            return redirect("verification:institution-detail", pk=pk)
    return _form_page(request, form, _("修改检定机构：%(name)s") % {"name": institution.name},
                      reverse("verification:institution-detail", args=[pk]))


@login_required
def authorisation_create(request, pk: int):
    institution = get_object_or_404(selectors.institutions(request.user), pk=pk)
    require(request.user, "propose", TrustAnchorProposal(institution=institution))
    form = AuthorisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        proposal = _submit(form, lambda: services.propose_authorisation(
            request.user, institution=institution, authorisation_no=data["authorisation_no"],
            issued_by=data["issued_by"], valid_from=data["valid_from"], valid_until=data["valid_until"],
            instrument_types=list(data["instrument_types"]), divisions=list(data["divisions"])))
        if proposal:
            return redirect("verification:proposal-detail", pk=proposal.pk)
    return _form_page(request, form, _("提议新增计量授权：%(name)s") % {"name": institution.name},
                      reverse("verification:institution-detail", args=[pk]))


def _staff_qualification(institution: Institution) -> Qualification:
    """An unsaved qualification of one of the institution's staff: a qualification lies in the
    jurisdiction of its holder's institution, so the city regulator registers them for the
    institutions in the city and not for the national or provincial institutes (their regulators')."""
    return Qualification(user=User(role=Role.INSTITUTION_STAFF, institution=institution))


@login_required
def qualification_create(request, pk: int):
    institution = get_object_or_404(selectors.institutions(request.user), pk=pk)
    require(request.user, "propose", TrustAnchorProposal(institution=institution))
    require(request.user, "create", _staff_qualification(institution))
    form = QualificationForm(request.POST or None, staff=User.objects.filter(institution=institution))
    if request.method == "POST" and form.is_valid():
        proposal = _submit(form, lambda: services.propose_qualification(request.user, **form.cleaned_data))
        if proposal:
            return redirect("verification:proposal-detail", pk=proposal.pk)
    return _form_page(request, form, _("提议登记人员资格：%(name)s") % {"name": institution.name},
                      reverse("verification:institution-detail", args=[pk]))


# ---------------------------------------------------------------------------------------------
# Trust-anchor proposals: one city regulator proposes, another approves or rejects

@login_required
def proposal_list(request):
    listing = Listing(
        title=_("信任锚变更复核"), export_name="trust-anchor-proposals", default_sort="-id",
        detail_url=lambda p: reverse("verification:proposal-detail", args=[p.pk]),
        columns=[
            ListColumn(_("编号"), lambda p: p.pk, "id", link=True),
            ListColumn(_("变更类别"), lambda p: p.get_kind_display(), "kind"),
            ListColumn(_("检定机构"), lambda p: p.institution.name),
            ListColumn(_("状态"), lambda p: p.get_status_display(), "status"),
            ListColumn(_("提议人"), lambda p: str(p.proposed_by)),
            ListColumn(_("提议时间"), lambda p: timezone.localtime(p.proposed_at), "proposed_at"),
        ],
    )
    return render_listing(request, listing, selectors.proposals(request.user))


def _proposal_fields(proposal: TrustAnchorProposal) -> list[tuple]:
    """The proposed values as the regulator reads them: labels, names, Chinese choices."""
    data = proposal.payload
    if proposal.kind == AnchorKind.NATIONAL_ROOT:
        return [(_("计量标准"), proposal.standard.name),
                (_("国家计量基准(溯源终点)"), _yes_no(data["is_national_root"]))]
    if proposal.kind == AnchorKind.AUTHORISATION:
        return [(_("授权证书编号"), data["authorisation_no"]), (_("授权机关"), data["issued_by"]),
                (_("授权器具种类"), ", ".join(data["instrument_types"])), (_("授权区域"), ", ".join(data["divisions"])),
                (_("有效期自"), data["valid_from"]), (_("有效期至"), data["valid_until"])]
    person = User.objects.filter(pk=data["user_id"]).first()
    return [(_("人员"), str(person) if person else "—"), (_("器具种类"), data["instrument_type"]),
            (_("资格类别"), dict(QualificationKind.choices).get(data["kind"], data["kind"])),
            (_("资格证书编号"), data["certificate_no"]), (_("有效期自"), data["valid_from"]),
            (_("有效期至"), data["valid_until"])]


@login_required
def proposal_detail(request, pk: int):
    proposal = get_object_or_404(selectors.proposals(request.user), pk=pk)
    actions = []
    if (proposal.status == ProposalStatus.PROPOSED and proposal.proposed_by_id != request.user.pk
            and may(request.user, "approve", proposal)):
        actions = [(_("批准"), reverse("verification:proposal-approve", args=[pk])),
                   (_("驳回"), reverse("verification:proposal-reject", args=[pk]))]
    fields = [
        (_("变更类别"), proposal.get_kind_display()), (_("检定机构"), proposal.institution.name),
        *_proposal_fields(proposal),
        (_("状态"), proposal.get_status_display()), (_("提议人"), str(proposal.proposed_by)),
        (_("提议时间"), timezone.localtime(proposal.proposed_at)),
        (_("复核人"), str(proposal.decided_by) if proposal.decided_by else "—"),
        (_("复核时间"), timezone.localtime(proposal.decided_at) if proposal.decided_at else "—"),
        (_("复核意见"), proposal.decision_note),
    ]
    return render(request, DETAIL, {"title": _("信任锚变更 #%(id)s") % {"id": pk}, "fields": fields,
                                    "actions": actions, "tables": [], "history": object_history(request.user, proposal)})


def _decide(request, pk: int, action: str, title: str, write):
    proposal = get_object_or_404(selectors.proposals(request.user), pk=pk)
    require(request.user, action, proposal)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _submit(form, lambda: write(proposal, form.cleaned_data["note"])):
            return redirect("verification:proposal-detail", pk=pk)
    return _form_page(request, form, title % {"id": pk}, reverse("verification:proposal-detail", args=[pk]))


@login_required
def proposal_approve(request, pk: int):
    return _decide(request, pk, "approve", _("批准信任锚变更 #%(id)s"),
                   lambda p, note: services.approve_proposal(request.user, p, note))


@login_required
def proposal_reject(request, pk: int):
    return _decide(request, pk, "reject", _("驳回信任锚变更 #%(id)s"),
                   lambda p, note: services.reject_proposal(request.user, p, note))


@login_required
def root_proposal(request, pk: int):
    """Propose to flip a standard's national-root mark; another city regulator decides."""
    standard = get_object_or_404(selectors.standards(request.user), pk=pk)
    require(request.user, "propose", TrustAnchorProposal(institution=standard.institution))
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        proposal = _submit(form, lambda: services.propose_national_root(
            request.user, standard, not standard.is_national_root))
        if proposal:
            return redirect("verification:proposal-detail", pk=proposal.pk)
    title = _("提议取消国家计量基准：%(name)s") if standard.is_national_root else _("提议设为国家计量基准：%(name)s")
    return _form_page(request, form, title % {"name": standard.name},
                      reverse("verification:standard-detail", args=[pk]))


# ---------------------------------------------------------------------------------------------
# Standards, their calibrations, suspect impact

@login_required
def standard_list(request):
    listing = Listing(
        title=_("计量标准"), export_name="standards", default_sort="name",
        detail_url=lambda s: reverse("verification:standard-detail", args=[s.pk]),
        columns=[
            ListColumn(_("标准名称"), lambda s: s.name, "name", link=True),
            ListColumn(_("所属机构"), lambda s: s.institution.name),
            ListColumn(_("考核证书编号"), lambda s: s.approval_no),
            ListColumn(_("考核证书有效期至"), lambda s: s.approval_valid_until, "approval_valid_until"),
            ListColumn(_("准确度等级或不确定度"), lambda s: s.accuracy),
            ListColumn(_("社会公用计量标准"), lambda s: _yes_no(s.is_public)),
            ListColumn(_("国家计量基准(溯源终点)"), lambda s: _yes_no(s.is_national_root)),
            ListColumn(_("在用"), lambda s: _yes_no(s.in_service)),
        ],
    )
    return render_listing(request, listing, selectors.standards(request.user))


@login_required
def standard_detail(request, pk: int):
    standard = get_object_or_404(selectors.standards(request.user), pk=pk)
    user = request.user
    actions = []
    if may(user, "change", standard) and services.may_for_institution(user, standard.institution):
        actions.append((_("修改"), reverse("verification:standard-edit", args=[pk])))
        if not standard.is_national_root:
            actions.append((_("登记校准证书"), reverse("verification:calibration-create", args=[pk])))
            actions.append((_("导入 DCC 校准证书"), reverse("verification:calibration-import-dcc", args=[pk])))
    if may(user, "propose", TrustAnchorProposal(institution=standard.institution)):
        label = _("提议取消国家计量基准") if standard.is_national_root else _("提议设为国家计量基准")
        actions.append((label, reverse("verification:root-proposal", args=[pk])))
    fields = [
        (_("标准名称"), standard.name), (_("所属机构"), standard.institution.name),
        (_("计量标准考核证书编号"), standard.approval_no), (_("考核证书有效期至"), standard.approval_valid_until),
        (_("可检器具种类"), ", ".join(t.name_zh for t in standard.instrument_types.all())),
        (_("测量范围"), standard.measuring_range), (_("准确度等级或不确定度"), standard.accuracy),
        (_("社会公用计量标准"), _yes_no(standard.is_public)),
        (_("国家计量基准(溯源终点)"), _yes_no(standard.is_national_root)), (_("在用"), _yes_no(standard.in_service)),
    ]
    calibrations = list(selectors.calibrations(user, standard))
    rows, links = [], []
    for c in calibrations:
        suspect = c.result == CalibrationResult.OUT_OF_TOLERANCE
        rows.append([c.certificate_no, c.calibrating_institution.name,
                     c.reference_standard.name if c.reference_standard else "—", c.calibrated_on, c.valid_until,
                     c.get_result_display() + (" · " + _("查看可疑证书") if suspect else "")])
        links.append(reverse("verification:suspect-impact", args=[c.pk]) if suspect else None)
    tables = [_table(_("校准证书"), [_("校准证书编号"), _("校准机构"), _("上级计量标准"), _("校准日期"), _("有效期至"),
                                  _("校准结论")], rows, links, testid="calibrations")]
    return render(request, DETAIL, {"title": standard.name, "fields": fields, "actions": actions, "tables": tables,
                                    "history": object_history(user, standard)})


@login_required
def standard_create(request, pk: int):
    institution = get_object_or_404(selectors.institutions(request.user), pk=pk)
    services.require_for_institution(request.user, "create", MeasurementStandard(institution=institution), institution)
    form = StandardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        types = list(data.pop("instrument_types"))
        standard = _submit(form, lambda: services.create_standard(request.user, institution=institution,
                                                                  instrument_types=types, **data))
        if standard:
            return redirect("verification:standard-detail", pk=standard.pk)
    return _form_page(request, form, _("登记计量标准：%(name)s") % {"name": institution.name},
                      reverse("verification:institution-detail", args=[pk]))


@login_required
def standard_edit(request, pk: int):
    standard = get_object_or_404(selectors.standards(request.user), pk=pk)
    services.require_for_institution(request.user, "change", standard, standard.institution)
    form = StandardForm(request.POST or None, instance=MeasurementStandard.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        changes = concurrency.edits(form)
        types = changes.pop("instrument_types", None)
        if _submit(form, lambda: services.update_standard(
                request.user, standard, instrument_types=list(types) if types is not None else None, **changes)):
            return redirect("verification:standard-detail", pk=pk)
    return _form_page(request, form, _("修改计量标准：%(name)s") % {"name": standard.name},
                      reverse("verification:standard-detail", args=[pk]))


@login_required
def calibration_create(request, pk: int):
    standard = get_object_or_404(selectors.standards(request.user), pk=pk)
    services.require_for_institution(request.user, "create", StandardCalibration(standard=standard),
                                     standard.institution)
    form = CalibrationForm(request.POST or None)
    form.fields["reference_standard"].queryset = selectors.standards(request.user).exclude(pk=pk)
    if request.method == "POST" and form.is_valid():
        if _submit(form, lambda: services.record_standard_calibration(request.user, standard=standard,
                                                                      **form.cleaned_data)):
            return redirect("verification:standard-detail", pk=pk)
    return _form_page(request, form, _("登记校准证书：%(name)s") % {"name": standard.name},
                      reverse("verification:standard-detail", args=[pk]))


@login_required
def suspect_impact(request, pk: int):
    """Every certificate issued with a standard found out of tolerance since its last good calibration."""
    calibration = get_object_or_404(selectors.all_calibrations(request.user), pk=pk)
    if calibration.result != CalibrationResult.OUT_OF_TOLERANCE:
        raise Http404
    window = selectors.suspect_window(calibration)
    listing = Listing(
        title=_("可疑证书：%(name)s 自 %(since)s 至 %(until)s") % {
            "name": calibration.standard.name, "since": window.since or _("首次使用"), "until": window.until},
        export_name="suspect-certificates", default_sort="performed_on",
        detail_url=lambda row: reverse("verification:certificate-detail", args=[row["id"]]),
        columns=_certificate_columns(itemgetter) + [  # rows: selectors.SUSPECT_COLUMNS dicts
            ListColumn(_("安装场所"), itemgetter("instrument__site__name")),
            ListColumn(_("使用单位联系人"), itemgetter("owner__contact_name")),
            ListColumn(_("联系电话"), lambda row: mask_phone(row["owner__contact_phone"])),
        ],
    )
    return render_listing(request, listing, selectors.suspect_certificates(request.user, window))


# ---------------------------------------------------------------------------------------------
# MPE rules

@login_required
def mpe_rule_list(request):
    form = MpeRuleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    instrument_type = filters.get("type")
    actions = []
    if may(request.user, "create", MpeRule()):
        actions.append((_("新增规则"), reverse("verification:mpe-rule-create")))
    # Verification intervals are the catalogue's (edited there, audited and logged).
    actions.append((_("检定周期(器具目录)"), reverse("registry:instrument-type-list")))
    listing = Listing(
        title=_("最大允许误差规则"), export_name="mpe-rules", default_sort="key", filter_form=form, actions=actions,
        detail_url=lambda r: reverse("verification:mpe-rule-detail", args=[r.pk]),
        columns=[
            ListColumn(_("规则编号"), lambda r: r.key, "key", link=True),
            ListColumn(_("适用器具种类"), lambda r: ", ".join(t.code for t in r.instrument_types.all())),
            ListColumn(_("检定规程"), lambda r: regulation_references(r.regulation)),
            ListColumn(_("条款"), lambda r: mpe_words.clause_zh(r.clause)),
            ListColumn(_("准确度等级"), lambda r: r.accuracy_class),
            ListColumn(_("检定项目"), lambda r: mpe_words.quantity_zh(r.quantity)),
            ListColumn(_("适用范围或条件"), lambda r: mpe_words.condition_zh(r.condition)),
            ListColumn(_("适用检定类别"), lambda r: r.get_verification_kind_display()),
            ListColumn(_("下限"), lambda r: r.lower),
            ListColumn(_("上限"), lambda r: r.upper),
            ListColumn(_("单位"), lambda r: mpe_words.unit_zh(r.unit)),
            ListColumn(_("可信度"), lambda r: mpe_words.confidence_zh(r.confidence)),
            ListColumn(_("状态"), _rule_state_label, status=_rule_state),
        ],
    )
    queryset = selectors.mpe_rules(request.user, type_code=instrument_type.code if instrument_type else None)
    return render_listing(request, listing, queryset)


def _rule_state(rule: MpeRule) -> str:
    if rule.retired_at is not None:
        return "retired"
    return "active" if rule.active else "inactive"


def _rule_state_label(rule: MpeRule) -> str:
    return {"retired": _("已废止"), "active": _("现行有效"), "inactive": _("停用")}[_rule_state(rule)]


def _source(text: str):
    """A rule's source: its web addresses as links (资料 1, 资料 2 …), else the text as typed."""
    addresses = mpe_words.source_addresses(text)
    if not addresses:
        return text
    return format_html_join("；", '<a href="{}" rel="noopener noreferrer">{}</a>',
                            ((url, _("资料 %(n)s") % {"n": n}) for n, url in enumerate(addresses, start=1)))


@login_required
def mpe_rule_detail(request, pk: int):
    rule = get_object_or_404(selectors.mpe_rules(request.user), pk=pk)
    actions = []
    if rule.retired_at is None and may(request.user, "change", rule):
        actions.append((_("修改"), reverse("verification:mpe-rule-edit", args=[pk])))
    if rule.retired_at is None and may(request.user, "retire", rule):
        actions.append((_("废止"), reverse("verification:mpe-rule-retire", args=[pk])))
    fields = [
        (_("规则编号"), rule.key),
        (_("适用器具种类"), "、".join(f"{t.code} {t.name_zh}" for t in rule.instrument_types.all())),
        (_("检定规程"), regulation_references(rule.regulation)), (_("条款"), mpe_words.clause_zh(rule.clause)),
        (_("准确度等级"), rule.accuracy_class or _("不分等级")),
        (_("适用检定类别"), rule.get_verification_kind_display()),
        (_("检定项目"), mpe_words.quantity_zh(rule.quantity)),
        (_("适用范围或条件"), mpe_words.condition_zh(rule.condition)),
        (_("误差表示"), rule.get_error_basis_display()),
        (_("最大允许误差"), f"{rule.lower} … {rule.upper} {mpe_words.unit_zh(rule.unit)}"
         if rule.lower is not None else _("未填写")),
        (_("来源"), _source(rule.source)), (_("可信度"), mpe_words.confidence_zh(rule.confidence)),
        (_("废止原因"), rule.retirement_reason),
    ]
    return render(request, DETAIL, {"title": _("最大允许误差规则 %(key)s") % {"key": rule.key}, "fields": fields,
                                    "status": (_rule_state(rule), _rule_state_label(rule)), "actions": actions,
                                    "tables": [], "history": object_history(request.user, rule)})


@login_required
def mpe_rule_create(request):
    require(request.user, "create", MpeRule())
    form = MpeRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name != "version"}
        rule = _submit(form, lambda: services.create_mpe_rule(request.user, **data))
        if rule:
            return redirect("verification:mpe-rule-detail", pk=rule.pk)
    return _form_page(request, form, _("新增最大允许误差规则"), reverse("verification:mpe-rule-list"))


@login_required
def mpe_rule_edit(request, pk: int):
    rule = get_object_or_404(selectors.mpe_rules(request.user), pk=pk)
    require(request.user, "change", rule)
    form = MpeRuleForm(request.POST or None, instance=MpeRule.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        changes = concurrency.edits(form)
        if _submit(form, lambda: services.update_mpe_rule(request.user, rule, **changes)):
            return redirect("verification:mpe-rule-detail", pk=pk)
    return _form_page(request, form, _("修改最大允许误差规则：%(key)s") % {"key": rule.key},
                      reverse("verification:mpe-rule-detail", args=[pk]))


@login_required
def mpe_rule_retire(request, pk: int):
    rule = get_object_or_404(selectors.mpe_rules(request.user), pk=pk)
    require(request.user, "retire", rule)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _submit(form, lambda: services.retire_mpe_rule(request.user, rule, reason=form.cleaned_data["reason"])):
            return redirect("verification:mpe-rule-detail", pk=pk)
    return _form_page(request, form, _("废止最大允许误差规则：%(key)s") % {"key": rule.key},
                      reverse("verification:mpe-rule-detail", args=[pk]))


# ---------------------------------------------------------------------------------------------
# Verification requests

@login_required
def request_list(request):
    form = RequestFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    actions = []
    if request.user.role == Role.OWNER:
        actions.append((_("报检"), reverse("verification:request-create")))
    bulk = []
    if request.user.role == Role.INSTITUTION_STAFF:
        bulk.append(BulkAction(_("受理所选申请"), reverse("verification:request-accept-many"), "bulk-accept"))
    listing = Listing(
        title=_("报检申请"), export_name="verification-requests", default_sort="-id", filter_form=form,
        actions=actions, detail_url=lambda r: reverse("verification:request-detail", args=[r.pk]), bulk_actions=bulk,
        columns=[
            ListColumn(_("编号"), lambda r: r.pk, "id", link=True),
            ListColumn(_("使用单位"), lambda r: r.owner.name),
            ListColumn(_("检定机构"), lambda r: r.institution.name),
            ListColumn(_("状态"), lambda r: r.get_status_display(), "status", status=lambda r: r.status),
            ListColumn(_("希望检定日期"), lambda r: r.preferred_date),
            ListColumn(_("安排检定日期"), lambda r: r.scheduled_for),
            ListColumn(_("报检时间"), lambda r: timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M")),
        ],
    )
    return render_listing(request, listing, selectors.requests(request.user, status=filters.get("status") or None))


@login_required
def request_detail(request, pk: int):
    verification_request = get_object_or_404(selectors.requests(request.user), pk=pk)
    user = request.user
    actions = [(label, reverse(url_name, args=[pk])) for action, label, url_name in (
        ("accept", _("受理并安排"), "verification:request-accept"),
        ("reject", pgettext("button", "不予受理"), "verification:request-reject"),
        ("cancel", _("撤回"), "verification:request-cancel"),
    ) if services.may_step(user, action, verification_request)]
    fields = [
        (_("使用单位"), verification_request.owner.name), (_("检定机构"), verification_request.institution.name),
        (_("状态"), verification_request.get_status_display()),
        (_("希望检定日期"), verification_request.preferred_date),
        (_("安排检定日期"), verification_request.scheduled_for), (_("报检说明"), verification_request.note),
        (_("机构答复"), verification_request.response),
    ]
    records = list(selectors.verifications(user).filter(request=verification_request).order_by("id"))
    recorded = {r.instrument_id for r in records}
    instruments = verification_request.instruments.select_related("type", "site")
    record_url = reverse("verification:verification-create")
    may_record = verification_request.status == RequestStatus.ACCEPTED and may(
        user, "create", Verification(institution=verification_request.institution))
    tables = [
        _table(
            _("报检器具"), [_("公开码"), _("器具种类"), _("出厂编号"), _("安装场所"), _("检定情况")],
            [[i.public_code, i.type.name_zh, i.serial_no, i.site.name,
              _("已检定") if i.pk in recorded else (_("待录入检定记录") if may_record else "—")] for i in instruments],
            [f"{record_url}?instrument={i.public_code}&request={pk}" if may_record and i.pk not in recorded
             else reverse("registry:instrument-detail", args=[i.pk]) for i in instruments],
            testid="request-instruments",
        ),
        _table(
            _("检定记录与证书"), [_("证书编号"), _("证书类别"), _("证书状态"), _("器具公开码"), _("检定日期"), _("结论"),
                             _("检定记录")],
            [[r.certificate.number, r.certificate.get_kind_display(), r.certificate.get_status_display(),
              r.instrument.public_code, r.performed_on, r.get_conclusion_display(),
              Cell(_("检定记录 #%(id)s") % {"id": r.pk}, reverse("verification:verification-detail", args=[r.pk]))]
             for r in records],
            [reverse("verification:certificate-detail", args=[r.certificate.pk]) for r in records],
            testid="request-certificates",
        ),
    ]
    return render(request, DETAIL, {"title": _("报检申请 #%(id)s") % {"id": pk}, "fields": fields, "actions": actions,
                                    "status": (verification_request.status, verification_request.get_status_display()),
                                    "tables": tables, "history": object_history(user, verification_request)})


@login_required
def request_create(request):
    user = request.user
    if user.role != Role.OWNER or user.organization is None:
        raise AccessDenied(_("只有使用单位人员可以报检。"))
    initial = {"instrument_codes": request.GET.get("instrument", "")[:32]}
    form = RequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        instruments = list(registry_selectors.instruments(user).filter(public_code__in=data["instrument_codes"]))
        unknown = sorted(set(data["instrument_codes"]) - {i.public_code for i in instruments})
        if unknown:
            form.add_error("instrument_codes", _("未找到这些器具：%(codes)s") % {"codes": ", ".join(unknown)})
        else:
            created = _submit(form, lambda: services.submit_request(
                user, owner=user.organization, institution=data["institution"], instruments=instruments,
                preferred_date=data["preferred_date"], note=data["note"]))
            if created:
                return redirect("verification:request-detail", pk=created.pk)
    return _form_page(request, form, _("报检"), reverse("verification:request-list"))


def _refusal(form, error: DomainError) -> dict[str, list[str]]:
    """A bulk write's refusal on its page: the message above, the form's own fields on them; the
    rows' problems ("instruments.<code>", "requests.<id>") are returned for their rows."""
    form.add_error(None, error.message)
    for name, problems in error.fields.items():
        for problem in problems if name in form.fields else ():
            form.add_error(name, problem)
    return error.fields


@dataclass(frozen=True)
class BulkPage:
    """How a bulk action's confirmation page shows its ticked rows."""

    title: str
    submit: str
    headers: list[str]
    cells: Callable[[object], list]
    url: Callable[[object], str]
    problem_key: Callable[[object], str]  # where a refusal names the row ("instruments.<code>")
    empty: str


def _bulk_write(request, page: BulkPage, ids: list[int], chosen: list, form, write):
    """The confirmation page of a bulk action: the ticked rows and the form. A valid confirmation with
    every ticked row found runs ``write(cleaned_data)`` (one service call) and returns its response;
    a refusal shows on the form and on each row it names."""
    problems: dict[str, list[str]] = {}
    if len(chosen) < len(ids):
        form.add_error(None, _("%(n)d 条所选记录不存在或不在您的权限范围内，已略去。") % {"n": len(ids) - len(chosen)})
    elif form.is_bound and form.is_valid():
        try:
            return write(form.cleaned_data)
        except DomainError as error:
            problems = _refusal(form, error)
    rows = [{"key": row.pk, "cells": page.cells(row), "url": page.url(row),
             "problems": problems.get(page.problem_key(row), [])} for row in chosen]
    return render(request, "verification/bulk_form.html", {
        "page": page, "form": form, "rows": rows, "problems": any(row["problems"] for row in rows),
        "cancel_url": reverse("verification:request-list"),
    })


@login_required
def request_create_many(request):
    """An owner requests verification of the instruments ticked on a list: one request to the
    institution it chooses; every instrument that institution cannot take is named on its row."""
    user = request.user
    if user.role != Role.OWNER or user.organization is None:
        raise AccessDenied(_("只有使用单位人员可以报检。"))
    ids = selected_ids(request)
    chosen = list(registry_selectors.instruments(user).filter(pk__in=ids).select_related("type", "site")
                  .order_by("pk"))

    def write(data):
        created = services.submit_request(user, owner=user.organization, instruments=chosen, **data)
        return redirect("verification:request-detail", pk=created.pk)

    page = BulkPage(
        title=_("报检所选器具"), submit=_("提交报检"), headers=[_("公开码"), _("器具种类"), _("出厂编号"), _("安装场所")],
        cells=lambda i: [i.public_code, i.type.name_zh, i.serial_no, i.site.name],
        url=lambda i: reverse("registry:instrument-detail", args=[i.pk]),
        problem_key=lambda i: f"instruments.{i.public_code}", empty=_("没有选择器具，请回到列表勾选。"),
    )
    form = BulkRequestForm(request.POST if "institution" in request.POST else None)
    return _bulk_write(request, page, ids, chosen, form, write)


@login_required
def request_accept_many(request):
    """The institution accepts the requests ticked on its list for one date (all or none)."""
    user = request.user
    if user.role != Role.INSTITUTION_STAFF or user.institution_id is None:
        raise AccessDenied(_("只有检定机构人员可以受理报检申请。"))
    ids = selected_ids(request)
    chosen = list(selectors.requests(user).filter(pk__in=ids).order_by("pk"))

    def write(data):
        services.accept_requests(user, chosen, **data)
        messages.success(request, _("已受理 %(n)d 条报检申请。") % {"n": len(chosen)})
        return redirect(reverse("verification:request-list") + "?status=accepted")

    page = BulkPage(
        title=_("受理所选报检申请"), submit=_("受理并安排"), headers=[_("编号"), _("使用单位"), _("状态"), _("希望检定日期")],
        cells=lambda r: [r.pk, r.owner.name, r.get_status_display(), r.preferred_date],
        url=lambda r: reverse("verification:request-detail", args=[r.pk]),
        problem_key=lambda r: f"requests.{r.pk}", empty=_("没有选择报检申请，请回到列表勾选。"),
    )
    form = AcceptForm(request.POST if "scheduled_for" in request.POST else None)
    return _bulk_write(request, page, ids, chosen, form, write)


def _request_action(request, pk: int, action: str, form_class, title: str, write):
    verification_request = get_object_or_404(selectors.requests(request.user), pk=pk)
    require(request.user, action, verification_request)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _submit(form, lambda: write(verification_request, form.cleaned_data)):
            return redirect("verification:request-detail", pk=pk)
    return _form_page(request, form, title % {"id": pk}, reverse("verification:request-detail", args=[pk]))


@login_required
def request_accept(request, pk: int):
    return _request_action(request, pk, "accept", AcceptForm, _("受理报检申请 #%(id)s"),
                           lambda r, data: services.accept_request(request.user, r, **data))


@login_required
def request_reject(request, pk: int):
    return _request_action(request, pk, "reject", RejectForm, _("不予受理报检申请 #%(id)s"),
                           lambda r, data: services.reject_request(request.user, r, **data))


@login_required
def request_cancel(request, pk: int):
    return _request_action(request, pk, "cancel", ConfirmForm, _("撤回报检申请 #%(id)s"),
                           lambda r, data: services.cancel_request(request.user, r))


# ---------------------------------------------------------------------------------------------
# Verification records and certificates

def _attribute(path: str):
    """The value at a lookup path ("instrument__public_code") of a model instance."""

    def value(row):
        for step in path.split("__"):
            row = getattr(row, step)
        return row
    return value


def _certificate_columns(column=_attribute) -> list[ListColumn]:
    """A certificate's columns; ``column(path)`` reads a lookup path from a row (an instance by
    default, ``itemgetter`` for the values() rows of the suspect list)."""
    kind, status, valid_until = column("kind"), column("status"), column("valid_until")
    today = timezone.localdate()
    # Each kind's label translated once, not once per row of a 55,000-row export.
    kinds = {value: str(label) for value, label in CertificateKind.choices}
    return [
        ListColumn(_("证书编号"), column("number"), "number", link=True),
        ListColumn(_("证书类别"), lambda row: kinds[kind(row)], "kind"),
        ListColumn(_("状态"), lambda row: certificate_status_on(status(row), kind(row), valid_until(row), today),
                   "status", status=lambda row: certificate_state_on(status(row), kind(row), valid_until(row), today)),
        ListColumn(_("检定日期"), column("performed_on"), "performed_on"),
        ListColumn(_("有效期至"), column("valid_until"), "valid_until"),
        ListColumn(_("器具公开码"), column("instrument__public_code")),
        ListColumn(_("器具种类"), column("instrument_type__name_zh")),
        ListColumn(_("出厂编号"), column("instrument__serial_no")),
        ListColumn(_("使用单位"), column("owner__name")),
        ListColumn(_("所在区划"), column("division__name")),
        ListColumn(_("检定机构"), column("institution__name")),
    ]


@login_required
def certificate_list(request):
    form = CertificateFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    actions = []
    if request.user.role == Role.INSTITUTION_STAFF:
        actions.append((_("录入检定记录"), reverse("verification:verification-create")))
    actions.append((_("按期间打包下载"), reverse("verification:certificate-archive")))
    listing = Listing(
        title=_("检定证书"), export_name="certificates", default_sort="-performed_on", filter_form=form,
        actions=actions, detail_url=lambda row: reverse("verification:certificate-detail", args=[row["id"]]),
        columns=_certificate_columns(itemgetter),
    )
    queryset = selectors.certificates(request.user, number=filters.get("number") or None,
                                      kind=filters.get("kind") or None, status=filters.get("status") or None)
    # Plain values, as the recall list reads them: an export of 55,000 rows builds no model instances.
    return render_listing(request, listing, queryset.values(*selectors.CERTIFICATE_LIST_COLUMNS))


@login_required
def certificate_detail(request, pk: int):
    certificate = get_object_or_404(selectors.certificates(request.user), pk=pk)
    user = request.user
    verification = certificate.verification
    actions = [(_("检定记录"), reverse("verification:verification-detail", args=[verification.pk])),
               (_("溯源链"), reverse("verification:chain", args=[certificate.instrument_id])
                + f"?on={certificate.performed_on:%Y-%m-%d}")] + document_actions(certificate)
    if certificate.status == "issued":
        if may(user, "supersede", certificate):
            actions.append((_("更正(签发替代证书)"), reverse("verification:certificate-supersede", args=[pk])))
        if may(user, "revoke", certificate):
            actions.append((_("撤销"), reverse("verification:certificate-revoke", args=[pk])))
    replacement = Certificate.objects.filter(supersedes=certificate).only("number").first()
    fields = [
        (_("证书编号"), certificate.number), (_("证书类别"), certificate.get_kind_display()),
        (_("状态"), certificate.status_on(timezone.localdate())), (_("检定机构"), certificate.institution.name),
        (_("器具"), f"{certificate.instrument_type.name_zh} {certificate.instrument.serial_no} "
                   f"({certificate.instrument.public_code})"),
        (_("使用单位"), certificate.owner.name), (_("检定日期"), certificate.performed_on),
        (_("签发日期"), certificate.issued_on), (_("有效期至"), certificate.valid_until or "—"),
        (_("结论"), verification.get_conclusion_display()
         + (" · " + _("结论处于限值的 U 范围内") if verification.near_limit else "")),
        (_("判定规则"), verification.get_decision_rule_display()),
        (_("更正的原证书"), certificate.supersedes.number if certificate.supersedes else "—"),
        (_("更正原因"), certificate.correction_reason),
        (_("被以下证书替代"), replacement.number if replacement else "—"),
        (_("撤销原因"), certificate.revocation_reason),
        (_("查验码(公众凭证书编号和查验码查询真伪)"), check_codes.grouped(public_check.code_of(certificate.number))),
    ]
    actions.append((_("公开查验页面"), check_url(certificate.number, public_check.code_of(certificate.number))))
    return render(request, DETAIL, {"title": _("证书 %(no)s") % {"no": certificate.number}, "fields": fields,
                                    "status": (certificate.state_on(timezone.localdate()),
                                               certificate.status_on(timezone.localdate())),
                                    "actions": actions, "tables": [],
                                    "history": object_history(user, certificate)})


@login_required
def certificate_revoke(request, pk: int):
    certificate = get_object_or_404(selectors.certificates(request.user), pk=pk)
    require(request.user, "revoke", certificate)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _submit(form, lambda: services.revoke(request.user, certificate, form.cleaned_data["reason"])):
            return redirect("verification:certificate-detail", pk=pk)
    return _form_page(request, form, _("撤销证书 %(no)s") % {"no": certificate.number},
                      reverse("verification:certificate-detail", args=[pk]))


def _staff_choices(user):
    institution = user.institution
    if user.role != Role.INSTITUTION_STAFF or institution is None:
        raise AccessDenied(_("只有检定机构人员可以录入检定记录。"))
    standards = selectors.standards(user, institution_id=institution.pk).filter(in_service=True)
    return institution, User.objects.filter(institution=institution, is_active=True), standards


def _input_from_form(user, form, data, points, request_id: str | None = None) -> services.VerificationInput | None:
    """The form's values and its rows of test points as a service input; an unknown instrument code
    is a form error."""
    instrument = registry_selectors.instruments(user).filter(public_code=data["instrument_code"].strip()).first()
    if instrument is None:
        form.add_error("instrument_code", _("未找到该器具。"))
        return None
    request_row = None
    if request_id and request_id.isdigit() and len(request_id) < 19:
        request_row = selectors.requests(user).filter(pk=int(request_id)).first()
    return services.VerificationInput(
        instrument=instrument, kind=data["kind"], performed_on=data["performed_on"], verifier=data["verifier"],
        checker=data["checker"], standards=tuple(data["standards"]),
        points=tuple(services.PointInput(
            expanded_uncertainty=p["expanded_uncertainty"], coverage_factor=p["coverage_factor"],
            mpe_rule=p["mpe_rule"], nominal=p["nominal"], indicated=p["indicated"], error=p["error"],
            unit=p["unit"].strip()) for p in points.cleaned_data),
        decision_rule=data["decision_rule"], accuracy_class=data["accuracy_class"],
        scale_interval=data["scale_interval"], k_factor=data["k_factor"], temperature_c=data["temperature_c"],
        humidity_pct=data["humidity_pct"], environment_note=data["environment_note"], remarks=data["remarks"],
        request=request_row,
    )


def _record_submit(form, points, write):
    """``_submit`` for the record form: a problem of a test point ("points.2", "points.2.unit")
    lands on that row of the table, under its field when it names one."""
    try:
        return write()
    except DomainError as error:
        others = {}
        for name, problems in error.fields.items():
            head, _dot, rest = name.partition(".")
            position, _dot, field_name = rest.partition(".")
            if head == "points" and position.isdigit() and 0 < int(position) <= len(points.forms):
                row = points.forms[int(position) - 1]
                for problem in problems:
                    row.add_error(field_name if field_name in row.fields else None, problem)
            else:
                others[name] = problems
        apply_domain_error(form, type(error)(error.message, others))
        return None


def _point_words() -> dict[str, str]:
    """The words the record form's script shows beside each test point, in the page's language."""
    return {"pass": _("合格"), "fail": _("不合格"), "error": _("误差"), "calibration": _("校准(不判定)"),
            "unknown_rule": _("规则未启用或未填写允许误差"), "on_save": _("保存时判定"),
            "u_too_large": _("U 超过允许误差的三分之一，须用保护带接受规则")}


def _record_page(request, form, points, title: str, cancel_url: str):
    return render(request, "verification/record_form.html", {
        "form": form, "points": points, "title": title, "cancel_url": cancel_url, "rule_bounds": rule_bounds(),
        "point_words": _point_words()})


@login_required
def verification_create(request):
    institution, staff, standards = _staff_choices(request.user)
    # ?instrument=<public code>&request=<id> when coming from an accepted request; the form posts
    # back to the same address, so the request id travels in the query string.
    initial = {"instrument_code": request.GET.get("instrument", "")[:32], "performed_on": timezone.localdate(),
               "verifier": request.user.pk}
    form = VerificationForm(request.POST or None, initial=initial, staff=staff, standards=standards)
    points = PointFormSet(request.POST or None, prefix="points")
    if request.method == "POST" and form.is_valid() and points.is_valid():
        data = _input_from_form(request.user, form, form.cleaned_data, points, request.GET.get("request"))
        certificate = data and _record_submit(
            form, points, lambda: services.record_verification(request.user, institution, data))
        if certificate:
            return redirect("verification:certificate-detail", pk=certificate.pk)
    return _record_page(request, form, points, _("录入检定记录"), reverse("verification:certificate-list"))


def _point_rows(data: services.VerificationInput) -> list[dict]:
    """The points of a record as the table's rows, the start of a correction."""
    return [{"mpe_rule": p.mpe_rule.key if p.mpe_rule else "", "nominal": p.nominal, "indicated": p.indicated,
             "error": p.error, "expanded_uncertainty": p.expanded_uncertainty, "coverage_factor": p.coverage_factor,
             "unit": p.unit} for p in data.points]


@login_required
def certificate_supersede(request, pk: int):
    certificate = get_object_or_404(selectors.certificates(request.user), pk=pk)
    require(request.user, "supersede", certificate)
    _institution, staff, standards = _staff_choices(request.user)
    old = services.correction_input(certificate)
    initial = {"instrument_code": certificate.instrument.public_code, "kind": old.kind,
               "performed_on": old.performed_on, "verifier": old.verifier.pk, "checker": old.checker.pk,
               "standards": [s.pk for s in old.standards], "decision_rule": old.decision_rule,
               "accuracy_class": old.accuracy_class, "scale_interval": old.scale_interval,
               "k_factor": old.k_factor,
               "temperature_c": old.temperature_c, "humidity_pct": old.humidity_pct,
               "environment_note": old.environment_note, "remarks": old.remarks}
    form = CorrectionForm(request.POST or None, initial=initial, staff=staff, standards=standards)
    points = PointFormSet(request.POST or None, prefix="points", initial=_point_rows(old))
    if request.method == "POST" and form.is_valid() and points.is_valid():
        data = _input_from_form(request.user, form, form.cleaned_data, points)
        replacement = data and _record_submit(form, points, lambda: services.supersede(
            request.user, certificate, data, form.cleaned_data["reason"]))
        if replacement:
            return redirect("verification:certificate-detail", pk=replacement.pk)
    return _record_page(request, form, points, _("更正证书 %(no)s") % {"no": certificate.number},
                        reverse("verification:certificate-detail", args=[pk]))


@login_required
def verification_detail(request, pk: int):
    verification = get_object_or_404(selectors.verifications(request.user), pk=pk)
    fields = [
        (_("器具"), f"{verification.instrument_type.name_zh} {verification.instrument.serial_no} "
                   f"({verification.instrument.public_code})"),
        (_("检定机构"), verification.institution.name), (_("检定类别"), verification.get_kind_display()),
        (_("检定日期"), verification.performed_on), (_("检定员"), str(verification.verifier)),
        (_("核验员"), str(verification.checker)), (_("准确度等级"), verification.accuracy_class),
        (_("检定分度值 e"), verification.scale_interval), (_("脉冲当量 K（脉冲/升）"), verification.k_factor and str(verification.k_factor)),  # all four decimals
        (_("环境温度(℃)"), verification.temperature_c),
        (_("相对湿度(%)"), verification.humidity_pct), (_("其他环境条件"), verification.environment_note),
        (_("判定规则"), verification.get_decision_rule_display()),
        (_("结论"), verification.get_conclusion_display()),
        (_("结论处于限值的 U 范围内"), _yes_no(verification.near_limit)),
        (_("证书编号"), verification.certificate.number), (_("备注"), verification.remarks),
    ]
    points = verification.test_points.select_related("mpe_rule")
    uses = verification.standard_uses.select_related("standard", "standard__institution")
    verdicts = {True: _("符合"), False: _("不符合"), None: "—"}
    tables = [
        _table(_("检定点"), [_("序号"), _("规则"), _("检定项目"), _("标准值"), _("示值"), _("误差"), _("扩展不确定度 U"),
                          _("包含因子 k"), _("允许误差"), _("判定"), _("处于限值的 U 范围内")],
               [[p.position, p.mpe_rule.key if p.mpe_rule else "—", mpe_words.quantity_zh(p.quantity), p.nominal,
                 p.indicated,
                 f"{p.error} {p.error_unit}", p.expanded_uncertainty, p.coverage_factor,
                 f"{p.mpe_lower} … {p.mpe_upper} {p.error_unit}" if p.mpe_lower is not None else "—",
                 verdicts[p.conforms], _yes_no(p.near_limit)] for p in points], testid="test-points"),
        _table(_("使用的计量标准"), [_("标准名称"), _("所属机构"), _("考核证书编号")],
               [[u.standard.name, u.standard.institution.name, u.standard.approval_no] for u in uses],
               [reverse("verification:standard-detail", args=[u.standard_id]) for u in uses], testid="standards-used"),
    ]
    return render(request, DETAIL, {
        "title": _("检定记录 #%(id)s") % {"id": pk}, "fields": fields, "tables": tables,
        "actions": [(_("证书"), reverse("verification:certificate-detail", args=[verification.certificate.pk]))],
    })


def _link_status(link: selectors.Link, today) -> str:
    """A link is judged on the date its standard was used; one that has expired since says so."""
    if link.is_root:
        return _("国家计量基准")
    if not link.ok:
        return _("中断")
    if link.valid_until is not None and link.valid_until < today:
        return _("使用时有效(%(on)s)，已于 %(until)s 过期") % {"on": link.on.isoformat(),
                                                          "until": link.valid_until.isoformat()}
    return _("有效")


@login_required
def chain(request, pk: int):
    """The traceability chain of an instrument on a date (default today)."""
    instrument = get_object_or_404(registry_selectors.instruments(request.user), pk=pk)
    form = ChainForm(request.GET or None)
    on = (form.cleaned_data.get("on") if form.is_valid() else None) or timezone.localdate()
    result = selectors.traceability_chain(request.user, instrument, on)
    today = timezone.localdate()
    rows = [[("  " * link.level) + link.what, link.name, link.institution, link.document, link.valid_from,
             link.valid_until, _link_status(link, today), "；".join(link.problems)] for link in result.links]
    links = [reverse("verification:standard-detail", args=[link.standard_id]) if link.standard_id else None
             for link in result.links]
    fields = [(_("器具"), str(instrument)), (_("日期"), on),
              (_("溯源链"), _("完整，可溯源至国家计量基准") if result.intact else _("中断：%(n)s 处问题") % {
                  "n": len(result.broken_links)})]
    return render(request, DETAIL, {
        "title": _("溯源链：%(code)s") % {"code": instrument.public_code}, "fields": fields, "actions": [],
        "filter_form": form,
        "tables": [_table(_("溯源链各环节"), [_("环节"), _("名称"), _("机构"), _("证书"), _("自"), _("有效期至"), _("状态"),
                                          _("问题")], rows, links, testid="chain")],
    })
