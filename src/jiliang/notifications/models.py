"""Reminders (what a daily job told an audience on a day) and notifications (what each person sees).

A ``Reminder`` is the durable record of one standing condition told to one audience on one day: an
owner organization (its users) or a division (its regulators). It is unique per day, topic and
audience, so a job that runs twice on a day stores and sends nothing the second time. Each person
it reaches gets one ``Notification`` through the in-app notifier (notifiers.py); other channels
(log, e-mail, SMS) deliver the same notices elsewhere.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import scoped_by
from jiliang.accounts.models import Division


class Audience(models.TextChoices):
    OWNER = "owner", _("使用单位")
    REGULATOR = "regulator", _("监管部门")


@scoped_by(division="division", organization="organization")
class Reminder(models.Model):
    day = models.DateField(_("提醒日期"))
    topic = models.CharField(_("提醒事项"), max_length=64)
    audience = models.CharField(_("提醒对象"), max_length=16, choices=Audience.choices)
    # An owner reminder names the organization (and its division, for the regulators who oversee
    # it); a regulator reminder names only the division whose regulators it is for.
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("使用单位"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    division = models.ForeignKey(Division, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+",
                                 db_index=False)
    count = models.PositiveIntegerField(_("涉及器具数"))
    earliest = models.DateField(_("最早日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "topic", "organization"], condition=Q(organization__isnull=False),
                                    name="reminder_owner_day_unique"),
            models.UniqueConstraint(fields=["day", "topic", "division"], condition=Q(organization__isnull=True),
                                    name="reminder_division_day_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "-day"], name="reminder_organization_day"),
            models.Index(fields=["division", "-day"], name="reminder_division_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.topic} {self.organization_id or self.division_id}: {self.count}"


class Notification(models.Model):
    """One message in one person's inbox. Only its recipient reads it (selectors.inbox), like an API
    token, so it has no jurisdiction scope rule."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE,
                                  related_name="notifications", db_index=False)
    topic = models.CharField(_("事项"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=255, blank=True)
    reminder = models.ForeignKey(Reminder, verbose_name=_("提醒"), null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="notifications")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "reminder"], condition=Q(reminder__isnull=False),
                                    name="notification_reminder_unique"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_inbox"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.title}"
