"""The daily due/overdue reminder job (`verification.reminders` in `jiliang jobs`, daily at
07:15; by hand `jiliang reminders`).

For the day it stores one Reminder per owner organization and one per regulator division (each
county-level unit and the city) for each topic that concerns them, due soon and overdue, with the
number of instruments and the earliest date, and sends one notice per reminder to every active
person bound to that organization or division through the configured notifiers (in-app and log by
default). Reminders are unique per day, topic and audience: a second run on the same day stores
and sends nothing, also when it starts while the first is still running (it waits for the first to
commit). Each run is one transaction with one audit event carrying its counts.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, Min, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts.models import REGULATOR_ROLES, Division, Role, User
from jiliang.notifications import notifiers as notifications
from jiliang.notifications.models import Audience, Reminder
from jiliang.registry.importing import bulk
from jiliang.verification import due

ACTOR = "reminders"
DUE_SOON = "verification.due_soon"
OVERDUE = "verification.overdue"


@dataclass
class RunResult:
    day: datetime.date
    within_days: int
    instruments: dict[str, int] = field(default_factory=dict)  # topic -> instruments concerned
    created: dict[str, int] = field(default_factory=dict)  # topic -> new reminders
    already_there: int = 0
    notices: int = 0
    delivered: dict[str, int] = field(default_factory=dict)  # notifier -> delivered


def _city() -> Division | None:
    return Division.objects.filter(code=settings.JILIANG_CITY_DIVISION_CODE).first()


def _counts(on: datetime.date, days: int) -> list[dict]:
    """Instruments due soon or overdue (``due.due_soon_condition``, ``due.overdue_condition``) per topic,
    owner and county, with the earliest date: one pass over the states up to ``on + days``."""
    horizon = due.due_soon_condition(on, days) | due.overdue_condition(on)
    topic = Case(When(due.overdue_condition(on), then=Value(OVERDUE)), default=Value(DUE_SOON))
    return list(
        due.in_use_states().filter(horizon).annotate(topic=topic).order_by()
        .values("topic", "instrument__owner_id", "instrument__owner__division_id", "instrument__county_id")
        .annotate(n=Count("pk"), earliest=Min("valid_until"))
    )


def _wanted(on: datetime.date, days: int) -> tuple[list[dict], dict[str, int]]:
    """Every reminder the day calls for, per owner and per regulator division, per topic: Reminder
    column values by attname (no model instances: a city has tens of thousands of owners)."""
    city = _city()
    owners: dict[tuple, list] = {}
    regions: dict[tuple, list] = {}
    for row in _counts(on, days):
        topic, county_id = row["topic"], row["instrument__county_id"]
        keys = [((topic, row["instrument__owner_id"], row["instrument__owner__division_id"]), owners)]
        keys += [((topic, region), regions) for region in ({county_id, city.pk} if city else {county_id})]
        for key, totals in keys:
            count, earliest = totals.get(key, (0, row["earliest"]))
            totals[key] = (count + row["n"], min(earliest, row["earliest"]))
    reminders = [{"day": on, "topic": topic, "audience": Audience.OWNER, "organization_id": owner_id,
                  "division_id": division_id, "count": count, "earliest": earliest}
                 for (topic, owner_id, division_id), (count, earliest) in owners.items()]
    reminders += [{"day": on, "topic": topic, "audience": Audience.REGULATOR, "organization_id": None,
                   "division_id": region, "count": count, "earliest": earliest}
                  for (topic, region), (count, earliest) in regions.items()]
    instruments = {topic: sum(totals[0] for key, totals in owners.items() if key[0] == topic)
                   for topic in (DUE_SOON, OVERDUE)}
    return reminders, instruments


def _key(topic: str, organization_id: int | None, division_id: int) -> tuple:
    return (topic, organization_id, None if organization_id else division_id)


@notifications.platform_language()
def _notice(reminder: dict, recipient: User, days: int) -> notifications.Notice:
    if reminder["topic"] == OVERDUE:
        title = _("%(count)d 台强检器具超期未检") % {"count": reminder["count"]}
        body = _("截至 %(day)s，%(count)d 台在用强检器具已超过检定有效期(最早于 %(earliest)s 到期)，请立即停用并报检。")
        url = reverse("due:overdue")
    else:
        title = _("%(count)d 台强检器具将在 %(days)d 天内到期") % {"count": reminder["count"], "days": days}
        body = _("截至 %(day)s，%(count)d 台在用强检器具的检定证书将在 %(days)d 天内到期(最早 %(earliest)s)，请及时报检。")
        url = reverse("due:due-soon")
    body = body % {"day": reminder["day"], "count": reminder["count"], "earliest": reminder["earliest"], "days": days}
    return notifications.Notice(recipient=recipient, topic=reminder["topic"], title=title, body=body, url=url,
                                reminder_id=reminder["id"])


def _notices(reminders: list[dict], days: int) -> list[notifications.Notice]:
    by_org = {r["organization_id"]: [] for r in reminders if r["organization_id"]}
    by_division = {r["division_id"]: [] for r in reminders if not r["organization_id"]}
    people = User.objects.filter(is_active=True).filter(
        Q(role=Role.OWNER, organization_id__in=list(by_org)) | Q(role__in=REGULATOR_ROLES, division_id__in=list(by_division))
    )
    for person in people:
        if person.role == Role.OWNER:
            by_org[person.organization_id].append(person)
        else:
            by_division[person.division_id].append(person)
    return [
        _notice(reminder, person, days)
        for reminder in reminders
        for person in (by_org[reminder["organization_id"]] if reminder["organization_id"]
                       else by_division[reminder["division_id"]])
    ]


# The key of the PostgreSQL advisory lock that queues concurrent runs ("jlremind" as a number).
RUN_LOCK_KEY = int.from_bytes(b"jlremind", "big") >> 1


def _queue_behind_other_runs() -> None:
    """Wait until a concurrent run has committed, so that this one then finds that run's reminders
    and stores nothing twice. PostgreSQL: a transaction-level advisory lock, released at commit or
    rollback. SQLite needs nothing: its transactions begin IMMEDIATE, so writers already queue on the
    database lock (busy_timeout)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK_KEY])


@transaction.atomic
def run(on: datetime.date | None = None, *, within_days: int | None = None,
        notifiers: Sequence[notifications.Notifier] | None = None) -> RunResult:
    """Store and send the day's reminders that are not there yet; see the module docstring."""
    _queue_behind_other_runs()
    on = on or due.today()
    days = due.due_days(within_days)
    result = RunResult(day=on, within_days=days)
    wanted, result.instruments = _wanted(on, days)
    existing = {_key(*key) for key in Reminder.objects.filter(day=on, topic__in=(DUE_SOON, OVERDUE))
                .values_list("topic", "organization_id", "division_id")}
    created = [r for r in wanted if _key(r["topic"], r["organization_id"], r["division_id"]) not in existing]
    result.already_there = len(wanted) - len(created)
    # Ids reserved, then one COPY (PostgreSQL) or prepared INSERT (SQLite) of the column values.
    for reminder, pk in zip(created, bulk.reserve_ids(Reminder, len(created))):
        reminder["id"] = pk
    bulk.insert(Reminder, created, with_pk=True)
    result.created = {topic: sum(1 for r in created if r["topic"] == topic) for topic in (DUE_SOON, OVERDUE)}
    notices = _notices(created, days)
    result.notices = len(notices)
    result.delivered = notifications.deliver(notices, notifiers)
    audit.record(ACTOR, "verification.reminders.run", object_type=Reminder._meta.label, object_id=on.isoformat(),
                 object_repr=_("%(day)s 到期与超期提醒") % {"day": on},
                 after={"day": on.isoformat(), "within_days": days, "instruments": result.instruments,
                        "created": result.created, "already_there": result.already_there,
                        "notices": result.notices, "delivered": result.delivered},
                 division=_city())
    return result
