from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.accounts import selectors as account_selectors
from jiliang.accounts import services as account_services
from jiliang.accounts.access import may, scope
from jiliang.accounts.models import Role, User
from jiliang.errors import DomainError
from jiliang.portal import report, search, selectors, services, tracker
from jiliang.portal.forms import DepartmentAccountForm, TaskReportForm
from jiliang.portal.models import ReviewState, TaskReport, TaskStatus
from jiliang.portal.plan import plan
from jiliang.portal.sections import SECTIONS
from jiliang.registry import public_code
from jiliang.ui.forms import apply_domain_error


def _site_facts() -> dict:
    """Filing numbers and contact details (settings, docs/configuration.md): only those set are shown."""
    return {
        "icp_filing": settings.JILIANG_ICP_FILING,
        "police_filing": settings.JILIANG_POLICE_FILING,
        "contact_phone": settings.JILIANG_CONTACT_PHONE,
        "contact_address": settings.JILIANG_CONTACT_ADDRESS,
    }


def home(request):
    """What the platform is, the instrument look-up and the public sections. A code in ?code= leads to
    the instrument's public card, which says plainly when no such instrument is registered."""
    code = request.GET.get("code", "").strip()
    if code:
        return redirect(reverse("registry-public:card", args=[public_code.normalize(code) or code]))
    return render(request, "portal/home.html", {"sections": SECTIONS, **_site_facts()})


def institutions(request):
    return render(request, "portal/institutions.html",
                  {"institutions": selectors.authorised_institutions(), **_site_facts()})


def standards(request):
    rows = list(selectors.public_standards())
    return render(request, "portal/standards.html",
                  {"standards": rows, "coverage": selectors.standards_coverage(rows), **_site_facts()})


def transparency(request):
    """The transparency log in plain words: the latest checkpoint, its witnesses, how anyone verifies,
    and the log index of a certificate's entry found by its number (?number=)."""
    number = request.GET.get("number", "").strip()[:40]
    return render(request, "portal/transparency.html", {
        "state": selectors.log_state(), "number": number,
        "index": selectors.log_index_of_certificate(number) if number else None, **_site_facts(),
    })


@login_required
def search_page(request):
    text = request.GET.get("q", "").strip()
    hits = search.search(request.user, text)
    groups = [(label, [hit for hit in hits if hit.kind == kind]) for kind, label in search.KIND_LABELS.items()]
    return render(request, "portal/search.html", {
        "q": text, "groups": [(label, rows) for label, rows in groups if rows], "searched": bool(text),
    })


def _tracker_reader(user) -> None:
    """The whole board and the evaluation reports, as the city's whole picture."""
    if not tracker.reads_whole_board(user):
        raise PermissionDenied


def _board_reader(user) -> None:
    if not tracker.reads_board(user):
        raise PermissionDenied


@login_required
def plan_board(request):
    _board_reader(request.user)
    board = tracker.tracker(request.user)
    states = [*TaskStatus.choices, ("unreported", _("未填报"))]
    return render(request, "portal/plan_board.html", {
        "plan": plan(), "board": board, "summary": [(code, label, board.count(code)) for code, label in states],
        "department": request.user.department if request.user.role == Role.DEPARTMENT else "",
        "pending": tracker.pending(request.user).count() if may(request.user, "review", TaskReport()) else None,
    })


@login_required
def plan_task(request, key: str):
    _board_reader(request.user)
    task = plan().task(key)
    if task is None:
        raise Http404
    user = request.user
    if user.role == Role.DEPARTMENT and not task.involves(user.department):
        raise PermissionDenied(_("%(department)s不是该任务的牵头或配合部门。") % {"department": user.department})
    may_report = services.may_report_on(user, key)
    form = TaskReportForm(request.POST or None, for_department=user.role == Role.DEPARTMENT) if may_report else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.report_progress(user, task=key, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("进展已提交，待市局审核后计入看板。") if user.role == Role.DEPARTMENT
                             else _("进展已录入。"))
            return redirect("portal:plan-task", key=key)
    row = next(row for row in tracker.tracker(user).rows if row.task.key == key)
    return render(request, "portal/plan_task.html", {
        "row": row, "history": tracker.history(user, key), "form": form,
    })


@login_required
def plan_review(request):
    """The city regulator's queue of department reports: accept one, or return it with the reason."""
    if not may(request.user, "review", TaskReport()):
        raise PermissionDenied(_("只有市级监管人员可以审核部门填报。"))
    errors: dict[int, list[str]] = {}
    status = 200
    if request.method == "POST":
        report_id = request.POST.get("report", "")
        if not report_id.isdigit():
            raise Http404
        report = get_object_or_404(scope(TaskReport.objects.all(), request.user), pk=int(report_id))
        try:
            services.review_report(request.user, report, accept=request.POST.get("decision") == "accept",
                                   reason=request.POST.get("reason", ""))
        except DomainError as error:
            errors[report.pk] = [error.message, *(text for problems in error.fields.values() for text in problems)]
            status = error.status
        else:
            messages.success(request, _("已采纳。") if report.review == ReviewState.ACCEPTED else _("已退回。"))
            return redirect("portal:plan-review")
    rows = [(report, plan().task(report.task), errors.pop(report.pk, [])) for report in tracker.pending(request.user)]
    for problems in errors.values():  # a report no longer waiting (reviewed meanwhile): said above the queue
        messages.error(request, " ".join(problems))
    return render(request, "portal/plan_review.html", {"rows": rows}, status=status)


def _department_accounts_manager(user) -> None:
    if not may(user, "create", User(role=Role.DEPARTMENT, division=user.division)):
        raise PermissionDenied(_("只有市级监管人员可以管理部门填报账号。"))


@login_required
def department_accounts(request):
    """The city regulator's page of the departments' accounts: open one, switch one off or on again."""
    _department_accounts_manager(request.user)
    form = DepartmentAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.create_department_account(request.user, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已为%(department)s开通账号 %(username)s。")
                             % {"department": account.department, "username": account.username})
            return redirect("portal:plan-departments")
    accounts = account_selectors.users(request.user).filter(role=Role.DEPARTMENT).order_by("department", "username")
    return render(request, "portal/plan_departments.html", {"accounts": accounts, "form": form},
                  status=422 if form.errors else 200)


@login_required
@require_POST
def department_account_active(request, user_id: int):
    _department_accounts_manager(request.user)
    account = get_object_or_404(account_selectors.users(request.user).filter(role=Role.DEPARTMENT), pk=user_id)
    account_services.set_user_active(request.user, account, not account.is_active)
    messages.success(request, _("账号已启用。") if account.is_active else _("账号已停用。"))
    return redirect("portal:plan-departments")


@login_required
def plan_report(request, stage: str):
    _tracker_reader(request.user)
    if stage not in report.STAGES:
        raise Http404
    pdf = report.render(tracker.tracker(request.user), stage)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"plan-{stage}-{timezone.localdate().isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
