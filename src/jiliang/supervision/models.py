"""Double-random inspections (双随机、一公开): plans, their verifiable draws, the inspection tasks an
inspector fills on a phone, the findings and evidence, the conflicts inspectors declare, and the
checklists per site kind.

A plan is scoped by the division it covers; tasks by the inspected site's division and owned by the
inspected business, which reads its own results. Draw inputs and results, and published results,
are public (the public pages read them without a sign-in).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import scoped_by
from jiliang.accounts.models import REGULATOR_ROLES, Division, Role

REGULATORS = tuple(REGULATOR_ROLES)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    COMMITTED = "committed", _("已公示名单")
    DRAWN = "drawn", _("已抽取")
    CLOSED = "closed", _("已完成")


@scoped_by(
    division="division",
    writers={"create": REGULATORS, "change": REGULATORS, "draw": REGULATORS},
)
class InspectionPlan(models.Model):
    """A campaign (抽查计划): what is in scope, how many to draw and with which weights, by whom."""

    name = models.CharField(_("计划名称"), max_length=128)
    division = models.ForeignKey(Division, verbose_name=_("抽查区划"), on_delete=models.PROTECT, related_name="+")
    site_kinds = models.JSONField(_("场所类型"), default=list, blank=True)
    instrument_types = models.ManyToManyField(
        "registry.InstrumentType", verbose_name=_("器具种类"), blank=True, related_name="+"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    draw_count = models.PositiveIntegerField(_("抽取家数"), null=True, blank=True)
    draw_percent = models.PositiveSmallIntegerField(_("抽取比例(%)"), null=True, blank=True)
    grade_ratios = models.JSONField(_("信用等级权重(%)"), default=dict)
    alert_weight = models.PositiveSmallIntegerField(_("每条在办预警加权(%)"), default=0)
    alert_cap = models.PositiveSmallIntegerField(_("预警加权上限(条)"), default=0)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("执法检查人员"), related_name="inspection_plans"
    )
    status = models.CharField(_("状态"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("抽查计划")
        verbose_name_plural = _("抽查计划")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name


@scoped_by(division="plan__division")
class Draw(models.Model):
    """The committed inputs of a plan's draw and, once the seed exists, its result.

    ``inputs`` is the document whose SHA-256 went on the log (``commitment_index`` once the
    sequencer integrated it); ``checkpoint_text`` is the first checkpoint signed after it, whose
    hash is the seed. All of it is public.
    """

    plan = models.OneToOneField(InspectionPlan, verbose_name=_("抽查计划"), on_delete=models.PROTECT,
                                related_name="draw")
    inputs = models.JSONField(_("抽取输入"))
    inputs_sha256 = models.CharField(_("输入摘要"), max_length=64)
    committed_at = models.DateTimeField(_("公示时间"))
    commitment_index = models.BigIntegerField(_("日志序号"), null=True, blank=True)
    checkpoint_size = models.BigIntegerField(_("检查点条目数"), null=True, blank=True)
    checkpoint_text = models.TextField(_("检查点"), blank=True)
    result = models.JSONField(_("抽取结果"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("随机抽取")
        verbose_name_plural = _("随机抽取")

    def __str__(self) -> str:
        return str(self.plan)


@scoped_by(
    division="inspector__division",
    writers={"create": REGULATORS, "delete": REGULATORS},
)
class ConflictDeclaration(models.Model):
    """An inspector's declared relation (亲属、曾任职 …) with a business: never drawn for it."""

    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("执法检查人员"),
                                  on_delete=models.CASCADE, related_name="conflict_declarations")
    organization = models.ForeignKey("registry.Organization", verbose_name=_("使用单位"),
                                     on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("回避事由"), max_length=255)
    declared_at = models.DateTimeField(_("申报时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回避申报")
        verbose_name_plural = _("回避申报")
        constraints = [models.UniqueConstraint(fields=["inspector", "organization"], name="conflict_once")]


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待检查")
    SUBMITTED = "submitted", _("已检查")
    PUBLISHED = "published", _("已公开")


class TaskResult(models.TextChoices):
    PASSED = "pass", _("未发现问题")
    RECTIFY = "rectify", _("责令限期整改")
    REFER = "refer", _("移送立案")


class TaskSource(models.TextChoices):
    DRAW = "draw", _("随机抽取")
    ALERT = "alert", _("预警转办")


@scoped_by(
    division="division",
    organization="organization",
    writers={"create": REGULATORS, "fill": REGULATORS, "publish": REGULATORS},
)
class InspectionTask(models.Model):
    """One business to inspect at one site, by a pair of inspectors, with its checklist answers."""

    plan = models.ForeignKey(InspectionPlan, verbose_name=_("抽查计划"), on_delete=models.PROTECT,
                             null=True, blank=True, related_name="tasks")
    source = models.CharField(_("来源"), max_length=16, choices=TaskSource.choices, default=TaskSource.DRAW)
    alert = models.ForeignKey("monitoring.Alert", verbose_name=_("来源预警"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+")
    organization = models.ForeignKey("registry.Organization", verbose_name=_("检查对象"),
                                     on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("registry.Site", verbose_name=_("检查场所"), on_delete=models.PROTECT, related_name="+")
    division = models.ForeignKey(Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+")
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("检查人员"),
                                        related_name="inspection_tasks")
    status = models.CharField(_("状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    checklist = models.JSONField(_("检查表"), default=list)
    answers = models.JSONField(_("检查记录"), default=dict, blank=True)
    result = models.CharField(_("检查结果"), max_length=16, choices=TaskResult.choices, blank=True)
    rectify_by = models.DateField(_("整改期限"), null=True, blank=True)
    summary = models.TextField(_("检查情况"), blank=True)
    inspected_on = models.DateField(_("检查日期"), null=True, blank=True)
    publish_by = models.DateField(_("公开期限"), null=True, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("检查任务")
        verbose_name_plural = _("检查任务")
        ordering = ["status", "-created_at", "-id"]
        indexes = [models.Index(fields=["division", "status"], name="inspection_task_division")]

    def __str__(self) -> str:
        return f"{self.organization}（{self.site}）"


class FindingKind(models.TextChoices):
    OVERDUE = "overdue", _("超期未检")
    FAILED = "failed", _("检定不合格仍在使用")
    SEAL_BROKEN = "seal_broken", _("封印破损")
    UNREGISTERED = "unregistered", _("未备案器具")


@scoped_by(division="task__division", organization="task__organization")
class Finding(models.Model):
    """A problem found, naming the instrument (or the serial number of an unregistered one)."""

    task = models.ForeignKey(InspectionTask, verbose_name=_("检查任务"), on_delete=models.CASCADE,
                             related_name="findings")
    kind = models.CharField(_("问题类型"), max_length=16, choices=FindingKind.choices)
    instrument = models.ForeignKey("registry.Instrument", verbose_name=_("计量器具"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    serial_no = models.CharField(_("出厂编号"), max_length=64, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("检查发现")
        verbose_name_plural = _("检查发现")
        ordering = ["id"]


@scoped_by(division="task__division", organization="task__organization")
class Evidence(models.Model):
    """A photo or file taken on site; its SHA-256 is on the transparency log."""

    task = models.ForeignKey(InspectionTask, verbose_name=_("检查任务"), on_delete=models.CASCADE,
                             related_name="evidence")
    name = models.CharField(_("文件名"), max_length=128)
    content_type = models.CharField(_("文件类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    data = models.BinaryField(_("内容"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"),
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查证据")
        verbose_name_plural = _("检查证据")
        ordering = ["id"]


@scoped_by(shared=True, writers={"change": (Role.CITY_REGULATOR,)})
class Checklist(models.Model):
    """The checklist of one site kind as edited by the city; without a row the data file's applies."""

    site_kind = models.CharField(_("场所类型"), max_length=32, unique=True)
    items = models.JSONField(_("检查项"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")
