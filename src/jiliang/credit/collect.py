"""The nightly credit job (`credit.nightly` in `jiliang jobs`): record the credit events the
platform's own data shows, then recompute every grade (events fade day by day).

The facts it collects, each once per source (the event's unique source key):
- an in-use instrument under mandatory verification past its certificate's ``valid_until``
  (超期未检): one event per lapsed certificate, dated the day after it lapsed;
- a failed verification (检定不合格), dated the day it was performed.
Confirmed alerts are recorded when a regulator confirms them (monitoring.services).

One transaction, one audit row with the counts, one notice per organization that got new events.
"""

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.credit import services
from jiliang.credit.models import CreditEvent, CreditGrade, EventKind
from jiliang.notifications.notifiers import platform_language
from jiliang.notifications.services import tell_organization
from jiliang.verification import due
from jiliang.verification.models import Conclusion, Verification

SOURCE_INSTRUMENT = "instrument"
SOURCE_VERIFICATION = "verification"


def _overdue(on: dt.date):
    rows = (due.in_use_states().filter(due.overdue_condition(on)).order_by()
            .values_list("instrument_id", "instrument__owner_id", "valid_until", "instrument__public_code",
                         "instrument__type__name_zh"))
    for instrument_id, owner_id, valid_until, code, type_name in rows.iterator(chunk_size=services.BATCH):
        yield CreditEvent(
            organization_id=owner_id, kind=EventKind.INSTRUMENT_OVERDUE, source_type=SOURCE_INSTRUMENT,
            source_id=f"{instrument_id}:{valid_until.isoformat()}", occurred_on=valid_until + dt.timedelta(days=1),
            summary=_("%(type)s（%(code)s）检定有效期至 %(date)s，到期后仍在使用") % {
                "type": type_name, "code": code, "date": valid_until.isoformat()})


def _failed(on: dt.date):
    rows = (Verification.objects.filter(conclusion=Conclusion.FAIL, performed_on__lte=on).order_by()
            .values_list("pk", "owner_id", "performed_on", "instrument__public_code", "instrument_type__name_zh"))
    for pk, owner_id, performed_on, code, type_name in rows.iterator(chunk_size=services.BATCH):
        yield CreditEvent(
            organization_id=owner_id, kind=EventKind.VERIFICATION_FAILED, source_type=SOURCE_VERIFICATION,
            source_id=str(pk), occurred_on=performed_on,
            summary=_("%(type)s（%(code)s）于 %(date)s 检定不合格") % {
                "type": type_name, "code": code, "date": performed_on.isoformat()})


def _new(candidates) -> list[CreditEvent]:
    """The candidates not recorded yet (by kind and source)."""
    candidates = list(candidates)
    kinds = {event.kind for event in candidates}
    known = set(CreditEvent.objects.filter(kind__in=kinds).values_list("kind", "source_type", "source_id")
                .iterator(chunk_size=services.BATCH))
    return [event for event in candidates if (event.kind, event.source_type, event.source_id) not in known]


def collect(on: dt.date) -> list[CreditEvent]:
    """Store the new events the platform's data shows on ``on``; returns them."""
    fresh = _new([*_overdue(on), *_failed(on)])
    CreditEvent.objects.bulk_create(fresh, batch_size=services.BATCH, ignore_conflicts=True)
    return fresh


def run(on: dt.date | None = None) -> dict[str, int]:
    on = on or services.today()
    with transaction.atomic():
        fresh = collect(on)
        per_organization = Counter(event.organization_id for event in fresh)
        audit.record(None, "credit.collect", None, object_type=CreditEvent._meta.label, object_id="",
                     object_repr=_("平台数据生成的信用记录"),
                     after={"events": len(fresh), "organizations": len(per_organization),
                            "kinds": dict(Counter(event.kind for event in fresh))})
        for organization_id, count in sorted(per_organization.items()):
            with platform_language():
                tell_organization(organization_id, topic="credit.event", title=_("新增 %(count)s 条信用记录") % {
                    "count": count}, body=_("平台根据检定与器具数据新增了信用记录，请查看信用等级及其说明。"),
                    url=reverse("credit:mine"))
    graded = services.recompute_all(on)
    return {"events": len(fresh), "organizations": len(per_organization), "graded": graded,
            "grades": dict(CreditGrade.objects.order_by().values_list("grade").annotate(n=Count("pk")))}
