"""Complaints and reports (投诉举报), enforcement cases (案件) with their stages, evidence and
decisions, the publication of decisions (行政处罚信息公示), and honest metrology (诚信计量):
self-commitments (承诺书) and model units (示范单位).

Complaints are routed to the county of the place; a county officer reads and handles the
complaints and cases of the county (``division`` is always the county-level unit).
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import scoped_by
from jiliang.accounts.masking import mask_id_number
from jiliang.accounts.models import Division, Role

REGULATORS = (Role.CITY_REGULATOR, Role.COUNTY_REGULATOR)


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")


class ComplaintSubject(models.TextChoices):
    SHORT_WEIGHT = "short_weight", _("短斤缺两")
    CHEATING = "cheating", _("计量器具作弊")
    UNVERIFIED = "unverified", _("器具未检定或超期使用")
    FAKE_CERTIFICATE = "fake_certificate", _("伪造检定证书或印证")
    SEAL_BROKEN = "seal_broken", _("铅封破坏")
    OTHER = "other", _("其他计量问题")


class ComplaintState(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    DUPLICATE = "duplicate", _("重复举报")
    REFERRED = "referred", _("已立案")
    REPLIED = "replied", _("已答复")


COMPLAINT_TRANSITIONS: dict[str, frozenset[str]] = {
    ComplaintState.SUBMITTED: frozenset({ComplaintState.ACCEPTED, ComplaintState.REJECTED, ComplaintState.DUPLICATE}),
    ComplaintState.ACCEPTED: frozenset({ComplaintState.REFERRED, ComplaintState.REPLIED}),
    ComplaintState.REFERRED: frozenset({ComplaintState.REPLIED}),
    ComplaintState.REJECTED: frozenset(),
    ComplaintState.DUPLICATE: frozenset(),
    ComplaintState.REPLIED: frozenset(),
}
OPEN_COMPLAINT_STATES = (ComplaintState.SUBMITTED, ComplaintState.ACCEPTED, ComplaintState.REFERRED)


def tracking_digest(code: str) -> str:
    """Only a keyed digest of the tracking code is stored: the code itself is the reporter's."""
    key = settings.SECRET_KEY.encode()
    return hashlib.blake2b(code.strip().upper().encode(), key=key[:64], digest_size=32).hexdigest()


@scoped_by(division="division", writers={"handle": REGULATORS, "reward": REGULATORS})
class Complaint(models.Model):
    """A citizen's complaint or report, filed without signing in and routed to the county of the place.

    The reporter's identity (optional) is stored encrypted (``identity.py``); only the handling
    officer reads it, and no snapshot, export, log line or other API answer carries it.
    """

    tracking_digest = models.CharField(_("查询码摘要"), max_length=64, unique=True, editable=False)
    kind = models.CharField(_("类别"), max_length=16, choices=ComplaintKind.choices, default=ComplaintKind.REPORT)
    subject = models.CharField(_("问题类型"), max_length=32, choices=ComplaintSubject.choices)
    description = models.TextField(_("情况描述"))
    site = models.ForeignKey("registry.Site", verbose_name=_("经营场所"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=255, blank=True)
    division = models.ForeignKey(Division, verbose_name=_("承办区县"), on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("registry.Organization", verbose_name=_("被投诉单位"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    instrument = models.ForeignKey("registry.Instrument", verbose_name=_("计量器具"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    instrument_code = models.CharField(_("器具公开码"), max_length=16, blank=True)
    occurred_on = models.DateField(_("发生日期"))
    identity_sealed = models.TextField(_("举报人身份(加密)"), blank=True, editable=False)
    state = models.CharField(_("状态"), max_length=16, choices=ComplaintState.choices,
                             default=ComplaintState.SUBMITTED)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    duplicate_of = models.ForeignKey("self", verbose_name=_("重复于"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("收到时间"))
    acknowledge_due = models.DateField(_("受理期限"))
    handling_due = models.DateField(_("核查期限"))
    reply_due = models.DateField(_("答复期限"))
    acknowledged_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    public_note = models.TextField(_("处理结果(公开)"), blank=True)
    reminded_on = models.DateField(_("最近提醒"), null=True, blank=True)
    escalated_on = models.DateField(_("升级日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # The sealed identity never leaves in a snapshot, even encrypted.
    personal_fields = {"identity_sealed": lambda value: "***" if value else ""}

    class Meta:
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["division", "state", "-received_at"], name="complaint_division_state"),
            models.Index(fields=["site", "subject", "received_at"], name="complaint_duplicates"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} {self.get_subject_display()}"

    @property
    def has_identity(self) -> bool:
        return bool(self.identity_sealed)

    def allowed_transitions(self) -> list[str]:
        return sorted(COMPLAINT_TRANSITIONS[self.state])


@scoped_by(division="complaint__division")
class ComplaintPhoto(models.Model):
    complaint = models.ForeignKey(Complaint, verbose_name=_("投诉举报"), on_delete=models.CASCADE,
                                  related_name="photos")
    content_type = models.CharField(_("类型"), max_length=32)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    data = models.BinaryField(_("内容"))

    class Meta:
        verbose_name = _("投诉照片")
        verbose_name_plural = _("投诉照片")
        ordering = ["id"]


class CaseSource(models.TextChoices):
    COMPLAINT = "complaint", _("投诉举报")
    INSPECTION = "inspection", _("监督检查")
    ALERT = "alert", _("监测预警")
    MANUAL = "manual", _("其他来源")


class CaseStage(models.TextChoices):
    FILED = "filed", _("立案")
    INVESTIGATING = "investigating", _("调查取证")
    NOTIFIED = "notified", _("告知")
    HEARING = "hearing", _("听证")
    DECIDED = "decided", _("决定")
    ENFORCING = "enforcing", _("执行")
    CLOSED = "closed", _("结案")


@scoped_by(division="division", organization="organization",
           writers={"create": REGULATORS, "change": REGULATORS, "publish": REGULATORS})
class Case(models.Model):
    """An administrative penalty case (行政处罚案件) against one organization, in one county."""

    number = models.CharField(_("案件编号"), max_length=32, unique=True)
    title = models.CharField(_("案由"), max_length=200)
    organization = models.ForeignKey("registry.Organization", verbose_name=_("当事人"), on_delete=models.PROTECT,
                                     related_name="+")
    site = models.ForeignKey("registry.Site", verbose_name=_("经营场所"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    instrument = models.ForeignKey("registry.Instrument", verbose_name=_("涉案器具"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    division = models.ForeignKey(Division, verbose_name=_("承办区县"), on_delete=models.PROTECT, related_name="+",
                                 db_index=False)
    source_type = models.CharField(_("案件来源"), max_length=16, choices=CaseSource.choices)
    source_id = models.CharField(_("来源编号"), max_length=32, blank=True)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True,
                                on_delete=models.PROTECT, related_name="+")
    discovered_on = models.DateField(_("发现日期"))
    filed_on = models.DateField(_("立案日期"))
    stage = models.CharField(_("阶段"), max_length=16, choices=CaseStage.choices, default=CaseStage.FILED)
    stage_since = models.DateField(_("阶段日期"))
    hearing_requested = models.BooleanField(_("当事人要求听证"), default=False)
    decision_extension_days = models.PositiveSmallIntegerField(_("决定期限延长(日)"), default=0)
    seal_broken = models.BooleanField(_("铅封破坏"), default=False)
    basis = models.CharField(_("处罚依据"), max_length=32, blank=True)
    facts = models.TextField(_("违法事实"), blank=True)
    warning = models.BooleanField(_("警告"), default=False)
    confiscation = models.BooleanField(_("没收"), default=False)
    fine_amount = models.DecimalField(_("罚款金额(元)"), max_digits=12, decimal_places=2, null=True, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-filed_on", "-id"]
        indexes = [
            models.Index(fields=["division", "stage", "-filed_on"], name="case_division_stage"),
            models.Index(fields=["-filed_on", "-id"], name="case_filed"),
            models.Index(fields=["source_type", "source_id"], name="case_source"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_penalty(self) -> bool:
        return bool(self.confiscation or self.fine_amount)


@scoped_by(division="case__division", organization="case__organization")
class CaseStageEntry(models.Model):
    """One step of a case: the stage entered, when, by whom, its deadline and a reason if late."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("阶段"), max_length=16, choices=CaseStage.choices)
    entered_on = models.DateField(_("日期"))
    due_on = models.DateField(_("法定期限"), null=True, blank=True)
    late_reason = models.CharField(_("逾期理由"), max_length=255, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("案件阶段")
        verbose_name_plural = _("案件阶段")
        ordering = ["case", "id"]


@scoped_by(division="case__division")
class CaseParty(models.Model):
    """A further party of a case (a person responsible), beside the organization."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(_("姓名或名称"), max_length=128)
    role = models.CharField(_("身份"), max_length=64, blank=True)
    id_number = models.CharField(_("证件号码"), max_length=32, blank=True)
    address = models.CharField(_("住址"), max_length=255, blank=True)

    personal_fields = {"id_number": mask_id_number}

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["case", "id"]


@scoped_by(division="case__division")
class Evidence(models.Model):
    """One file of the evidence chain; its SHA-256 goes on the transparency log when it is added."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField(_("名称"), max_length=128)
    content_type = models.CharField(_("类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    data = models.BinaryField(_("内容"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证据")
        verbose_name_plural = _("证据")
        ordering = ["case", "id"]


@scoped_by(division="case__division")
class RewardDecision(models.Model):
    """举报奖励: a reward decided for a report that led to a penalty."""

    complaint = models.OneToOneField(Complaint, verbose_name=_("举报"), on_delete=models.PROTECT,
                                     related_name="reward")
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("奖励金额(元)"), max_digits=10, decimal_places=2)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("举报奖励")
        verbose_name_plural = _("举报奖励")


@scoped_by(shared=True)
class Publication(models.Model):
    """行政处罚信息公示: a decision as the public reads it, personal data masked; public by nature."""

    case = models.OneToOneField(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="publication")
    case_number = models.CharField(_("决定书文号"), max_length=32)
    party = models.CharField(_("当事人"), max_length=128)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    facts = models.TextField(_("违法事实"))
    basis = models.CharField(_("处罚依据"), max_length=255)
    penalty = models.CharField(_("处罚内容"), max_length=255)
    authority = models.CharField(_("处罚机关"), max_length=64)
    decided_on = models.DateField(_("处罚决定日期"))
    published_on = models.DateField(_("公示日期"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("公示人"), on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = _("处罚公示")
        verbose_name_plural = _("处罚公示")
        ordering = ["-published_on", "-id"]


@scoped_by(division="organization__division", organization="organization",
           writers={"create": (Role.OWNER,)})
class Commitment(models.Model):
    """诚信计量自我承诺书 signed online by a business."""

    organization = models.ForeignKey("registry.Organization", verbose_name=_("使用单位"), on_delete=models.PROTECT,
                                     related_name="+")
    text_version = models.CharField(_("承诺书版本"), max_length=16)
    signer_name = models.CharField(_("签署人"), max_length=64)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签署账号"), on_delete=models.PROTECT,
                                  related_name="+")
    signed_on = models.DateField(_("签署日期"))

    class Meta:
        verbose_name = _("诚信计量承诺")
        verbose_name_plural = _("诚信计量承诺")
        ordering = ["-signed_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "text_version"],
                                               name="commitment_once_per_version")]


class ModelUnitState(models.TextChoices):
    NOMINATED = "nominated", _("已推荐")
    PUBLISHED = "published", _("已公布")


@scoped_by(division="organization__division", organization="organization",
           writers={"create": REGULATORS, "publish": (Role.CITY_REGULATOR,)})
class ModelUnit(models.Model):
    """诚信计量示范单位: nominated by a county, published by the city."""

    organization = models.ForeignKey("registry.Organization", verbose_name=_("使用单位"), on_delete=models.PROTECT,
                                     related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    reason = models.CharField(_("推荐理由"), max_length=255)
    state = models.CharField(_("状态"), max_length=16, choices=ModelUnitState.choices,
                             default=ModelUnitState.NOMINATED)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("推荐人"), on_delete=models.PROTECT,
                                     related_name="+")
    published_on = models.DateField(_("公布日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("诚信计量示范单位")
        verbose_name_plural = _("诚信计量示范单位")
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="model_unit_once_a_year")]


@scoped_by(shared=True, writers={"change": (Role.CITY_REGULATOR,)})
class DeadlineSetting(models.Model):
    """The city regulator's edit of one statutory deadline of ``data/deadlines.json``; a deadline
    without a row uses the data file (whose citation and confidence stay with it)."""

    group = models.CharField(_("类别"), max_length=16)
    name = models.CharField(_("期限"), max_length=32)
    n = models.PositiveIntegerField(_("期限（日）"))
    extension = models.PositiveIntegerField(_("可延长（日）"), default=0)
    note = models.CharField(_("修改说明"), max_length=255, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("法定期限")
        verbose_name_plural = _("法定期限")
        ordering = ["group", "name"]
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="enforcement_deadline_setting_unique")]

    def __str__(self) -> str:
        return f"{self.group}.{self.name}: {self.n}"


@scoped_by(shared=True, writers={"change": (Role.CITY_REGULATOR,)})
class LegalBasisSetting(models.Model):
    """The city regulator's edit of one legal basis of ``data/legal_basis.csv``; a basis without a
    row uses the data file (whose source and confidence stay with it)."""

    key = models.CharField(_("依据"), max_length=32, unique=True)
    title = models.CharField(_("违法行为"), max_length=255)
    law_article = models.CharField(_("法律条款"), max_length=128)
    rules_article = models.CharField(_("实施细则条款"), max_length=128, blank=True)
    warning = models.BooleanField(_("可警告"))
    confiscation = models.BooleanField(_("可没收"))
    fine_min = models.DecimalField(_("罚款下限（元）"), max_digits=12, decimal_places=2)
    fine_max = models.DecimalField(_("罚款上限（元）"), max_digits=12, decimal_places=2)
    fine_note = models.CharField(_("处罚说明"), max_length=255, blank=True)
    note = models.CharField(_("修改说明"), max_length=255, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("处罚依据")
        verbose_name_plural = _("处罚依据")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key}: {self.law_article}"
