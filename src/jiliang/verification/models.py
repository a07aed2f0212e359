"""Verification: institutions and their authorisation, persons' qualifications, measurement standards
and their calibrations up to a national root, requests, verification records, certificates.

The design (indexes, the denormalised ``VerificationState``, numbering, immutability) is explained in
docs/verification.md; the conformity decision itself is pure logic in ``conformity.py``.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.accounts.access import scoped_by
from jiliang.accounts.models import Division, Role

REGULATORS = (Role.CITY_REGULATOR, Role.COUNTY_REGULATOR)
# The scope rule of everything a verification produces: regulators by the instrument's division at
# the time, owners their own, institutions their own.
RECORD_SCOPE = {"division": "division", "organization": "owner", "institution": "institution"}


class InstitutionKind(models.TextChoices):
    NATIONAL = "national", _("国家计量院")
    LEGAL = "legal", _("法定计量检定机构")
    AUTHORISED = "authorised", _("授权计量检定机构")


# Institutions, their authorisations, standards and standards' calibrations are public reference data
# that every signed-in user reads (an owner picks an institution, a chain climbs through other
# institutions' standards). Who may write is the ``writers`` rule plus, for institution staff, the
# services' check that the row belongs to their own institution.
@scoped_by(shared=True, writers={"create": (Role.CITY_REGULATOR,), "change": (Role.CITY_REGULATOR,)})
class Institution(models.Model):
    """A legal metrology institution or authorised body (法定计量检定机构/授权机构), or the national
    institute at the root of every chain. ``division`` is empty for a body outside the province."""

    name = models.CharField(_("机构名称"), max_length=128, unique=True)
    kind = models.CharField(_("机构类别"), max_length=16, choices=InstitutionKind.choices, default=InstitutionKind.LEGAL)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    certificate_prefix = models.CharField(
        _("证书编号前缀"), max_length=16, blank=True, help_text=_("例如 BZJL；证书编号为 前缀+年份-类别+六位流水号。")
    )

    class Meta:
        verbose_name = _("检定机构")
        verbose_name_plural = _("检定机构")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@scoped_by(shared=True, writers={"create": (Role.CITY_REGULATOR,), "change": (Role.CITY_REGULATOR,)})
class AuthorisationScope(models.Model):
    """One metrology authorisation (计量授权) of an institution: which instrument types it may verify,
    in which divisions (each with its subtree), between two dates."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("检定机构"), on_delete=models.CASCADE, related_name="authorisations"
    )
    authorisation_no = models.CharField(_("授权证书编号"), max_length=64)
    issued_by = models.CharField(_("授权机关"), max_length=128, blank=True)
    instrument_types = models.ManyToManyField(
        "registry.InstrumentType", verbose_name=_("授权器具种类"), related_name="authorisations"
    )
    divisions = models.ManyToManyField(Division, verbose_name=_("授权区域"), related_name="+")
    valid_from = models.DateField(_("有效期自"))
    valid_until = models.DateField(_("有效期至"))

    class Meta:
        verbose_name = _("计量授权")
        verbose_name_plural = _("计量授权")
        ordering = ["institution", "-valid_until"]

    def __str__(self) -> str:
        return f"{self.institution} {self.authorisation_no}"


class QualificationKind(models.TextChoices):
    VERIFIER = "verifier", _("检定员")
    CHECKER = "checker", _("核验员")


@scoped_by(
    division="user__institution__division",
    institution="user__institution",
    writers={"create": (Role.CITY_REGULATOR,), "change": (Role.CITY_REGULATOR,)},
)
class Qualification(models.Model):
    """A person's qualification to verify or to check one instrument type, with its validity."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="qualifications"
    )
    instrument_type = models.ForeignKey(
        "registry.InstrumentType", verbose_name=_("器具种类"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("资格类别"), max_length=16, choices=QualificationKind.choices)
    certificate_no = models.CharField(_("资格证书编号"), max_length=64, blank=True)
    valid_from = models.DateField(_("有效期自"))
    valid_until = models.DateField(_("有效期至"))

    class Meta:
        verbose_name = _("人员资格")
        verbose_name_plural = _("人员资格")
        ordering = ["user", "instrument_type", "kind"]
        indexes = [models.Index(fields=["user", "instrument_type", "kind"], name="qualification_user_type")]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()} {self.instrument_type}"


STANDARD_WRITERS = {"create": (Role.CITY_REGULATOR, Role.INSTITUTION_STAFF),
                    "change": (Role.CITY_REGULATOR, Role.INSTITUTION_STAFF)}


@scoped_by(shared=True, writers=STANDARD_WRITERS)
class MeasurementStandard(models.Model):
    """A measurement standard (计量标准) held by an institution; ``is_national_root`` marks a national
    standard (国家计量基准) where every traceability chain ends."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="standards"
    )
    name = models.CharField(_("标准名称"), max_length=128)
    approval_no = models.CharField(_("计量标准考核证书编号"), max_length=64, blank=True)
    approval_valid_until = models.DateField(_("考核证书有效期至"), null=True, blank=True)
    instrument_types = models.ManyToManyField(
        "registry.InstrumentType", verbose_name=_("可检器具种类"), related_name="standards", blank=True
    )
    measuring_range = models.CharField(_("测量范围"), max_length=128, blank=True)
    accuracy = models.CharField(_("准确度等级或不确定度"), max_length=128, blank=True)
    is_public = models.BooleanField(_("社会公用计量标准"), default=False)
    is_national_root = models.BooleanField(_("国家计量基准(溯源终点)"), default=False)
    in_service = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("计量标准")
        verbose_name_plural = _("计量标准")
        ordering = ["institution", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.institution})"

    def choice_label(self) -> str:
        return f"{self.name} · {self.institution.name}"


class CalibrationResult(models.TextChoices):
    IN_TOLERANCE = "in_tolerance", _("符合要求")
    OUT_OF_TOLERANCE = "out_of_tolerance", _("超差")


@scoped_by(shared=True, writers=STANDARD_WRITERS)
class StandardCalibration(models.Model):
    """A calibration (or verification) certificate of a standard, issued by a higher institution with
    its own ``reference_standard``: one link of the traceability chain."""

    standard = models.ForeignKey(
        MeasurementStandard, verbose_name=_("被校计量标准"), on_delete=models.PROTECT, related_name="calibrations"
    )
    reference_standard = models.ForeignKey(
        MeasurementStandard, verbose_name=_("上级计量标准"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="calibrated",
    )
    calibrating_institution = models.ForeignKey(
        Institution, verbose_name=_("校准机构"), on_delete=models.PROTECT, related_name="standard_calibrations"
    )
    certificate_no = models.CharField(_("校准证书编号"), max_length=64)
    calibrated_on = models.DateField(_("校准日期"))
    valid_until = models.DateField(_("有效期至"))
    result = models.CharField(_("校准结论"), max_length=16, choices=CalibrationResult.choices)
    uncertainty = models.CharField(_("测量不确定度"), max_length=128, blank=True)
    # The calibrated values of an imported DCC: [{name, value, unit, U, k}], as the issuer stated them.
    results = models.JSONField(_("校准结果"), default=list, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("计量标准校准记录")
        verbose_name_plural = _("计量标准校准记录")
        ordering = ["standard", "-calibrated_on", "-id"]
        indexes = [models.Index(fields=["standard", "calibrated_on"], name="std_calibration_date")]

    def __str__(self) -> str:
        return f"{self.certificate_no} ({self.calibrated_on})"


class AnchorKind(models.TextChoices):
    """The trust anchors: what every certificate's validity rests on."""

    NATIONAL_ROOT = "national_root", _("国家计量基准设定")
    AUTHORISATION = "authorisation", _("计量授权")
    QUALIFICATION = "qualification", _("人员资格")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("待复核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


@scoped_by(institution="institution", writers={"propose": (Role.CITY_REGULATOR,), "approve": (Role.CITY_REGULATOR,),
                                               "reject": (Role.CITY_REGULATOR,)})
class TrustAnchorProposal(models.Model):
    """A proposed change of a trust anchor (a national root, an authorisation, a qualification). One
    city regulator proposes, another approves or rejects (the two-person rule); only an approval
    writes the anchor. ``payload`` holds the proposed values as JSON (codes and ids), re-checked on
    approval because the world may have moved since."""

    kind = models.CharField(_("变更类别"), max_length=16, choices=AnchorKind.choices)
    institution = models.ForeignKey(Institution, verbose_name=_("检定机构"), on_delete=models.PROTECT,
                                    related_name="+")
    standard = models.ForeignKey(MeasurementStandard, verbose_name=_("计量标准"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField(_("提议内容"))
    status = models.CharField(_("状态"), max_length=16, choices=ProposalStatus.choices,
                              default=ProposalStatus.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提议人"), on_delete=models.PROTECT,
                                    related_name="+")
    proposed_at = models.DateTimeField(_("提议时间"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("复核人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    decision_note = models.CharField(_("复核意见"), max_length=500, blank=True)
    applied_id = models.BigIntegerField(_("生效记录编号"), null=True, blank=True)

    class Meta:
        verbose_name = _("信任锚变更")
        verbose_name_plural = _("信任锚变更")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "-id"], name="anchor_proposal_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ErrorBasis(models.TextChoices):
    RELATIVE_PERCENT = "relative_percent", _("相对误差(%)")
    SCALE_INTERVAL = "scale_interval", _("检定分度值(e)")
    ABSOLUTE = "absolute", _("绝对误差")


class RuleKind(models.TextChoices):
    """Which verifications a rule decides: regulations often allow a subsequent verification a wider
    error than the first, and an in-use inspection (使用中检查) wider still."""

    ANY = "any", _("首次检定和后续检定")
    FIRST = "first", _("首次检定")
    SUBSEQUENT = "subsequent", _("后续检定")
    IN_USE = "in_use", _("使用中检查")


@scoped_by(shared=True, writers={"create": (Role.CITY_REGULATOR,), "change": (Role.CITY_REGULATOR,),
                                 "retire": (Role.CITY_REGULATOR,)})
class MpeRule(models.Model):
    """One maximum permissible error (最大允许误差) from a regulation, loaded from data/mpe.csv with its
    source and confidence, or added by the city regulator. Every row is an editable default the city
    regulator checks against the official text; a row without bounds cannot decide anything until it
    is filled in. A rule is never deleted (decided points refer to it): it is retired."""

    key = models.CharField(_("规则编号"), max_length=16, unique=True)
    instrument_types = models.ManyToManyField(
        "registry.InstrumentType", verbose_name=_("适用器具种类"), related_name="mpe_rules"
    )
    regulation = models.CharField(_("检定规程"), max_length=255)
    clause = models.CharField(_("条款"), max_length=64, blank=True)
    accuracy_class = models.CharField(_("准确度等级"), max_length=16, blank=True, help_text=_("留空表示不分等级。"))
    quantity = models.CharField(_("检定项目"), max_length=128)
    condition = models.CharField(_("适用范围或条件"), max_length=255, blank=True)
    error_basis = models.CharField(_("误差表示"), max_length=16, choices=ErrorBasis.choices)
    unit = models.CharField(_("单位"), max_length=16)
    lower = models.DecimalField(_("下限"), max_digits=12, decimal_places=6, null=True, blank=True)
    upper = models.DecimalField(_("上限"), max_digits=12, decimal_places=6, null=True, blank=True)
    applies_to = models.CharField(_("适用检定类别(资料原文)"), max_length=64, blank=True)
    verification_kind = models.CharField(_("适用检定类别"), max_length=16, choices=RuleKind.choices,
                                         default=RuleKind.ANY)
    source = models.TextField(_("来源"), blank=True)
    confidence = models.CharField(_("可信度"), max_length=64, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    active = models.BooleanField(_("现行有效"), default=True)
    retired_at = models.DateTimeField(_("废止时间"), null=True, blank=True, editable=False)
    retirement_reason = models.CharField(_("废止原因"), max_length=500, blank=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("最大允许误差规则")
        verbose_name_plural = _("最大允许误差规则")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} {self.regulation} {self.quantity} {self.accuracy_class}".strip()


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", pgettext_lazy("request status", "不予受理")
    CANCELLED = "cancelled", _("已撤回")
    COMPLETED = "completed", _("已完成")


OPEN_REQUEST_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.ACCEPTED)


@scoped_by(
    division="owner__division",
    organization="owner",
    institution="institution",
    writers={
        "create": (Role.OWNER,),
        # A regulator orders verification of an owner's instrument an alert concerns (责令送检),
        # through the same use case; the owner's own pages and buttons stay the owner's.
        "order": (Role.CITY_REGULATOR, Role.COUNTY_REGULATOR),
        "cancel": (Role.OWNER,),
        "accept": (Role.INSTITUTION_STAFF,),
        "reject": (Role.INSTITUTION_STAFF,),
    },
)
class VerificationRequest(models.Model):
    """An owner's request for verification (报检) of some of its instruments by one institution."""

    owner = models.ForeignKey(
        "registry.Organization", verbose_name=_("使用单位"), on_delete=models.PROTECT, related_name="verification_requests"
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("检定机构"), on_delete=models.PROTECT, related_name="requests"
    )
    instruments = models.ManyToManyField(
        "registry.Instrument", verbose_name=_("报检器具"), related_name="verification_requests"
    )
    status = models.CharField(_("状态"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED)
    preferred_date = models.DateField(_("希望检定日期"), null=True, blank=True)
    scheduled_for = models.DateField(_("安排检定日期"), null=True, blank=True)
    note = models.CharField(_("报检说明"), max_length=500, blank=True)
    response = models.CharField(_("机构答复"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报检人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("报检时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("报检申请")
        verbose_name_plural = _("报检申请")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["institution", "status", "-id"], name="request_institution_status"),
            models.Index(fields=["owner", "-id"], name="request_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} → {self.institution} #{self.pk}"


class VerificationKind(models.TextChoices):
    INITIAL = "initial", _("首次检定")
    SUBSEQUENT = "subsequent", _("后续检定")
    PERIODIC = "periodic", _("周期检定")
    CALIBRATION = "calibration", _("校准")


VERIFICATION_KINDS = (VerificationKind.INITIAL, VerificationKind.SUBSEQUENT, VerificationKind.PERIODIC)


class DecisionRule(models.TextChoices):
    """The decision rules of conformity.py; a record keeps the one it was decided under."""

    SIMPLE_ACCEPTANCE = "simple_acceptance", _("简单接受：U ≤ MPE/3 时直接以示值误差判定 (JJF 1094)")
    GUARDED_ACCEPTANCE = "guarded_acceptance", _("保护带接受：误差须在 MPE 内缩 U 的区间内 (JJF 1094, ILAC-G8)")


class Conclusion(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    CALIBRATED = "calibrated", _("校准(不作合格判定)")


@scoped_by(**RECORD_SCOPE, writers={"create": (Role.INSTITUTION_STAFF,)})
class Verification(models.Model):
    """One verification or calibration of one instrument: who, when, with which standards, the test
    points and the conclusion. ``owner``, ``division`` and ``instrument_type`` are copied from the
    instrument at the time, so that history, scoping and statistics need no join and stay true when
    the instrument later moves or changes hands."""

    instrument = models.ForeignKey(
        "registry.Instrument", verbose_name=_("计量器具"), on_delete=models.PROTECT, related_name="verifications",
        db_index=False,  # led by the (instrument, performed_on) index
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("检定机构"), on_delete=models.PROTECT, related_name="verifications",
        db_index=False,
    )
    owner = models.ForeignKey(
        "registry.Organization", verbose_name=_("使用单位"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    division = models.ForeignKey(Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+",
                                 db_index=False)
    instrument_type = models.ForeignKey(
        "registry.InstrumentType", verbose_name=_("器具种类"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    request = models.ForeignKey(
        VerificationRequest, verbose_name=_("报检申请"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="verifications",
    )
    kind = models.CharField(_("检定类别"), max_length=16, choices=VerificationKind.choices)
    performed_on = models.DateField(_("检定日期"))
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("检定员"), on_delete=models.PROTECT,
                                 related_name="+")
    checker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核验员"), on_delete=models.PROTECT,
                                related_name="+")
    standards = models.ManyToManyField(
        MeasurementStandard, verbose_name=_("使用的计量标准"), through="StandardUse", related_name="+"
    )
    accuracy_class = models.CharField(_("准确度等级"), max_length=16, blank=True)
    scale_interval = models.DecimalField(_("检定分度值 e"), max_digits=20, decimal_places=6, null=True, blank=True)
    temperature_c = models.DecimalField(_("环境温度(℃)"), max_digits=5, decimal_places=1, null=True, blank=True)
    humidity_pct = models.DecimalField(_("相对湿度(%)"), max_digits=4, decimal_places=1, null=True, blank=True)
    environment_note = models.CharField(_("其他环境条件"), max_length=255, blank=True)
    # The pulse equivalent a fuel dispenser was verified (and adjusted) at: monitoring compares the
    # K the dispenser reports with it (FD-01, FD-02), so a verification is not mistaken for tampering.
    k_factor = models.DecimalField(_("脉冲当量 K（脉冲/升）"), max_digits=12, decimal_places=4, null=True, blank=True,
                                   help_text=_("加油机检定时确认的脉冲当量；其他器具留空。"))
    decision_rule = models.CharField(_("判定规则"), max_length=32, choices=DecisionRule.choices)
    conclusion = models.CharField(_("结论"), max_length=16, choices=Conclusion.choices)
    near_limit = models.BooleanField(_("结论处于限值的 U 范围内"), default=False)
    remarks = models.CharField(_("备注"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检定记录")
        verbose_name_plural = _("检定记录")
        ordering = ["-performed_on", "-id"]
        indexes = [
            models.Index(fields=["instrument", "-performed_on", "-id"], name="verif_instrument_date"),
            models.Index(fields=["institution", "-performed_on", "-id"], name="verif_institution_date"),
            models.Index(fields=["owner", "-performed_on", "-id"], name="verif_owner_date"),
            models.Index(fields=["division", "instrument_type", "performed_on"], name="verif_div_type_date"),
        ]
        # One record per instrument of a request: a retried or concurrent issue cannot add another.
        constraints = [models.UniqueConstraint(fields=["request", "instrument"], condition=models.Q(request__isnull=False),
                                               name="verification_once_per_request")]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.get_kind_display()} {self.performed_on}"


@scoped_by(division="verification__division", organization="verification__owner",
           institution="verification__institution")
class TestPoint(models.Model):
    """One measured point: reference (nominal) and indicated values, the error in the MPE's unit, its
    expanded uncertainty U with coverage factor k, the MPE it was judged against (a copy, so that a
    later edit of the rule table never changes a decided record) and the point's verdict."""

    __test__ = False  # not a pytest test class, despite the name

    verification = models.ForeignKey(Verification, verbose_name=_("检定记录"), on_delete=models.CASCADE,
                                     related_name="test_points")
    position = models.PositiveSmallIntegerField(_("序号"))
    quantity = models.CharField(_("检定项目"), max_length=128, blank=True)
    mpe_rule = models.ForeignKey(MpeRule, verbose_name=_("最大允许误差规则"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    nominal = models.DecimalField(_("标准值"), max_digits=20, decimal_places=6, null=True, blank=True)
    indicated = models.DecimalField(_("示值"), max_digits=20, decimal_places=6, null=True, blank=True)
    unit = models.CharField(_("量值单位"), max_length=16, blank=True)
    error = models.DecimalField(_("误差"), max_digits=20, decimal_places=6)
    error_unit = models.CharField(_("误差单位"), max_length=16, blank=True)
    expanded_uncertainty = models.DecimalField(_("扩展不确定度 U"), max_digits=20, decimal_places=6)
    coverage_factor = models.DecimalField(_("包含因子 k"), max_digits=4, decimal_places=2)
    mpe_lower = models.DecimalField(_("允许误差下限"), max_digits=12, decimal_places=6, null=True, blank=True)
    mpe_upper = models.DecimalField(_("允许误差上限"), max_digits=12, decimal_places=6, null=True, blank=True)
    mpe_error_basis = models.CharField(_("误差表示"), max_length=16, choices=ErrorBasis.choices, blank=True,
                                       default="")
    mpe_regulation = models.CharField(_("允许误差依据"), max_length=330, blank=True, default="",
                                      help_text=_("检定规程及条款，判定时自规则复制。"))
    conforms = models.BooleanField(_("符合"), null=True)
    near_limit = models.BooleanField(_("处于限值的 U 范围内"), default=False)

    class Meta:
        verbose_name = _("检定点")
        verbose_name_plural = _("检定点")
        ordering = ["verification", "position"]
        constraints = [models.UniqueConstraint(fields=["verification", "position"], name="test_point_position")]

    def __str__(self) -> str:
        return f"{self.verification_id}#{self.position}"


@scoped_by(division="verification__division", organization="verification__owner",
           institution="verification__institution")
class StandardUse(models.Model):
    """A standard used in a verification, with the date copied so that "every use of standard S
    between two dates" (suspect impact) is one range scan of the (standard, performed_on,
    verification) index."""

    verification = models.ForeignKey(Verification, verbose_name=_("检定记录"), on_delete=models.CASCADE,
                                     related_name="standard_uses")
    standard = models.ForeignKey(MeasurementStandard, verbose_name=_("计量标准"), on_delete=models.PROTECT,
                                 related_name="uses", db_index=False)
    performed_on = models.DateField(_("检定日期"))

    class Meta:
        verbose_name = _("计量标准使用记录")
        verbose_name_plural = _("计量标准使用记录")
        constraints = [models.UniqueConstraint(fields=["verification", "standard"], name="standard_use_unique")]
        # Covers suspect impact's range scan: the verifications come from the index alone.
        indexes = [models.Index(fields=["standard", "performed_on", "verification"], name="standard_use_date_verif")]


class CertificateKind(models.TextChoices):
    VERIFICATION = "verification", _("检定证书")
    FAILURE_NOTICE = "failure_notice", _("检定结果通知书")
    CALIBRATION = "calibration", _("校准证书")


CERTIFICATE_LETTERS = {
    CertificateKind.VERIFICATION: "J", CertificateKind.FAILURE_NOTICE: "T", CertificateKind.CALIBRATION: "C",
}


class CertificateStatus(models.TextChoices):
    ISSUED = "issued", _("有效")
    SUPERSEDED = "superseded", _("已被更正证书替代")
    REVOKED = "revoked", _("已撤销")


def certificate_state_on(status: str, kind: str, valid_until: datetime.date | None, day: datetime.date) -> str:
    """The code of what a reader on ``day`` should see: the stored lifecycle status (issued, superseded,
    revoked), or "fail" for a notice of failure, or "expired" for an issued certificate past its validity."""
    if status != CertificateStatus.ISSUED:
        return status
    if kind == CertificateKind.FAILURE_NOTICE:
        return "fail"
    if valid_until is not None and valid_until < day:
        return "expired"
    return status


def certificate_status_on(status: str, kind: str, valid_until: datetime.date | None, day: datetime.date) -> str:
    """The status a reader on ``day`` should see. The stored status only records the lifecycle
    (issued, superseded, revoked); an issued certificate past its validity is expired, not 有效, and a
    notice of failure was never a statement that the instrument may be used."""
    state = certificate_state_on(status, kind, valid_until, day)
    if state == "fail":
        return str(_("已出具(不合格)"))
    if state == "expired":
        return _("已过期(有效期至 %(date)s)") % {"date": valid_until.isoformat()}
    return str(CertificateStatus(state).label)


class IssuedCertificateChanged(RuntimeError):
    """An issued certificate never changes; a correction is a new certificate (services.supersede)."""


@scoped_by(**RECORD_SCOPE, writers={"issue": (Role.INSTITUTION_STAFF,), "supersede": (Role.INSTITUTION_STAFF,),
                                    "revoke": (Role.INSTITUTION_STAFF,)})
class Certificate(models.Model):
    """A verification certificate, notice of failure or calibration certificate. Its content never
    changes after issue (``save`` refuses); only the lifecycle fields move, once, to superseded or
    revoked. ``number`` is ``<prefix><year>-<letter><serial:06d>``, sequential per institution and year."""

    verification = models.OneToOneField(Verification, verbose_name=_("检定记录"), on_delete=models.PROTECT,
                                        related_name="certificate")
    institution = models.ForeignKey(Institution, verbose_name=_("检定机构"), on_delete=models.PROTECT,
                                    related_name="certificates", db_index=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("流水号"))
    number = models.CharField(_("证书编号"), max_length=40)
    kind = models.CharField(_("证书类别"), max_length=16, choices=CertificateKind.choices)
    instrument = models.ForeignKey("registry.Instrument", verbose_name=_("计量器具"), on_delete=models.PROTECT,
                                   related_name="certificates", db_index=False)
    owner = models.ForeignKey("registry.Organization", verbose_name=_("使用单位"), on_delete=models.PROTECT,
                              related_name="+", db_index=False)
    division = models.ForeignKey(Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+",
                                 db_index=False)
    instrument_type = models.ForeignKey("registry.InstrumentType", verbose_name=_("器具种类"),
                                        on_delete=models.PROTECT, related_name="+", db_index=False)
    performed_on = models.DateField(_("检定日期"))
    issued_on = models.DateField(_("签发日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    supersedes = models.OneToOneField("self", verbose_name=_("更正的原证书"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="superseded_by")
    correction_reason = models.CharField(_("更正原因"), max_length=500, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    # The lifecycle: the only fields that change after issue, each once.
    status = models.CharField(_("状态"), max_length=16, choices=CertificateStatus.choices,
                              default=CertificateStatus.ISSUED)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    revocation_reason = models.CharField(_("撤销原因"), max_length=500, blank=True)
    # The institution and the owner as the certificate names them at issue: its documents show these,
    # so a later rename or move does not make a genuine document read as altered.
    institution_name = models.CharField(_("出具机构名称"), max_length=128)
    institution_address = models.CharField(_("出具机构地址"), max_length=255, blank=True)
    institution_uscc = models.CharField(_("出具机构统一社会信用代码"), max_length=18, blank=True)
    owner_name = models.CharField(_("使用单位名称"), max_length=128)
    owner_address = models.CharField(_("使用单位地址"), max_length=255, blank=True)
    owner_uscc = models.CharField(_("使用单位统一社会信用代码"), max_length=18, blank=True)

    LIFECYCLE_FIELDS = frozenset({"status", "revoked_at", "revoked_by", "revocation_reason"})

    def status_on(self, day: datetime.date) -> str:
        return certificate_status_on(self.status, self.kind, self.valid_until, day)

    def state_on(self, day: datetime.date) -> str:
        return certificate_state_on(self.status, self.kind, self.valid_until, day)

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "year", "serial"], name="certificate_serial_unique"),
            models.UniqueConstraint(fields=["institution", "number"], name="certificate_number_unique"),
            # A second certificate of one instrument for the same day is a correction or a mistake.
            models.UniqueConstraint(fields=["instrument", "performed_on"], condition=models.Q(supersedes__isnull=True),
                                    name="certificate_once_per_day"),
        ]
        indexes = [
            models.Index(fields=["instrument", "-performed_on", "-id"], name="certificate_instrument"),
            models.Index(fields=["owner", "-issued_on", "-id"], name="certificate_owner"),
            models.Index(fields=["division", "instrument_type", "performed_on"], name="certificate_div_type"),
            models.Index(fields=["number"], name="certificate_number"),
            # The certificate list's order (newest verification first) and its keyset pages: without
            # it, each page of a city's million certificates sorts them all (2 s).
            models.Index(fields=["performed_on", "id"], name="certificate_performed"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values().first()
            if stored is not None:
                changed = {
                    f.name for f in self._meta.concrete_fields
                    if stored[f.attname] != getattr(self, f.attname) and f.name not in self.LIFECYCLE_FIELDS
                }
                if changed:
                    raise IssuedCertificateChanged(
                        f"certificate {stored['number']} is issued; refused change of {sorted(changed)}"
                    )
        super().save(*args, **kwargs)


@scoped_by(shared=True)
class CertificateCounter(models.Model):
    """The last serial given per institution and year; incremented by one UPDATE inside the issuing
    transaction, which holds the row lock until commit (PostgreSQL) or the write lock (SQLite)."""

    institution = models.ForeignKey(Institution, verbose_name=_("检定机构"), on_delete=models.CASCADE,
                                    related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    last_serial = models.PositiveIntegerField(_("最后流水号"), default=0)

    class Meta:
        verbose_name = _("证书流水号计数器")
        verbose_name_plural = _("证书流水号计数器")
        constraints = [models.UniqueConstraint(fields=["institution", "year"], name="certificate_counter_unique")]


@scoped_by(division="instrument__division", organization="instrument__owner", read_all=(Role.INSTITUTION_STAFF,))
class VerificationState(models.Model):
    """Each verified instrument's current standing, kept by the certificate services in the same
    transaction: the certificate in force (the latest issued verification certificate or failure
    notice; calibrations do not count), its date, conclusion and ``valid_until`` (empty after a
    failure). Instruments without a row were never verified. Due/overdue lists and statistics read
    this one row per instrument instead of searching the certificates."""

    instrument = models.OneToOneField("registry.Instrument", verbose_name=_("计量器具"), primary_key=True,
                                      on_delete=models.CASCADE, related_name="verification_state")
    certificate = models.OneToOneField(Certificate, verbose_name=_("证书"), on_delete=models.PROTECT,
                                       related_name="+")
    verified_on = models.DateField(_("最近检定日期"))
    conclusion = models.CharField(_("最近检定结论"), max_length=16, choices=Conclusion.choices)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Copies of the instrument's county, type and "in use under mandatory verification", kept by
    # database triggers (migration 0005) on every insert of a state and every change of those
    # instrument columns, whichever code path makes it; the code never writes them. They let one
    # index answer "overdue in this county and type, by date".
    county = models.ForeignKey(Division, verbose_name=_("所在县(区)"), null=True, editable=False,
                               on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    instrument_type = models.ForeignKey("registry.InstrumentType", verbose_name=_("器具种类"), null=True,
                                        editable=False, on_delete=models.DO_NOTHING, db_constraint=False,
                                        db_index=False, related_name="+")
    in_use = models.BooleanField(_("在用且实施强制检定"), default=False, editable=False)

    class Meta:
        verbose_name = _("器具检定状态")
        verbose_name_plural = _("器具检定状态")
        indexes = [
            models.Index(fields=["valid_until"], name="state_valid_until"),
            models.Index(fields=["conclusion", "valid_until"], name="state_conclusion_valid"),
            # The due lists narrowed by county, type or both, read in date order.
            models.Index(fields=["county", "instrument_type", "valid_until"], condition=models.Q(in_use=True),
                         name="state_county_type_valid"),
            models.Index(fields=["county", "valid_until"], condition=models.Q(in_use=True),
                         name="state_county_valid"),
            models.Index(fields=["instrument_type", "valid_until"], condition=models.Q(in_use=True),
                         name="state_type_valid"),
        ]
