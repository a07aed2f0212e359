"""Verification: legal metrology institutions and, from the verification issue on, their records."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import scoped_by
from jiliang.accounts.models import Division, Role


@scoped_by(division="division", institution="pk", writers={"create": (Role.CITY_REGULATOR,), "change": (Role.CITY_REGULATOR,)})
class Institution(models.Model):
    """A legal metrology institution or authorised body (法定计量检定机构/授权机构)."""

    name = models.CharField(_("机构名称"), max_length=128, unique=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    division = models.ForeignKey(Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("检定机构")
        verbose_name_plural = _("检定机构")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
