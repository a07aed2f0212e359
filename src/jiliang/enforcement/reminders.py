"""The daily complaint deadline job (`enforcement.reminders` in `jiliang jobs`): an open complaint
whose current deadline (受理 while submitted, 核查 while accepted, 答复 once a case is opened) is
within the reminder window reminds its handler, or the county's officers while nobody handles it;
once past, it is escalated to the city's officers, once. One transaction, one audit row with the counts."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts.models import REGULATOR_ROLES, Role, User
from jiliang.enforcement import deadlines, reference
from jiliang.enforcement.models import OPEN_COMPLAINT_STATES, Complaint, ComplaintState
from jiliang.notifications import notifiers

ACTOR = "reminders"
DUE_FIELD = {ComplaintState.SUBMITTED: "acknowledge_due", ComplaintState.ACCEPTED: "handling_due",
             ComplaintState.REFERRED: "reply_due"}
DUE_WORD = {ComplaintState.SUBMITTED: _("受理"), ComplaintState.ACCEPTED: _("核查"), ComplaintState.REFERRED: _("答复")}


def current_due(complaint: Complaint) -> datetime.date:
    return getattr(complaint, DUE_FIELD[complaint.state])


def _recipients(complaint: Complaint, escalate: bool, county_people: dict, city_people: list) -> list:
    if escalate:
        return city_people
    if complaint.handler_id:
        return [complaint.handler]
    return county_people.get(complaint.division_id, [])


@notifiers.platform_language()
def _notice(person, complaint: Complaint, due: datetime.date, escalate: bool) -> notifiers.Notice:
    what = _("投诉举报 #%(id)s 的%(step)s期限 %(due)s") % {"id": complaint.pk, "step": str(DUE_WORD[complaint.state]),
                                                       "due": due.isoformat()}
    return notifiers.Notice(
        recipient=person, topic="enforcement.complaint_overdue" if escalate else "enforcement.complaint_due",
        title=(_("已超期：%(what)s") if escalate else _("即将到期：%(what)s")) % {"what": what},
        url=reverse("enforcement:complaint-detail", args=[complaint.pk]))


@transaction.atomic
def run(on: datetime.date | None = None) -> dict[str, int]:
    on = on or timezone.localdate()
    open_complaints = list(Complaint.objects.select_for_update(of=("self",)).filter(state__in=OPEN_COMPLAINT_STATES)
                           .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=on) | Q(escalated_on__isnull=True))
                           .select_related("handler"))
    people = list(User.objects.filter(is_active=True, role__in=REGULATOR_ROLES).select_related("division"))
    county_people: dict[int, list] = {}
    for person in people:
        if person.role == Role.COUNTY_REGULATOR:
            county_people.setdefault(person.division_id, []).append(person)
    city_people = [p for p in people if p.role == Role.CITY_REGULATOR
                   and p.division and p.division.code == settings.JILIANG_CITY_DIVISION_CODE]
    notices, reminded, escalated = [], [], []
    rules = reference.deadline_rules()
    for complaint in open_complaints:
        due = current_due(complaint)
        if due < on and complaint.escalated_on is None:
            notices += [_notice(p, complaint, due, True) for p in _recipients(complaint, True, county_people, city_people)]
            complaint.escalated_on = on
            escalated.append(complaint)
        elif deadlines.is_near(rules, due, on) and complaint.reminded_on != on:
            notices += [_notice(p, complaint, due, False)
                        for p in _recipients(complaint, False, county_people, city_people)]
            complaint.reminded_on = on
            reminded.append(complaint)
    Complaint.objects.bulk_update(reminded + escalated, ["reminded_on", "escalated_on"])
    delivered = notifiers.deliver(notices) if notices else {}
    counts = {"reminded": len(reminded), "escalated": len(escalated), "notices": len(notices)}
    audit.record(ACTOR, "complaint.reminders", object_type=Complaint._meta.label, object_id="",
                 object_repr=on.isoformat(), after=counts | {"delivered": delivered})
    return counts
