"""The supervision figures of the dashboard (dashboard/figures.py): inspections planned (tasks made,
by the month they were made), done (by the month inspected) and published in time (一公开 no later
than the task's publication deadline), per county and month."""

import datetime as dt
from itertools import chain

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from jiliang.dashboard.figures import BY_COUNTY, FLOW, TREND, Chart, Figure, Provider, Rate, Run, register
from jiliang.dashboard.monthly import per_county_month
from jiliang.supervision.models import InspectionTask, TaskStatus

IN_TIME = Q(status=TaskStatus.PUBLISHED, published_at__date__lte=F("publish_by"))


def flow(since: dt.date, run: Run):
    tasks = InspectionTask.objects.filter(created_at__date__gte=since, created_at__lte=run.now)
    done = InspectionTask.objects.filter(inspected_on__gte=since, inspected_on__lte=run.today)
    return chain(per_county_month(tasks, "created_at", "supervision", planned=Count("pk")),
                 per_county_month(done, "inspected_on", "supervision", done=Count("pk"),
                                  published_in_time=Count("pk", filter=IN_TIME)))


register(Provider(
    name="supervision",
    label=_("双随机监管"),
    order=30,
    figures=(
        Figure("supervision.planned", _("计划检查"), _("户次"), FLOW),
        Figure("supervision.done", _("完成检查"), _("户次"), FLOW),
        Figure("supervision.published_in_time", _("按期公开结果"), _("户次"), FLOW),
    ),
    rates=(Rate("supervision.in_time_rate", _("结果按期公开率"), "supervision.published_in_time", "supervision.done"),),
    charts=(
        Chart("supervision.trend", _("月度检查与结果按期公开率"), TREND,
              ("supervision.planned", "supervision.done"), "supervision.in_time_rate"),
        Chart("supervision.counties", _("各县(区)完成检查与按期公开率"), BY_COUNTY,
              ("supervision.done",), "supervision.in_time_rate"),
    ),
    flow=flow,
))
