"""The verification figures of the dashboard (dashboard/figures.py): the statistics' stock figures
per county, and each month's verifications and failures."""

import datetime as dt

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from jiliang.dashboard.figures import BY_COUNTY, FLOW, STOCK, TREND, Chart, Figure, Provider, Rate, Run, register
from jiliang.dashboard.monthly import per_county_month
from jiliang.verification import statistics
from jiliang.verification.models import CertificateKind

STATISTICS = "verification.statistics"
STOCK_FIELDS = ("instruments", "on_time", "overdue", "failed", "never_verified")


def city_statistics(run: Run) -> statistics.Statistics:
    """Counted once per run: the job stores the same rows for the statistics page."""
    return run.once(STATISTICS, lambda: statistics.whole_city(run.today))


def stock(run: Run):
    for county, figures in city_statistics(run).counties:
        for name in STOCK_FIELDS:
            yield county.pk, f"verification.{name}", getattr(figures, name)


def flow(since: dt.date, run: Run):
    failure = Q(kind=CertificateKind.FAILURE_NOTICE)
    return per_county_month(statistics.performed(run.today, since), "performed_on", "verification",
                            verifications=Count("pk"), failures=Count("pk", filter=failure))


register(Provider(
    name="verification",
    label=_("强制检定"),
    order=10,
    figures=(
        Figure("verification.instruments", _("强检器具"), _("台"), STOCK),
        Figure("verification.on_time", _("按期检定"), _("台"), STOCK),
        Figure("verification.overdue", _("超期未检"), _("台"), STOCK),
        Figure("verification.failed", _("不合格仍在用"), _("台"), STOCK),
        Figure("verification.never_verified", _("从未检定"), _("台"), STOCK),
        Figure("verification.verifications", _("检定次数"), _("次"), FLOW),
        Figure("verification.failures", _("不合格次数"), _("次"), FLOW),
    ),
    rates=(
        Rate("verification.on_time_rate", _("按期检定率"), "verification.on_time", "verification.instruments"),
        Rate("verification.failure_rate", _("不合格率"), "verification.failures", "verification.verifications"),
    ),
    charts=(
        Chart("verification.trend", _("月度检定次数与不合格率"), TREND,
              ("verification.verifications",), "verification.failure_rate"),
        Chart("verification.counties", _("各县(区)强检器具状态与按期检定率"), BY_COUNTY,
              ("verification.on_time", "verification.overdue", "verification.failed", "verification.never_verified"),
              "verification.on_time_rate"),
    ),
    stock=stock,
    flow=flow,
))
