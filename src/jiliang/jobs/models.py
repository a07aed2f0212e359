"""Background tasks (后台任务): an import or an export too large to run within a web request.

The web process records a task and answers at once; the jobs process (`jiliang jobs`, or the
threads of `jiliang serve`) picks queued tasks up (``jobs.tasks.run_queued``), runs them and
records their progress, result and report here. State lives in the database and files under
``<var>/tasks/<id>/``, so a restarted web worker loses nothing and a restarted jobs process runs
again what it was running (an import is all-or-nothing, an export is written whole again).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import scoped_by
from jiliang.accounts.models import Role


class TaskKind(models.TextChoices):
    IMPORT = "import", _("导入")
    EXPORT = "export", _("导出")
    CREDIT_GRADES = "credit_grades", _("信用等级重算")


class TaskState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    COMPLETED = "completed", _("已完成")
    FAILED = "failed", _("失败")


# Who sees a task: the user who started it (selectors.tasks) and the auditors, who read every one.
@scoped_by(read_all=[Role.AUDITOR])
class BackgroundTask(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类型"), max_length=16, choices=TaskKind.choices)
    title = models.CharField(_("任务"), max_length=200)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("发起人"))
    state = models.CharField(_("状态"), max_length=16, choices=TaskState.choices, default=TaskState.QUEUED)
    params = models.JSONField(default=dict)  # what the handler needs to run it again from scratch
    phase = models.CharField(max_length=16, blank=True)  # the handler's step ("validate", "write", "export")
    done = models.PositiveBigIntegerField(_("已处理行数"), default=0)
    total = models.PositiveBigIntegerField(_("总行数"), null=True, blank=True)
    report = models.JSONField(null=True, blank=True)  # an import's report; an export's row count
    result_file = models.CharField(max_length=100, blank=True)  # a file in <var>/tasks/<id>/
    result_name = models.CharField(max_length=255, blank=True)  # its download name
    message = models.TextField(_("说明"), blank=True)  # why it failed, for the reader
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"]), models.Index(fields=["started_by", "created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def finished(self) -> bool:
        return self.state in (TaskState.COMPLETED, TaskState.FAILED)

    @property
    def percent(self) -> int:
        if self.state == TaskState.COMPLETED:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)
