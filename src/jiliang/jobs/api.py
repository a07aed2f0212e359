"""/api/v1/tasks: the background tasks a client started (an auditor: every one), their progress,
their report and their result file."""

import datetime as dt
import uuid

from django.http import FileResponse
from django.urls import reverse
from ninja import Router, Schema

from . import selectors
from .models import BackgroundTask

router = Router(tags=["tasks"])


class TaskOut(Schema):
    id: uuid.UUID
    kind: str
    title: str
    state: str  # queued | running | completed | failed
    phase: str
    done: int
    total: int | None
    message: str
    report: dict | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    url: str  # this task in the API, to poll
    page_url: str  # this task's page
    file_url: str | None  # the result file, once completed


def task_body(request, task: BackgroundTask) -> dict:
    file_url = None
    if task.result_file:
        file_url = request.build_absolute_uri(reverse("api:task_file", args=[task.pk]))
    return {
        "id": task.pk, "kind": task.kind, "title": task.title, "state": task.state, "phase": task.phase,
        "done": task.done, "total": task.total, "message": task.message, "report": task.report,
        "created_at": task.created_at, "started_at": task.started_at, "finished_at": task.finished_at,
        "url": request.build_absolute_uri(reverse("api:task", args=[task.pk])),
        "page_url": request.build_absolute_uri(reverse("tasks:detail", args=[task.pk])),
        "file_url": file_url,
    }


@router.get("tasks", response=list[TaskOut], summary="My background tasks, newest first (the last 100)")
def task_list(request):
    return [task_body(request, task) for task in selectors.tasks(request.auth)[:100]]


@router.get("tasks/{task_id}", response=TaskOut, url_name="task", summary="A background task's progress and report")
def task_detail(request, task_id: uuid.UUID):
    return task_body(request, selectors.task(request.auth, task_id))


@router.get("tasks/{task_id}/file", url_name="task_file", summary="A completed task's result file")
def task_file(request, task_id: uuid.UUID):
    path, name, content_type = selectors.result_file(request.auth, task_id)
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=content_type)
