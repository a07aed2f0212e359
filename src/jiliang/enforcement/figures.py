"""The enforcement figures of the dashboard (dashboard/figures.py): complaints received and those
answered by their reply deadline (by the month received); cases opened (by filing month) and
decided (by decision month), per county."""

import datetime as dt
from itertools import chain

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from jiliang.dashboard.figures import BY_COUNTY, FLOW, TREND, Chart, Figure, Provider, Rate, Run, register
from jiliang.dashboard.monthly import per_county_month
from jiliang.enforcement.models import Case, Complaint


def flow(since: dt.date, run: Run):
    complaints = Complaint.objects.filter(received_at__date__gte=since, received_at__lte=run.now)
    opened = Case.objects.filter(filed_on__gte=since, filed_on__lte=run.today)
    decided = Case.objects.filter(decided_on__gte=since, decided_on__lte=run.today)
    return chain(
        per_county_month(complaints, "received_at", "enforcement", complaints_received=Count("pk"),
                         complaints_in_time=Count("pk", filter=Q(replied_at__date__lte=F("reply_due")))),
        per_county_month(opened, "filed_on", "enforcement", cases_opened=Count("pk")),
        per_county_month(decided, "decided_on", "enforcement", cases_decided=Count("pk")),
    )


register(Provider(
    name="enforcement",
    label=_("投诉举报与执法办案"),
    order=40,
    figures=(
        Figure("enforcement.complaints_received", _("收到投诉举报"), _("件"), FLOW),
        Figure("enforcement.complaints_in_time", _("按期办结投诉举报"), _("件"), FLOW),
        Figure("enforcement.cases_opened", _("立案"), _("件"), FLOW),
        Figure("enforcement.cases_decided", _("作出处罚决定"), _("件"), FLOW),
    ),
    rates=(Rate("enforcement.in_time_rate", _("投诉举报按期办结率"), "enforcement.complaints_in_time",
                "enforcement.complaints_received"),),
    charts=(
        Chart("enforcement.trend", _("月度投诉举报与按期办结率"), TREND,
              ("enforcement.complaints_received",), "enforcement.in_time_rate"),
        Chart("enforcement.counties", _("各县(区)立案与处罚决定"), BY_COUNTY,
              ("enforcement.cases_opened", "enforcement.cases_decided")),
    ),
    flow=flow,
))
