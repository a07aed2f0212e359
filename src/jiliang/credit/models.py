"""Credit records (信用记录) of businesses, their grade (信用风险分类 A–D), objections (异议) and the
weights the city regulator may edit.

A ``CreditEvent`` is one fact about an organization that counts for or against it (an inspection
result, a confirmed alert, an overdue instrument...), named by its source so that the same fact is
recorded once. ``CreditGrade`` is the organization's score and grade as last computed (on each event
and nightly, as events fade); an organization without one has the data file's default grade.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import scoped_by
from jiliang.accounts.models import Role

REGULATORS = (Role.CITY_REGULATOR, Role.COUNTY_REGULATOR)


class EventKind(models.TextChoices):
    INSPECTION_PASSED = "inspection_passed", _("双随机抽查合格")
    INSPECTION_RECTIFY = "inspection_rectify", _("抽查发现问题责令整改")
    INSPECTION_REFERRED = "inspection_referred", _("抽查发现违法线索移送立案")
    ALERT_CONFIRMED = "alert_confirmed", _("远程监测预警经核实")
    INSTRUMENT_OVERDUE = "instrument_overdue", _("强检计量器具超期未检")
    VERIFICATION_FAILED = "verification_failed", _("计量器具检定不合格")
    CASE_WARNING = "case_warning", _("计量违法行为被警告")
    CASE_PENALTY = "case_penalty", _("计量违法行为被行政处罚")
    COMMITMENT_SIGNED = "commitment_signed", _("签署诚信计量自我承诺")
    MODEL_UNIT = "model_unit", _("评为诚信计量示范单位")


class Grade(models.TextChoices):
    A = "A", _("A 类（信用风险低）")
    B = "B", _("B 类（信用风险一般）")
    C = "C", _("C 类（信用风险较高）")
    D = "D", _("D 类（信用风险高）")


class EventState(models.TextChoices):
    IN_FORCE = "in_force", _("有效")
    VOIDED = "voided", _("已撤销")


# Kinds an owner's own act records (signing a pledge); every other kind is recorded by a regulator's
# service or by the platform's jobs.
OWNER_KINDS = frozenset({EventKind.COMMITMENT_SIGNED})


@scoped_by(
    division="organization__division",
    organization="organization",
    writers={"create": (*REGULATORS, Role.OWNER), "void": REGULATORS},
)
class CreditEvent(models.Model):
    organization = models.ForeignKey("registry.Organization", verbose_name=_("使用单位"), on_delete=models.CASCADE,
                                     related_name="credit_events")
    kind = models.CharField(_("事项"), max_length=32, choices=EventKind.choices)
    occurred_on = models.DateField(_("发生日期"))
    source_type = models.CharField(_("来源类型"), max_length=32)
    source_id = models.CharField(_("来源编号"), max_length=64)
    summary = models.CharField(_("说明"), max_length=255)
    state = models.CharField(_("状态"), max_length=16, choices=EventState.choices, default=EventState.IN_FORCE)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    voided_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "source_type", "source_id"],
                                    name="credit_event_once_per_source"),
        ]
        indexes = [models.Index(fields=["organization", "state"], name="credit_event_org_state")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.get_kind_display()} {self.occurred_on}"


@scoped_by(division="organization__division", organization="organization")
class CreditGrade(models.Model):
    organization = models.OneToOneField("registry.Organization", verbose_name=_("使用单位"),
                                        on_delete=models.CASCADE, related_name="credit_grade")
    score = models.FloatField(_("信用分"))
    grade = models.CharField(_("信用等级"), max_length=1, choices=Grade.choices, db_index=True)
    events = models.PositiveIntegerField(_("有效记录数"), default=0)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("信用等级")
        verbose_name_plural = _("信用等级")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.grade} ({self.score})"


class ObjectionState(models.TextChoices):
    PENDING = "pending", _("待处理")
    ACCEPTED = "accepted", _("已采纳")
    REJECTED = "rejected", _("已驳回")


@scoped_by(
    division="event__organization__division",
    organization="event__organization",
    writers={"create": (Role.OWNER,), "decide": REGULATORS},
)
class Objection(models.Model):
    """An owner contests one credit event; a regulator of its jurisdiction accepts it (the event is
    voided and the grade recomputed) or rejects it with a reason."""

    event = models.ForeignKey(CreditEvent, verbose_name=_("信用记录"), on_delete=models.CASCADE,
                              related_name="objections")
    reason = models.TextField(_("异议理由"), max_length=2000)
    state = models.CharField(_("状态"), max_length=16, choices=ObjectionState.choices,
                             default=ObjectionState.PENDING)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提出人"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision = models.TextField(_("处理意见"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("信用异议")
        verbose_name_plural = _("信用异议")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event"], condition=models.Q(state="pending"),
                                    name="objection_one_pending_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.get_state_display()}"


@scoped_by(shared=True, writers={"change": (Role.CITY_REGULATOR,)})
class CreditWeight(models.Model):
    """The city regulator's edit of one kind's weight; a kind without a row uses the data file."""

    kind = models.CharField(_("事项"), max_length=32, choices=EventKind.choices, unique=True)
    points = models.FloatField(_("分值"))
    half_life_days = models.PositiveIntegerField(_("半衰期（天）"), null=True, blank=True)
    cap = models.FloatField(_("累计上限（分）"), null=True, blank=True)
    note = models.CharField(_("修改说明"), max_length=255, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("信用事项分值")
        verbose_name_plural = _("信用事项分值")
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.points}"
