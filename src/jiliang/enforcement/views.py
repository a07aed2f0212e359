"""Enforcement pages: the public complaint form, tracking and publication pages (no sign-in, phone
first), and the officers' complaint and case pages; thin, every write through a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from ninja.errors import HttpError

from jiliang import concurrency
from jiliang.accounts.access import may, require, scope
from jiliang.enforcement import abuse, api, deadlines, documents, legal_basis, reference, selectors, services
from jiliang.enforcement.forms import (
    AdvanceForm,
    CaseForm,
    CommitmentForm,
    ComplaintActionForm,
    ComplaintForm,
    DecisionForm,
    DeadlineForm,
    EvidenceForm,
    LegalBasisForm,
    ManualCaseForm,
    NominationForm,
    TrackForm,
)
from jiliang.enforcement.models import (
    Case,
    CaseSource,
    CaseStage,
    ComplaintKind,
    ComplaintState,
    ComplaintSubject,
    DeadlineSetting,
    LegalBasisSetting,
    ModelUnit,
)
from jiliang.errors import DomainError
from jiliang.monitoring import selectors as monitoring_selectors
from jiliang.registry import public_code
from jiliang.registry.models import Instrument, Organization, Site
from jiliang.ui.forms import apply_domain_error
from jiliang.ui.listing import ListColumn, Listing, render_listing
from jiliang.verification.public_views import client_of

SITE_MATCHES = 20


# ---------------------------------------------------------------- public pages

def _site_matches(text: str):
    text = (text or "").strip()
    if not text:
        return []
    return list(Site.objects.filter(name__icontains=text).select_related("division").order_by("name")[:SITE_MATCHES])


def complaint_form(request):
    client = client_of(request)
    data = request.POST if request.method == "POST" else None
    chosen = data.get("site") if data else None
    sites = _site_matches(data.get("site_search", "")) if data else []
    if chosen and chosen.isdigit() and all(s.pk != int(chosen) for s in sites):
        sites += list(Site.objects.filter(pk=chosen).select_related("division"))
    question, token = abuse.new_captcha() if abuse.needs_captcha(client) else (None, "")
    form = ComplaintForm(data, request.FILES or None, sites=sites, captcha_question=question,
                         initial={"occurred_on": timezone.localdate(), "captcha_token": token})
    if data is not None and "search" in data:
        form.errors.clear()  # a search only fills the site choices
        if not sites:
            messages.info(request, _("没有找到名称相符的经营场所，请换个关键词，或直接填写地址。"))
        form = ComplaintForm(initial=data.dict() | {"captcha_token": token}, sites=sites, captcha_question=question)
    elif data is not None and form.is_valid():
        values = {key: form.cleaned_data.get(key) for key in (
            "kind", "subject", "description", "occurred_on", "address", "instrument_code", "name", "phone",
            "captcha_token", "captcha_answer")}
        division = form.cleaned_data.get("division")
        values |= {"site_id": form.cleaned_data.get("site"), "division": division.code if division else "",
                   "name": values["name"] or "", "phone": values["phone"] or ""}
        photos = [(f.name, f.read(services.uploads.PHOTO_MAX_BYTES + 1)) for f in request.FILES.getlist("photos")]
        try:
            complaint, code = api.submit(client, {k: v for k, v in values.items() if v is not None}, photos)
        except HttpError:
            return render(request, "enforcement/public_message.html", {
                "title": _("提交过于频繁"), "message": _("您提交的次数过多，请一小时后再试，或拨打 12315 反映。")}, status=429)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            request.session["complaint_code"] = code
            return redirect("complaints:submitted")
    if form.is_bound and "captcha_token" in form.fields:  # the page asks a new question: carry its token
        form.data = form.data.copy()
        form.data["captcha_token"], form.data["captcha_answer"] = token, ""
    return render(request, "enforcement/complaint_form.html", {"form": form})


def complaint_submitted(request):
    code = request.session.pop("complaint_code", None)
    if code is None:
        return redirect("complaints:form")
    complaint = services.find_by_tracking_code(code)
    return render(request, "enforcement/complaint_submitted.html", {"code": code, "complaint": complaint})


def track(request):
    form = TrackForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            complaint = api.track(client_of(request), form.cleaned_data["code"])
        except HttpError:
            context["throttled"] = True
        else:
            context["status"] = api.tracked(complaint) if complaint else None
            context["not_found"] = complaint is None
    return render(request, "enforcement/track.html", context)


def penalties(request):
    rows = selectors.publications().order_by("-published_on", "-pk")[:100]
    return render(request, "enforcement/penalties.html", {"publications": rows,
                                                          "model_units": selectors.public_model_units()[:50]})


def _labels(*choices) -> list[dict[str, str]]:
    """Each choice's labels translated once, for a list page's rows: ``get_FOO_display`` rebuilds
    the choices and translates the label again for every row (a quarter of a 50-row page's CPU)."""
    return [{value: str(label) for value, label in each.choices} for each in choices]


# ---------------------------------------------------------------- complaints (officers)

@login_required
def complaint_list(request):
    kinds, subjects, states = _labels(ComplaintKind, ComplaintSubject, ComplaintState)
    listing = Listing(
        title=_("投诉举报"), export_name="complaints", default_sort="-received_at",
        detail_url=lambda c: reverse("enforcement:complaint-detail", args=[c.pk]),
        columns=[
            ListColumn(_("编号"), lambda c: c.pk, "id", link=True),
            ListColumn(_("类别"), lambda c: kinds[c.kind]),
            ListColumn(_("问题类型"), lambda c: subjects[c.subject], "subject"),
            ListColumn(_("状态"), lambda c: states[c.state], "state", status=lambda c: c.state),
            ListColumn(_("地点"), lambda c: c.site.name if c.site else c.address),
            ListColumn(_("承办区县"), lambda c: c.division.name),
            ListColumn(_("收到时间"), lambda c: timezone.localtime(c.received_at).strftime("%Y-%m-%d %H:%M"), "received_at"),
            ListColumn(_("受理期限"), lambda c: c.acknowledge_due, "acknowledge_due"),
            ListColumn(_("答复期限"), lambda c: c.reply_due, "reply_due"),
        ],
    )
    return render_listing(request, listing, selectors.complaints(request.user, state=request.GET.get("state") or None))


@login_required
def complaint_detail(request, pk: int):
    complaint = get_object_or_404(selectors.complaints(request.user), pk=pk)
    form = ComplaintActionForm(request.POST or None, allowed=complaint.allowed_transitions())
    if request.method == "POST" and form.is_valid():
        try:
            services.transition_complaint(request.user, complaint, form.cleaned_data["state"], note=form.cleaned_data["note"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("enforcement:complaint-detail", pk=pk)
    identity = None
    if request.GET.get("identity") and complaint.handler_id == request.user.pk:
        identity = services.reporter_identity(request.user, complaint)
    case = Case.objects.filter(source_type=CaseSource.COMPLAINT, source_id=str(complaint.pk)).first()
    actions = []
    if complaint.state == ComplaintState.ACCEPTED and may(request.user, "handle", complaint) and complaint.organization_id:
        actions.append((_("立案"), reverse("enforcement:case-open", args=[complaint.pk])))
    if complaint.has_identity and complaint.handler_id == request.user.pk and identity is None:
        actions.append((_("查看举报人身份"), "?identity=1"))
    if case:
        actions.append((_("查看案件"), reverse("enforcement:case-detail", args=[case.pk])))
    return render(request, "enforcement/complaint_detail.html", {
        "title": _("投诉举报 #%(id)s") % {"id": complaint.pk},
        "status": (complaint.state, complaint.get_state_display()),
        "actions": actions, "form": form if complaint.allowed_transitions() and may(request.user, "handle", complaint) else None,
        "identity": identity, "photos": complaint.photos.all(),
        "fields": [
            (_("类别"), complaint.get_kind_display()), (_("问题类型"), complaint.get_subject_display()),
            (_("情况描述"), complaint.description),
            (_("经营场所"), complaint.site.name if complaint.site else "—"), (_("地址"), complaint.address),
            (_("器具公开码"), complaint.instrument_code or "—"), (_("发生日期"), complaint.occurred_on),
            (_("承办区县"), complaint.division.name), (_("承办人"), complaint.handler or "—"),
            (_("举报人"), _("实名(加密保存)") if complaint.has_identity else _("匿名")),
            (_("收到时间"), complaint.received_at), (_("受理期限"), complaint.acknowledge_due),
            (_("核查期限"), complaint.handling_due), (_("答复期限"), complaint.reply_due),
            (_("重复于"), f"#{complaint.duplicate_of_id}" if complaint.duplicate_of_id else "—"),
            (_("处理结果"), complaint.public_note or "—"),
        ],
    })


@login_required
def complaint_photo(request, pk: int, photo_id: int):
    complaint = get_object_or_404(selectors.complaints(request.user), pk=pk)
    photo = get_object_or_404(complaint.photos, pk=photo_id)
    return HttpResponse(bytes(photo.data), content_type=photo.content_type)


def _open_case_page(request, *, source_type, source, organization, site, instrument, title, discovered_on, back):
    form = CaseForm(request.POST or None, initial={"title": title, "discovered_on": discovered_on})
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(request.user, source_type=source_type, source_id=source.pk,
                                      organization=organization, site=site, instrument=instrument, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return redirect("enforcement:case-detail", pk=case.pk)
    return render(request, "ui/form.html", {"title": _("立案"), "form": form, "cancel_url": back})


@login_required
def case_open(request, complaint_id: int):
    complaint = get_object_or_404(selectors.complaints(request.user), pk=complaint_id)
    return _open_case_page(request, source_type=CaseSource.COMPLAINT, source=complaint,
                           organization=complaint.organization, site=complaint.site, instrument=complaint.instrument,
                           title=complaint.get_subject_display(),
                           discovered_on=timezone.localdate(complaint.received_at),
                           back=reverse("enforcement:complaint-detail", args=[complaint.pk]))


@login_required
def case_open_from_alert(request, alert_id: int):
    alert = get_object_or_404(monitoring_selectors.alerts(request.user).select_related("site", "device"), pk=alert_id)
    return _open_case_page(request, source_type=CaseSource.ALERT, source=alert, organization=alert.site.organization,
                           site=alert.site, instrument=alert.device.instrument, title=alert.message,
                           discovered_on=timezone.localdate(alert.opened_at),
                           back=reverse("monitoring:alert-detail", args=[alert.pk]))


# ---------------------------------------------------------------- cases

def _manual_case_targets(user, data: dict) -> tuple[dict, dict[str, list[str]]]:
    """The party, site and instrument a hand-opened case names, looked up within the officer's
    jurisdiction; what is not found there is an error of its field."""
    not_found = _("不存在或不在您的管辖范围内。")
    organization = scope(Organization.objects.all(), user).filter(uscc=data["uscc"].strip().upper()).first()
    if organization is None:
        return {}, {"uscc": [not_found]}
    targets, errors = {"organization": organization, "site": None, "instrument": None}, {}
    if data["site_name"].strip():
        targets["site"] = scope(Site.objects.all(), user).filter(organization=organization,
                                                                 name=data["site_name"].strip()).first()
        if targets["site"] is None:
            errors["site_name"] = [_("该当事人没有这个名称的经营场所。")]
    if data["instrument_code"].strip():
        targets["instrument"] = scope(Instrument.objects.all(), user).filter(
            public_code=public_code.normalize(data["instrument_code"])).first()
        if targets["instrument"] is None:
            errors["instrument_code"] = [not_found]
    return targets, errors


@login_required
def case_new(request):
    """立案 by hand (source: 其他来源), scoped to the officer's county."""
    require(request.user, "create", Case(division=request.user.division))
    form = ManualCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        targets, errors = _manual_case_targets(request.user, data)
        for name, problems in errors.items():
            form.add_error(name, problems)
        if not errors:
            try:
                with transaction.atomic():
                    case = services.open_case(request.user, source_type=CaseSource.MANUAL, title=data["title"],
                                              discovered_on=data["discovered_on"], late_reason=data["late_reason"],
                                              **targets)
                    if data["party_name"].strip():
                        services.add_party(request.user, case, name=data["party_name"], role=data["party_role"],
                                           id_number=data["party_id_number"])
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("已立案。"))
                return redirect("enforcement:case-detail", pk=case.pk)
    return render(request, "ui/form.html", {"title": _("立案"), "form": form,
                                            "cancel_url": reverse("enforcement:case-list")})


@login_required
def case_list(request):
    stages, sources = _labels(CaseStage, CaseSource)
    listing = Listing(
        title=_("案件"), export_name="cases", default_sort="-filed_on",
        detail_url=lambda c: reverse("enforcement:case-detail", args=[c.pk]),
        columns=[
            ListColumn(_("案件编号"), lambda c: c.number, "number", link=True),
            ListColumn(_("案由"), lambda c: c.title),
            ListColumn(_("当事人"), lambda c: c.organization.name),
            ListColumn(_("阶段"), lambda c: stages[c.stage], "stage", status=lambda c: c.stage),
            ListColumn(_("案件来源"), lambda c: sources[c.source_type]),
            ListColumn(_("承办区县"), lambda c: c.division.name),
            ListColumn(_("立案日期"), lambda c: c.filed_on, "filed_on"),
            ListColumn(_("决定日期"), lambda c: c.decided_on),
        ],
    )
    if may(request.user, "create", Case(division=request.user.division)):
        listing.actions = [(_("立案"), reverse("enforcement:case-new"))]
    return render_listing(request, listing, selectors.cases(request.user, stage=request.GET.get("stage") or None))


def _case_forms(request, case):
    following = services.next_stage(case)
    advance = AdvanceForm(request.POST if request.POST.get("form") == "advance" else None,
                          stages=[following] if following and following != CaseStage.DECIDED else [])
    decision = DecisionForm(request.POST if request.POST.get("form") == "decision" else None)
    evidence = EvidenceForm(request.POST if request.POST.get("form") == "evidence" else None,
                            request.FILES if request.POST.get("form") == "evidence" else None)
    return following, advance, decision, evidence


def _case_post(request, case, advance, decision, evidence) -> bool:
    which = request.POST.get("form")
    try:
        if which == "advance" and advance.is_valid():
            data = advance.cleaned_data
            services.advance_case(request.user, case, data["stage"], on=data["on"], late_reason=data["late_reason"],
                                  note=data["note"], hearing_requested=data["hearing_requested"] or None)
        elif which == "decision" and decision.is_valid():
            services.decide(request.user, case, **decision.cleaned_data)
        elif which == "evidence" and evidence.is_valid():
            upload = evidence.cleaned_data["file"]
            services.add_evidence(request.user, case, name=evidence.cleaned_data["name"],
                                  data=upload.read(services.uploads.EVIDENCE_MAX_BYTES + 1))
        elif which == "publish":
            services.publish(request.user, case)
        else:
            return False
    except DomainError as error:
        apply_domain_error({"advance": advance, "decision": decision, "evidence": evidence}.get(which, advance), error)
        if which == "publish":
            messages.error(request, error.message)
        return False
    return True


@login_required
def case_detail(request, pk: int):
    case = get_object_or_404(selectors.cases(request.user).select_related("site", "instrument"), pk=pk)
    following, advance, decision, evidence = _case_forms(request, case)
    if request.method == "POST":
        if _case_post(request, case, advance, decision, evidence):
            messages.success(request, _("已保存。"))
            return redirect("enforcement:case-detail", pk=pk)
    writable = may(request.user, "change", case)
    published = hasattr(case, "publication")
    return render(request, "enforcement/case_detail.html", {
        "title": _("案件 %(n)s") % {"n": case.number}, "subtitle": case.title,
        "status": (case.stage, case.get_stage_display()),
        "actions": [(label, reverse("enforcement:case-document", args=[case.pk, kind]))
                    for kind, label in documents.TITLES.items() if documents.available(case, kind)]
        + _source_link(case),
        "fields": [
            (_("当事人"), case.organization.name), (_("经营场所"), case.site.name if case.site else "—"),
            (_("涉案器具"), case.instrument.public_code if case.instrument else "—"),
            (_("案件来源"), case.get_source_type_display()), (_("发现日期"), case.discovered_on),
            (_("立案日期"), case.filed_on), (_("决定期限"), services.stage_due(case, CaseStage.DECIDED)),
            (_("当事人要求听证"), _("是") if case.hearing_requested else _("否")),
            (_("处罚依据"), documents.basis_text(case) or "—"), (_("处罚内容"), services.penalty_words(case) or "—"),
            (_("决定日期"), case.decided_on), (_("公示"), _("已公示") if published else _("未公示")),
        ],
        "stages": case.stages.select_related("actor"), "evidence": case.evidence.select_related("added_by"),
        "advance": advance if writable and advance.fields["stage"].choices else None,
        "decision": decision if writable and following == CaseStage.DECIDED else None,
        "evidence_form": evidence if writable and case.stage != CaseStage.CLOSED else None,
        "can_publish": may(request.user, "publish", case) and case.decided_on and not published,
    })


def _source_link(case: Case) -> list[tuple[str, str]]:
    """The page the case came from, when it came from an inspection (the task page links back)."""
    if case.source_type == CaseSource.INSPECTION and case.source_id:
        return [(_("查看检查任务"), reverse("supervision:task-detail", args=[case.source_id]))]
    return []


@login_required
def case_document(request, pk: int, kind: str):
    case = get_object_or_404(selectors.cases(request.user).select_related("organization", "division"), pk=pk)
    if kind not in documents.TITLES or not documents.available(case, kind):
        raise Http404
    response = HttpResponse(documents.render(case, kind), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}-{kind}.pdf"'
    return response


# ---------------------------------------------------------------- honest metrology

@login_required
def commitments(request):
    form = CommitmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_commitment(request.user, signer_name=form.cleaned_data["signer_name"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("承诺书已签署。"))
            return redirect("enforcement:commitments")
    signed = selectors.commitments(request.user).order_by("-signed_on", "-pk")[:200]
    return render(request, "enforcement/commitments.html", {
        "form": form if request.user.role == "owner" else None, "signed": signed,
        "version": services.COMMITMENT_VERSION})


@login_required
def model_units(request):
    organizations = scope(Organization.objects.order_by("name"), request.user)[:500]
    form = NominationForm(request.POST or None, organizations=organizations,
                          initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            organization = get_object_or_404(scope(Organization.objects.all(), request.user),
                                             pk=form.cleaned_data["organization"])
            services.nominate_model_unit(request.user, organization=organization, year=form.cleaned_data["year"],
                                         reason=form.cleaned_data["reason"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已推荐。"))
            return redirect("enforcement:model-units")
    units = selectors.model_units(request.user).order_by("-year", "-pk")[:200]
    return render(request, "enforcement/model_units.html", {
        "form": form if organizations and may(request.user, "create", ModelUnit(organization=organizations[0]))
        else None,
        "units": [(unit, may(request.user, "publish", unit) and unit.state == "nominated") for unit in units]})


@login_required
@require_POST
def model_unit_publish(request, pk: int):
    unit = get_object_or_404(selectors.model_units(request.user), pk=pk)
    try:
        services.publish_model_unit(request.user, unit)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已公布。"))
    return redirect("enforcement:model-units")


# ---------------------------------------------------------------- editable reference values

@login_required
def reference_list(request):
    """The statutory deadlines and legal bases in force, each with its citation and confidence."""
    rules, edited_rules = reference.deadline_rules(), {
        (row.group, row.name): row for row in DeadlineSetting.objects.select_related("updated_by")}
    bases, edited_bases = reference.bases(), {row.key: row for row in LegalBasisSetting.objects.select_related("updated_by")}
    return render(request, "enforcement/reference.html", {
        "title": _("法定期限与处罚依据"),
        "deadlines": [{
            "label": label, "rule": rules[group][name], "unit": reference.UNIT_LABELS[rules[group][name].unit],
            "confidence": reference.CONFIDENCE_LABELS.get(rules[group][name].confidence, ""),
            "unverified": rules[group][name].confidence != "high", "edited": edited_rules.get((group, name)),
            "url": reverse("enforcement:deadline-edit", args=[group, name]),
        } for (group, name), label in reference.DEADLINE_LABELS.items()],
        "bases": [{
            "basis": basis, "confidence": reference.CONFIDENCE_LABELS.get(basis.confidence, ""),
            "unverified": basis.confidence != "high", "edited": edited_bases.get(key),
            "url": reverse("enforcement:legal-basis-edit", args=[key]),
        } for key, basis in bases.items()],
        "may_edit": may(request.user, "change", DeadlineSetting()),
    })


@login_required
def deadline_edit(request, group: str, name: str):
    label = reference.DEADLINE_LABELS.get((group, name))
    if label is None:
        raise Http404
    require(request.user, "change", DeadlineSetting())
    current, default = reference.deadline_in_force(group, name), deadlines.defaults()[group][name]
    form = DeadlineForm(request.POST or None, extendable=bool(default.extension), initial={
        "n": current.n, "extension": current.extension, "version": concurrency.version_of(current)})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_deadline(request.user, group=group, name=name, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("期限已保存，此后计算的期限均按新值。"))
            return redirect("enforcement:reference")
    return render(request, "ui/form.html", {
        "title": _("修改期限：%(label)s") % {"label": label},
        "form": form, "cancel_url": reverse("enforcement:reference"),
    })


@login_required
def legal_basis_edit(request, key: str):
    if key not in legal_basis.defaults():
        raise Http404
    require(request.user, "change", LegalBasisSetting())
    current = reference.basis_in_force(key)
    form = LegalBasisForm(request.POST or None, initial={
        "title": current.title, "law_article": current.law_article, "rules_article": current.rules_article,
        "warning": current.warning, "confiscation": current.confiscation, "fine_min": current.fine_min,
        "fine_max": current.fine_max, "fine_note": current.fine_note, "version": concurrency.version_of(current)})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_legal_basis(request.user, key=key, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("处罚依据已保存，此后的处罚决定均按新值核对。"))
            return redirect("enforcement:reference")
    return render(request, "ui/form.html", {
        "title": _("修改处罚依据：%(title)s") % {"title": current.title},
        "form": form, "cancel_url": reverse("enforcement:reference"),
    })
