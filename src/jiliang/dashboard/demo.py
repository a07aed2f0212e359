"""The dashboard's part of the demo: two years of closed alerts (the monitoring demo raises only
today's), then every month of the retained history counted at once (the verification demo holds
years of certificates), so the trends show from the first page."""

import datetime as dt
import random
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiliang.accounts import audit
from jiliang.dashboard import figures, refresh
from jiliang.monitoring.models import Alert, AlertState, Device

SEED = 20261206
ACTOR = "demo"


def load(out):
    started = time.monotonic()
    added = alert_history()
    counts = refresh.rebuild()
    out.write(f"Dashboard: {added} past alerts, {counts['stock'] + counts['flow']} county-month figures, "
              f"{counts['sites']} sites on the map ({time.monotonic() - started:.1f} s).")


def alert_history() -> int:
    """Handled alerts on the demo devices, a few a month over the retained months before this one,
    in the words of today's alerts; none when the history is there already (idempotent)."""
    now = timezone.now()
    this_month = figures.month_start(timezone.localdate(now))
    first = figures.add_months(this_month, 1 - settings.JILIANG_DASHBOARD_MONTHS)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=timezone.get_current_timezone())
    end = dt.datetime.combine(this_month, dt.time.min, tzinfo=timezone.get_current_timezone())
    if Alert.objects.filter(opened_at__lt=end).exists():
        return 0
    devices = list(Device.objects.order_by("pk"))
    models = list(Alert.objects.order_by("pk").values("rule_code", "severity", "message"))
    if not devices or not models:
        return 0
    rng = random.Random(SEED)
    rows = []
    month = first
    while month < this_month:
        for _ in range(rng.randint(12, 30)):
            device, model = rng.choice(devices), rng.choice(models)
            opened = dt.datetime.combine(month + dt.timedelta(days=rng.randint(0, 27)), dt.time(rng.randint(0, 23)),
                                         tzinfo=start.tzinfo)
            late = rng.random() < 0.2  # handled only after a reminder
            rows.append(Alert(
                rule_code=model["rule_code"], severity=model["severity"], message=model["message"],
                state=AlertState.FALSE_ALARM if rng.random() < 0.25 else AlertState.CLOSED, active=False,
                device=device, site_id=device.site_id, division_id=device.division_id, subject=f"history-{len(rows)}",
                opened_at=opened, last_seen_at=opened + dt.timedelta(hours=2), cleared_at=opened + dt.timedelta(days=2),
                reminders=1 if late else 0, reminded_at=opened + dt.timedelta(days=1) if late else None,
            ))
        month = figures.add_months(month, 1)
    with transaction.atomic():
        Alert.objects.bulk_create(rows, batch_size=1000)
        audit.record(ACTOR, "demo.load", object_type=Alert._meta.label, object_id="",
                     object_repr=f"{len(rows)} × {Alert._meta.verbose_name}",
                     after={"count": len(rows), "since": first.isoformat()})
    return len(rows)
