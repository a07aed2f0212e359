"""The monitoring figures of the dashboard (dashboard/figures.py): devices and how many are online,
open alerts, and each month's alerts opened and handled in time.

An alert is handled in time when someone took it up (it left 新预警) before its first reminder,
i.e. within JILIANG_MONITORING_REMIND_AFTER_MINUTES (alerting.py sends the reminders)."""

import datetime as dt
from itertools import chain

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from jiliang.dashboard.figures import BY_COUNTY, FLOW, STOCK, TREND, Chart, Figure, Provider, Rate, Run, register
from jiliang.dashboard.monthly import per_county, per_county_month
from jiliang.monitoring.models import TERMINAL_STATES, Alert, AlertState, Device
from jiliang.monitoring.views import ONLINE_WINDOW


def stock(run: Run):
    online = Q(last_seen_at__gte=run.now - ONLINE_WINDOW)
    return chain(
        per_county(Device.objects.filter(revoked_at__isnull=True), "monitoring",
                   devices=Count("pk"), devices_online=Count("pk", filter=online)),
        per_county(Alert.objects.exclude(state__in=TERMINAL_STATES), "monitoring", alerts_open=Count("pk")),
    )


def flow(since: dt.date, run: Run):
    start = dt.datetime.combine(since, dt.time.min, tzinfo=run.now.tzinfo)
    opened = Alert.objects.filter(opened_at__gte=start, opened_at__lte=run.now)
    return per_county_month(opened, "opened_at", "monitoring", alerts_opened=Count("pk"),
                            alerts_in_time=Count("pk", filter=~Q(state=AlertState.NEW) & Q(reminders=0)))


register(Provider(
    name="monitoring",
    label=_("非现场监管"),
    order=20,
    figures=(
        Figure("monitoring.devices", _("监测设备"), _("台"), STOCK),
        Figure("monitoring.devices_online", _("在线设备"), _("台"), STOCK),
        Figure("monitoring.alerts_open", _("未办结预警"), _("条"), STOCK),
        Figure("monitoring.alerts_opened", _("新增预警"), _("条"), FLOW),
        Figure("monitoring.alerts_in_time", _("及时处置预警"), _("条"), FLOW),
    ),
    rates=(
        Rate("monitoring.online_rate", _("设备在线率"), "monitoring.devices_online", "monitoring.devices"),
        Rate("monitoring.in_time_rate", _("预警及时处置率"), "monitoring.alerts_in_time", "monitoring.alerts_opened"),
    ),
    charts=(
        Chart("monitoring.trend", _("月度新增预警与及时处置率"), TREND,
              ("monitoring.alerts_opened",), "monitoring.in_time_rate"),
        Chart("monitoring.counties", _("各县(区)监测设备与在线率"), BY_COUNTY,
              ("monitoring.devices_online", "monitoring.alerts_open"), "monitoring.online_rate"),
    ),
    stock=stock,
    flow=flow,
))
