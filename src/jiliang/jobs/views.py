"""后台任务 pages: the reader's tasks (an auditor's: everyone's), one task's progress and result."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from jiliang.errors import NotFound
from jiliang.registry.importing.engine import REPORTED_ERRORS
from jiliang.ui.listing import ListColumn, Listing, render_listing

from . import selectors
from .models import TaskKind

REFRESH_SECONDS = 2  # how often an unfinished task's page reloads itself (a <meta> refresh, no script)


def _progress(task) -> str:
    if task.total:
        return _("%(done)s / %(total)s 行") % {"done": f"{task.done:,}", "total": f"{task.total:,}"}
    return _("%(done)s 行") % {"done": f"{task.done:,}"}


@login_required
def task_list(request):
    listing = Listing(
        title=_("后台任务"),
        export_name="tasks",
        default_sort="-created_at",
        columns=[
            ListColumn(_("任务"), lambda t: t.title, link=True),
            ListColumn(_("类型"), lambda t: t.get_kind_display(), "kind"),
            ListColumn(_("状态"), lambda t: t.get_state_display(), "state", status=lambda t: t.state),
            ListColumn(_("进度"), _progress),
            ListColumn(_("发起人"), lambda t: t.started_by.get_username()),
            ListColumn(_("创建时间"), lambda t: t.created_at, "created_at"),
            ListColumn(_("完成时间"), lambda t: t.finished_at, "finished_at"),
        ],
        detail_url=lambda t: reverse("tasks:detail", args=[t.pk]),
    )
    return render_listing(request, listing, selectors.tasks(request.user))


def _found(request, task_id):
    try:
        return selectors.task(request.user, task_id)
    except NotFound as error:
        raise Http404(error.message) from None


@login_required
def task_detail(request, task_id):
    task = _found(request, task_id)
    context = {
        "task": task,
        "progress": _progress(task),
        "refresh": None if task.finished else REFRESH_SECONDS,
        "file_url": reverse("tasks:file", args=[task.pk]) if task.result_file else None,
        "reported_errors": REPORTED_ERRORS,
        "is_import": task.kind == TaskKind.IMPORT,
    }
    return render(request, "jobs/task_detail.html", context)


@login_required
def task_file(request, task_id):
    try:
        path, name, content_type = selectors.result_file(request.user, task_id)
    except NotFound as error:
        raise Http404(error.message) from None
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=content_type)
