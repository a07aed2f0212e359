from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import scoped_by
from jiliang.accounts.models import Role


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    ON_TRACK = "on_track", _("按计划推进")
    BEHIND = "behind", _("滞后")
    COMPLETED = "completed", _("已完成")


class ReviewState(models.TextChoices):
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("已采纳")
    RETURNED = "returned", _("已退回")


# A department's reporter (Role.DEPARTMENT) reports with evidence on the tasks its department leads or
# supports and reads its own department's reports; the city regulator accepts or returns them, and may enter
# what a department sends on paper. County regulators and auditors read the board. No division column: the
# plan is the city's.
@scoped_by(department="department", read_all=(Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.AUDITOR),
           writers={"report": (Role.CITY_REGULATOR, Role.DEPARTMENT), "review": (Role.CITY_REGULATOR,)})
class TaskReport(models.Model):
    """One progress report on a task or safeguard of the plan (portal/plan.py): the newest accepted one per
    task is its status on the board; earlier ones, and those pending or returned, stay as its history."""

    task = models.CharField(_("任务"), max_length=8, db_index=True)
    status = models.CharField(_("进展状态"), max_length=16, choices=TaskStatus.choices)
    department = models.CharField(_("填报部门"), max_length=64)
    progress = models.TextField(_("进展情况"), max_length=2000)
    evidence = models.TextField(_("佐证材料"), max_length=2000,
                                help_text=_("文件名称和文号、会议纪要、网址等可供核查的依据。"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT,
                                    related_name="+")
    reported_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    review = models.CharField(_("审核状态"), max_length=16, choices=ReviewState.choices, default=ReviewState.PENDING,
                              db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("规划任务进展")
        verbose_name_plural = _("规划任务进展")
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task} {self.get_status_display()}"
