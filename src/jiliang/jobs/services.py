"""Background tasks: starting one (web process) and running the queue (jobs process).

A task's files live in ``<var>/tasks/<id>/``: ``upload`` (an import's sheet, removed when the task
ends) and the result (an export, or an import's annotated sheet). ``start`` writes the files
before the row exists, so the jobs process never picks up a task whose input is missing.

Who runs what: ``run_queued`` is the ``tasks.run`` scheduled job; it claims queued tasks one at a
time (a conditional UPDATE, so two processes could never run the same task) and calls the task
kind's handler with a ``Progress`` that records rows done/total at most once a second. The first
round of a jobs process puts back in the queue what a killed predecessor left running: there is
one jobs process per database (jobs.lock), so a task marked running at its start is an orphan.
"""

from __future__ import annotations

import importlib
import logging
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.errors import DomainError

from .models import BackgroundTask, TaskKind, TaskState

logger = logging.getLogger("jiliang.jobs.tasks")

# What runs each kind: "module:function", called as handler(task, progress) -> Outcome.
HANDLERS = {
    TaskKind.IMPORT: "jiliang.registry.importing.uploads:run_task",
    TaskKind.EXPORT: "jiliang.ui.listing:run_export_task",
    TaskKind.CREDIT_GRADES: "jiliang.credit.services:run_recompute_task",
}
UPLOAD = "upload"
PROGRESS_EVERY = 1.0  # seconds between two progress writes


@dataclass(frozen=True)
class Outcome:
    report: dict | None = None  # shown on the task's page and returned by the API
    result_file: str = ""  # a file in the task's folder, offered for download
    result_name: str = ""  # its download name


def tasks_dir() -> Path:
    return Path(settings.VAR_DIR) / "tasks"


def task_dir(task_id) -> Path:
    return tasks_dir() / str(task_id)


def start(user, kind: str, title: str, params: dict, *, upload: Path | None = None,
          total: int | None = None) -> BackgroundTask:
    """Queue a task for ``user``; ``upload`` (moved into the task's folder) is its input file."""
    task_id = uuid.uuid4()
    directory = task_dir(task_id)
    directory.mkdir(mode=0o700, parents=True)
    try:
        if upload is not None:
            shutil.move(upload, directory / UPLOAD)
        params = {**params, "language": translation.get_language() or settings.LANGUAGE_CODE}
        with transaction.atomic():
            task = BackgroundTask.objects.create(id=task_id, kind=kind, title=title[:200], started_by=user,
                                                 params=params, total=total)
            audit.record(user, f"task.{kind}.start", task, after={"title": task.title, **params})
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return task


class Progress:
    """The handler's progress callback: (phase, rows done, total rows or None)."""

    def __init__(self, task: BackgroundTask):
        self.task, self.phase, self.last = task, None, 0.0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.last < PROGRESS_EVERY:
            return
        self.phase, self.last = phase, now
        BackgroundTask.objects.filter(pk=self.task.pk).update(phase=phase, done=done, total=total)


_orphans_requeued = False


def requeue_orphans() -> int:
    """Put back in the queue the tasks a killed jobs process left running."""
    count = BackgroundTask.objects.filter(state=TaskState.RUNNING).update(state=TaskState.QUEUED, started_at=None,
                                                                         phase="", done=0)
    if count:
        logger.warning("requeued %d background task(s) left running by a previous jobs process", count)
    return count


def claim_next() -> BackgroundTask | None:
    """The oldest queued task, now marked running by this process; None when the queue is empty."""
    queued = BackgroundTask.objects.filter(state=TaskState.QUEUED).order_by("created_at")
    for task_id in queued.values_list("pk", flat=True)[:10]:
        claimed = BackgroundTask.objects.filter(pk=task_id, state=TaskState.QUEUED).update(
            state=TaskState.RUNNING, started_at=timezone.now(), phase="", done=0)
        if claimed:
            return BackgroundTask.objects.select_related("started_by").get(pk=task_id)
    return None


def run_queued() -> int:
    """The ``tasks.run`` job: run every queued task, oldest first; how many ran."""
    global _orphans_requeued
    if not _orphans_requeued:
        requeue_orphans()
        _orphans_requeued = True
    count = 0
    while (task := claim_next()) is not None:
        execute(task)
        count += 1
    return count


def handler_for(kind: str) -> Callable[[BackgroundTask, Progress], Outcome]:
    module, _sep, name = HANDLERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def execute(task: BackgroundTask) -> None:
    """Run a claimed task to its end: completed with its outcome, or failed with a reason."""
    logger.info("background task %s (%s) started: %s", task.pk, task.kind, task.title)
    try:
        with translation.override(task.params.get("language") or settings.LANGUAGE_CODE):
            outcome = handler_for(task.kind)(task, Progress(task))
    except DomainError as error:
        _finish(task, TaskState.FAILED, message=error.message, report={"fields": error.fields} if error.fields else None)
    except PermissionDenied as error:  # the starter lost the right meanwhile (role changed, deactivated)
        _finish(task, TaskState.FAILED, message=str(error))
    except Exception:
        logger.exception("background task %s failed", task.pk)
        _finish(task, TaskState.FAILED, message=_("任务执行出错，请稍后重试或联系管理员(任务编号 %(id)s)。") % {"id": task.pk})
    else:
        _finish(task, TaskState.COMPLETED, report=outcome.report, result_file=outcome.result_file,
                result_name=outcome.result_name)
    finally:
        (task_dir(task.pk) / UPLOAD).unlink(missing_ok=True)


def _finish(task: BackgroundTask, state: str, *, message: str = "", report: dict | None = None,
            result_file: str = "", result_name: str = "") -> None:
    task.refresh_from_db(fields=["done", "total", "phase"])
    task.state, task.message, task.report, task.finished_at = state, message, report, timezone.now()
    task.result_file, task.result_name = result_file, result_name
    if state == TaskState.COMPLETED and task.total is None:
        task.total = task.done
    with transaction.atomic():
        task.save(update_fields=["state", "message", "report", "finished_at", "result_file", "result_name", "total"])
        audit.record(task.started_by, f"task.{task.kind}.{state}", task,
                     after={"title": task.title, "message": message, "result": result_name, "done": task.done})
    logger.info("background task %s %s", task.pk, state)


FILES_KEEP = timedelta(days=7)  # a finished task's result stays downloadable this long


def oldest_running_start() -> datetime | None:
    """When the longest-running task started: the temporary-file sweep spares what is newer."""
    return (BackgroundTask.objects.filter(state=TaskState.RUNNING).order_by("started_at")
            .values_list("started_at", flat=True).first())


def sweep_files() -> list[str]:
    """Remove the folders of tasks finished more than ``FILES_KEEP`` ago, and those no task row
    names that are older than that (a start that failed before its row was written). The folder
    of a queued or running task is never touched. Part of the ``tmp.sweep`` job."""
    directory = tasks_dir()
    if not directory.is_dir():
        return []
    cutoff = timezone.now() - FILES_KEEP
    names = {path.name: path for path in directory.iterdir() if path.is_dir()}
    known = dict(BackgroundTask.objects.filter(pk__in=[n for n in names if _is_uuid(n)])
                 .values_list("pk", "finished_at"))
    removed = []
    for name, path in names.items():
        task_id = uuid.UUID(name) if _is_uuid(name) else None
        if task_id in known:
            stale = known[task_id] is not None and known[task_id] < cutoff
        else:
            stale = path.stat().st_mtime < cutoff.timestamp()
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(name)
    return sorted(removed)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
