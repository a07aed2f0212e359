"""Who is who: administrative divisions, users with a role and a jurisdiction, tokens, the audit log."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.masking import mask_phone
from jiliang.accounts.names import hidden_characters


def hidden_characters_message(found: list[str]) -> str:
    return _("不能包含不可见字符或文字方向控制字符(%(chars)s)，请删除后重新输入。") % {"chars": "、".join(found)}


def refuse_hidden_characters(value: str) -> None:
    """Field validator of names (forms and the admin); services check with accounts.services.name_errors."""
    if found := hidden_characters(value or ""):
        raise ValidationError(hidden_characters_message(found), code="hidden_characters")


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    PREFECTURE = "prefecture", _("市")
    COUNTY = "county", _("县(区)")
    FUNCTIONAL_ZONE = "functional_zone", _("功能区")
    TOWNSHIP = "township", _("乡镇(街道)")


class Division(models.Model):
    """An administrative division (GB/T 2260), or a functional zone with a platform-internal code.

    ``path`` lists the codes from the root down ("510000/511900/511902/"), so a jurisdiction's
    whole subtree is one indexed prefix match and needs no recursive query.
    """

    code = models.CharField(_("区划代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=128, blank=True)
    level = models.CharField(_("级别"), max_length=16, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    code_system = models.CharField(_("代码体系"), max_length=128, blank=True)
    source = models.TextField(_("来源"), blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "") + self.code + "/"
        super().save(*args, **kwargs)

    def contains(self, other: "Division | None") -> bool:
        return other is not None and other.path.startswith(self.path)

    def subtree_ids(self) -> list[int]:
        return list(Division.objects.filter(path__startswith=self.path).values_list("id", flat=True))

    @property
    def county(self) -> "Division":
        """The county-level unit this division lies in (itself when it is one)."""
        node = self
        while node.level == DivisionLevel.TOWNSHIP and node.parent_id:
            node = node.parent
        return node


class Role(models.TextChoices):
    CITY_REGULATOR = "city_regulator", _("市级监管人员")
    COUNTY_REGULATOR = "county_regulator", _("县(区)级监管人员")
    INSTITUTION_STAFF = "institution_staff", _("检定机构人员")
    OWNER = "owner", _("使用单位人员")
    AUDITOR = "auditor", _("只读审计人员")
    DEPARTMENT = "department", _("规划任务填报部门人员")


REGULATOR_ROLES = frozenset({Role.CITY_REGULATOR, Role.COUNTY_REGULATOR})
# Roles whose visibility follows a division rather than an organization or an institution.
DIVISION_BOUND_ROLES = frozenset({Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.AUDITOR})


class User(AbstractUser):
    """A person who signs in. The role says what they may do; the binding says over what.

    Regulators and auditors are bound to a division (the city, or one county or zone); institution
    staff to one legal metrology institution; owners to one organization; a department's reporter to
    one department named in the plan (portal/data/plan_2023.json), reporting on that plan's tasks only.
    """

    display_name = models.CharField(_("姓名"), max_length=64, blank=True, validators=[refuse_hidden_characters])
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, blank=True)
    division = models.ForeignKey(
        Division, verbose_name=_("管辖区划"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="users",
    )
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("所属单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )
    institution = models.ForeignKey(
        "verification.Institution", verbose_name=_("所属检定机构"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="staff",
    )
    department = models.CharField(_("所属部门"), max_length=64, blank=True,
                                  help_text=_("规划任务填报部门人员所在的部门，名称与实施方案中的牵头或配合部门一致。"))
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)
    must_change_password = models.BooleanField(
        _("下次登录须修改密码"), default=False,
        help_text=_("管理员重置密码后自动勾选；用户修改密码后清除。"),
    )

    personal_fields = {"phone": mask_phone}

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_regulator(self) -> bool:
        return self.role in REGULATOR_ROLES

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class TokenScope(models.TextChoices):
    """The scopes of jiliang.accounts.token_scopes, with the names a reader sees."""

    ACCOUNTS_READ = "accounts:read", _("本人信息、区划与审计日志：查看")
    REGISTRY_READ = "registry:read", _("器具档案：查看")
    REGISTRY_WRITE = "registry:write", _("器具档案：登记与修改")
    VERIFICATION_READ = "verification:read", _("检定：查看")
    VERIFICATION_WRITE = "verification:write", _("检定：申请、记录与证书")
    MONITORING_READ = "monitoring:read", _("在线监测：查看")
    MONITORING_WRITE = "monitoring:write", _("在线监测：设备与告警处置")
    MONITORING_INGEST = "monitoring:ingest", _("在线监测：上传数据文件")
    CREDIT_READ = "credit:read", _("信用分级：查看")
    CREDIT_WRITE = "credit:write", _("信用分级：异议与分值")
    SUPERVISION_READ = "supervision:read", _("双随机监管：查看")
    SUPERVISION_WRITE = "supervision:write", _("双随机监管：抽查计划、抽取与检查记录")
    ENFORCEMENT_READ = "enforcement:read", _("投诉举报与案件：查看")
    ENFORCEMENT_WRITE = "enforcement:write", _("投诉举报与案件：处理、立案与决定")
    SEARCH_READ = "search:read", _("全局搜索：器具、单位、场所与证书")
    PLAN_READ = "plan:read", _("规划实施跟踪：任务与进展填报查看")
    PLAN_WRITE = "plan:write", _("规划实施跟踪：填报进展与审核")


def default_token_expiry():
    return timezone.now() + timedelta(days=settings.JILIANG_API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A bearer token for a machine client, acting as its user within its scopes until it expires.

    Only a hash is stored.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=64)
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("权限范围"), default=list)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"), default=default_token_expiry)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(raw_token: str) -> str:
        return hashlib.sha256(raw_token.encode()).hexdigest()

    @property
    def scope_labels(self) -> list[str]:
        return [TokenScope(scope).label for scope in self.scopes if scope in TokenScope.values]

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class AuditEvent(models.Model):
    """One write: who, when, what, the values before and after. Never changed once written."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人名称"), max_length=150, blank=True)
    actor_role = models.CharField(_("操作人角色"), max_length=32, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=255, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    division = models.ForeignKey(
        Division, verbose_name=_("所属区划"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"
