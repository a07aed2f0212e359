"""The scheduled job that keeps the dashboard's figures (``dashboard.refresh`` in jiliang jobs).

Each run counts, in one transaction with one audit row:

- every provider's stock figures for the current month (replacing what the month held);
- every provider's flow figures for the current and the previous month (late entries land in
  the month they belong to); ``rebuild`` counts every month of the last JILIANG_DASHBOARD_MONTHS;
- the statistics page's rows per county and type (VerificationFigure);
- each site's overdue instruments and open alerts for the map (SiteFigure).

A run reads each big table once with grouped queries; readers then read a few hundred rows.
"""

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from jiliang.accounts import audit
from jiliang.dashboard import figures
from jiliang.dashboard.models import CountyFigure, SiteFigure, VerificationFigure
from jiliang.monitoring.models import TERMINAL_STATES, Alert
from jiliang.registry.models import county_id_of
from jiliang.verification import due
from jiliang.verification.figures import city_statistics

ACTOR = "dashboard"


def run() -> dict:
    """The job: this month's stock figures and the last two months' flows."""
    return refresh(months=2)


def rebuild() -> dict:
    """Every month of the retained history (the demo, or after a bulk import of history)."""
    return refresh(months=settings.JILIANG_DASHBOARD_MONTHS)


def site_standing(today: dt.date) -> dict[int, list[int]]:
    """Site id → [county id, overdue in-use instruments, open alerts], for the sites with either."""
    standing: dict[int, list[int]] = {}
    overdue = due.in_use_states().filter(due.overdue_condition(today), in_use=True).order_by()
    for site_id, county_id, n in overdue.values_list("instrument__site_id", "county_id").annotate(n=Count("pk")):
        standing.setdefault(site_id, [county_id, 0, 0])[1] += n
    alerts = Alert.objects.exclude(state__in=TERMINAL_STATES).order_by()
    for site_id, division_id, n in alerts.values_list("site_id", "division_id").annotate(n=Count("pk")):
        standing.setdefault(site_id, [county_id_of(division_id), 0, 0])[2] += n
    return standing


def refresh(*, months: int, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    job = figures.Run(now=now, today=timezone.localdate(now))
    this_month = figures.month_start(job.today)
    since = figures.add_months(this_month, 1 - months)
    stock: Counter = Counter()
    flow: Counter = Counter()
    for provider in figures.providers():  # several divisions of a county fold into one row: summed
        for county_id, key, value in provider.stock(job) if provider.stock else ():
            stock[county_id, this_month, key] += value
        for county_id, month, key, value in provider.flow(since, job) if provider.flow else ():
            flow[county_id, month, key] += value
    stock_rows = [CountyFigure(county_id=c, month=m, key=k, value=v, as_of=now) for (c, m, k), v in stock.items()]
    flow_rows = [CountyFigure(county_id=c, month=m, key=k, value=v, as_of=now) for (c, m, k), v in flow.items()]
    result = city_statistics(job)
    verification_rows = [
        VerificationFigure(county=row.county, instrument_type=row.instrument_type, on=result.on, since=result.since,
                           as_of=now, **{name: getattr(row.figures, name) for name in row.figures.__dataclass_fields__})
        for row in result.rows
    ]
    site_rows = [SiteFigure(site_id=pk, county_id=county_id, overdue=overdue, open_alerts=alerts, as_of=now)
                 for pk, (county_id, overdue, alerts) in site_standing(job.today).items()]
    with transaction.atomic():
        CountyFigure.objects.filter(month=this_month, key__in=figures.keys_of(figures.STOCK)).delete()
        CountyFigure.objects.filter(month__gte=since, key__in=figures.keys_of(figures.FLOW)).delete()
        CountyFigure.objects.bulk_create(stock_rows + flow_rows, batch_size=1000)
        VerificationFigure.objects.all().delete()
        VerificationFigure.objects.bulk_create(verification_rows, batch_size=1000)
        SiteFigure.objects.all().delete()
        SiteFigure.objects.bulk_create(site_rows, batch_size=1000)
        counts = {"since": since.isoformat(), "stock": len(stock_rows), "flow": len(flow_rows),
                  "statistics": len(verification_rows), "sites": len(site_rows)}
        audit.record(ACTOR, "dashboard.refresh", object_type=CountyFigure._meta.label, object_id=now.isoformat(),
                     object_repr=f"{since:%Y-%m} – {this_month:%Y-%m}", after=counts)
    return counts
