"""Reading background tasks: a user sees the tasks they started; an auditor (the scope rule's
``read_all``) and a superuser see every one."""

from pathlib import Path

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiliang.accounts.access import rule_for, scope
from jiliang.errors import NotFound

from .models import BackgroundTask, TaskState
from .services import task_dir

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def tasks(user) -> QuerySet:
    everything = BackgroundTask.objects.select_related("started_by")
    if not (user and user.is_authenticated and user.is_active):
        return everything.none()
    if user.is_superuser or user.role in rule_for(BackgroundTask).read_all:
        return scope(everything, user)
    # The scope rule has no "started by" binding: the starter's own tasks, whatever the role.
    return everything.filter(started_by=user)


def task(user, task_id) -> BackgroundTask:
    found = tasks(user).filter(pk=task_id).first()
    if found is None:
        raise NotFound(_("该后台任务不存在，或不是您发起的。"))
    return found


def result_file(user, task_id) -> tuple[Path, str, str]:
    """(path, download name, content type) of a completed task's result file."""
    found = task(user, task_id)
    path = task_dir(found.pk) / found.result_file if found.result_file else None
    if found.state != TaskState.COMPLETED or path is None or not path.is_file():
        raise NotFound(_("该任务没有可下载的文件，或文件已过期清理。"))
    return path, found.result_name, CONTENT_TYPES.get(path.suffix, "application/octet-stream")
