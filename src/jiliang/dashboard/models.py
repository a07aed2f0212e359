"""The dashboard's stored figures: what the scheduled job (refresh.py) counted, with its time.

Readers never count a million rows: the dashboard, its trends and the statistics page read these
small tables (a few hundred rows per month), scoped by the county each row belongs to.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import scoped_by
from jiliang.accounts.models import Division
from jiliang.registry.models import InstrumentType, Site


@scoped_by(division="county")
class CountyFigure(models.Model):
    """One figure (``key``, from a provider in figures.py) of one county-level unit in one month.

    A stock figure (instruments, overdue, devices online) is the value when the job last ran in that
    month; a flow figure (verifications, alerts opened) counts the month's events."""

    county = models.ForeignKey(Division, verbose_name=_("县(区)"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))  # the first day of the month
    key = models.CharField(_("指标"), max_length=64)
    value = models.BigIntegerField(_("数值"))
    as_of = models.DateTimeField(_("统计时间"))

    class Meta:
        verbose_name = _("县(区)月度指标")
        verbose_name_plural = _("县(区)月度指标")
        constraints = [models.UniqueConstraint(fields=["county", "month", "key"], name="county_figure_once")]
        indexes = [models.Index(fields=["month", "key"], name="county_figure_month_key"),
                   # the figures' time (selectors.figures_as_of), read by every dashboard request: one index step
                   models.Index(fields=["-as_of"], name="county_figure_as_of")]


@scoped_by(division="county")
class VerificationFigure(models.Model):
    """The verification statistics of one county and catalogue type (verification/statistics.py),
    as counted by the job's last run: the statistics page reads these instead of counting."""

    county = models.ForeignKey(Division, verbose_name=_("县(区)"), on_delete=models.PROTECT, related_name="+")
    instrument_type = models.ForeignKey(InstrumentType, verbose_name=_("器具种类"), on_delete=models.PROTECT,
                                        related_name="+")
    instruments = models.BigIntegerField(_("器具数"))
    on_time = models.BigIntegerField(_("按期检定"))
    overdue = models.BigIntegerField(_("超期未检"))
    failed = models.BigIntegerField(_("不合格仍在用"))
    never_verified = models.BigIntegerField(_("从未检定"))
    verifications = models.BigIntegerField(_("检定次数"))
    failures = models.BigIntegerField(_("不合格次数"))
    on = models.DateField(_("统计日期"))
    since = models.DateField(_("统计期起"))
    as_of = models.DateTimeField(_("统计时间"))

    class Meta:
        verbose_name = _("检定统计(存储)")
        verbose_name_plural = _("检定统计(存储)")
        constraints = [models.UniqueConstraint(fields=["county", "instrument_type"], name="verification_figure_once")]


@scoped_by(division="county", organization="site__organization")
class SiteFigure(models.Model):
    """A site's standing on the map as the job last counted it: in-use instruments overdue for
    verification and alerts not yet closed. Only sites with either are stored (no row: all clear).
    ``county`` is the site's county-level unit, so that a county's worst sites are one index range."""

    site = models.OneToOneField(Site, verbose_name=_("经营场所"), on_delete=models.CASCADE, primary_key=True,
                                related_name="figure")
    county = models.ForeignKey(Division, verbose_name=_("县(区)"), on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    overdue = models.IntegerField(_("超期未检器具"))
    open_alerts = models.IntegerField(_("未办结预警"))
    as_of = models.DateTimeField(_("统计时间"))

    class Meta:
        verbose_name = _("场所状态(存储)")
        verbose_name_plural = _("场所状态(存储)")
        indexes = [models.Index(fields=["county", "-open_alerts", "-overdue"], name="site_figure_county_worst"),
                   models.Index(fields=["-open_alerts", "-overdue"], name="site_figure_worst")]
