"""The registry: market entities (organizations) and, from the registry issue on, their sites and instruments."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import scoped_by
from jiliang.accounts.masking import mask_phone
from jiliang.accounts.models import Division, Role

REGULATORS = (Role.CITY_REGULATOR, Role.COUNTY_REGULATOR)


class OrganizationStatus(models.TextChoices):
    ACTIVE = "active", _("存续")
    SUSPENDED = "suspended", _("停业")
    DEREGISTERED = "deregistered", _("注销")


@scoped_by(
    division="division",
    organization="pk",
    writers={"create": REGULATORS, "change": (*REGULATORS, Role.OWNER), "delete": REGULATORS},
)
class Organization(models.Model):
    """A market entity (使用单位/市场主体) that owns or uses instruments, identified by its USCC."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("单位名称"), max_length=128, db_index=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=64, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    division = models.ForeignKey(Division, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("住所"), max_length=255, blank=True)
    industry = models.CharField(_("行业"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=OrganizationStatus.choices, default=OrganizationStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    personal_fields = {"contact_phone": mask_phone}

    class Meta:
        verbose_name = _("使用单位")
        verbose_name_plural = _("使用单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)
