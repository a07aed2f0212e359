from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts.access import may, rule_for
from jiliang.enforcement.views import _attach as attach_error
from jiliang.errors import DomainError
from jiliang.portal import report, search, selectors, services, tracker
from jiliang.portal.forms import TaskReportForm
from jiliang.portal.models import TaskReport, TaskStatus
from jiliang.portal.plan import plan
from jiliang.portal.sections import SECTIONS
from jiliang.registry import public_code


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
    """The board is for the regulators and the auditor (TaskReport's read_all roles)."""
    if not (user.is_superuser or user.role in rule_for(TaskReport).read_all):
        raise PermissionDenied


@login_required
def plan_board(request):
    _tracker_reader(request.user)
    board = tracker.tracker(request.user)
    states = [*TaskStatus.choices, ("unreported", _("未填报"))]
    return render(request, "portal/plan_board.html", {
        "plan": plan(), "board": board, "summary": [(code, label, board.count(code)) for code, label in states],
    })


@login_required
def plan_task(request, key: str):
    _tracker_reader(request.user)
    task = plan().task(key)
    if task is None:
        raise Http404
    may_report = may(request.user, "report", TaskReport(task=key))
    form = TaskReportForm(request.POST or None) if may_report else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.report_progress(request.user, task=key, **form.cleaned_data)
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("进展已录入。"))
            return redirect("portal:plan-task", key=key)
    row = next(row for row in tracker.tracker(request.user).rows if row.task.key == key)
    return render(request, "portal/plan_task.html", {
        "row": row, "history": tracker.history(request.user, key), "form": form,
    })


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
