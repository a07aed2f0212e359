"""The demo's credit grades and alert follow-up (after the monitoring demo has raised its alerts).

The nightly credit job runs once over the demo's instruments and verifications; then four named
businesses get the records that put them in each grade A–D with their explanations, the demo
`owner` login's station has contested one of its records (an objection waiting in the Bazhou
queue), and the alerts on devices bound to instruments are assigned to their county's officer with
deadlines, one turned into a verification request. Loaded once: with credit records of the demo's
own sources present it changes nothing.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jiliang.accounts.models import User
from jiliang.accounts.selectors import regulators_over
from jiliang.credit import collect, services
from jiliang.credit.models import CreditEvent, EventKind, Objection
from jiliang.errors import DomainError
from jiliang.monitoring import followup
from jiliang.monitoring.models import TERMINAL_STATES, Alert
from jiliang.registry.demo import OWNER_DEMO_ORGANIZATION
from jiliang.registry.models import Organization
from jiliang.verification.demo import CITY_INSTITUTION
from jiliang.verification.models import Institution

SOURCE = "demo"
# (organization, [(kind, days ago, summary)]): the records that put each in its grade.
RECORDS = [
    # A market against which the nightly job finds nothing in the demo data (no overdue or failed
    # instrument), so its grade A holds; the hospital it replaced got overdue instruments when the
    # demo grew to cover every catalogue type.
    ("平昌县江口农贸市场", [
        (EventKind.MODEL_UNIT, 200, "评为巴中市诚信计量示范单位"),
        (EventKind.COMMITMENT_SIGNED, 60, "签署诚信计量自我承诺书"),
        (EventKind.INSPECTION_PASSED, 100, "2026 年第一批双随机抽查：市场公平秤和在用衡器全部合格"),
    ]),
    (OWNER_DEMO_ORGANIZATION, [
        (EventKind.COMMITMENT_SIGNED, 120, "签署诚信计量自我承诺书"),
        (EventKind.ALERT_CONFIRMED, 20, "远程监测发现 2 号加油机付油量偏差超限，经现场核实属实"),
    ]),
    ("通江县诺江加油站有限公司", [
        (EventKind.INSPECTION_RECTIFY, 30, "双随机抽查：加油机铅封破损，责令 15 日内整改"),
        (EventKind.ALERT_CONFIRMED, 10, "远程监测发现液位仪与付油量不符，经现场核实属实"),
        (EventKind.VERIFICATION_FAILED, 40, "3 号加油机周期检定不合格"),
    ]),
    ("南江县光雾山出租汽车有限公司", [
        (EventKind.CASE_PENALTY, 45, "出租汽车计价器作弊，依法处以罚款"),
        (EventKind.INSPECTION_REFERRED, 90, "双随机抽查发现计价器改装线索，移送立案"),
    ]),
]
ASSIGNED_ALERTS = 6


def _officer(division) -> User | None:
    """The county's officer (the most local regulator over the division)."""
    return max(regulators_over(division), key=lambda person: len(person.division.path), default=None)


def _credit(today: dt.date) -> int:
    recorded = 0
    for name, records in RECORDS:
        organization = Organization.objects.select_related("division").get(name=name)
        officer = _officer(organization.division)
        for number, (kind, days_ago, summary) in enumerate(records, start=1):
            services.record_credit_event(officer, organization=organization, kind=kind,
                                         occurred_on=today - dt.timedelta(days=days_ago), source_type=SOURCE,
                                         source_id=f"{organization.pk}-{number}", summary=summary)
            recorded += 1
    contested = CreditEvent.objects.get(organization__name=OWNER_DEMO_ORGANIZATION, source_type=SOURCE,
                                        kind=EventKind.ALERT_CONFIRMED)
    owner = User.objects.get(username="owner")
    services.raise_objection(owner, contested, reason="当日 2 号加油机正在维修，已向县局报备停用，偏差为维修调试数据，不应计入。")
    return recorded


def _alerts(now: dt.datetime) -> tuple[int, int]:
    """Assign the first alerts on instruments to their county's officer; the first becomes a
    verification request. Returns (assigned, requests)."""
    alerts = list(Alert.objects.filter(device__instrument__isnull=False).exclude(state__in=TERMINAL_STATES)
                  .select_related("division", "device__instrument").order_by("pk")[:ASSIGNED_ALERTS])
    institution = Institution.objects.filter(name=CITY_INSTITUTION).first()
    assigned = requests = 0
    for index, alert in enumerate(alerts):
        officer = _officer(alert.division)
        if officer is None:
            continue
        due = now + dt.timedelta(hours=(6, 30, 72)[index % 3])
        followup.assign_alert(officer, alert, assignee=officer, due_at=due,
                              note="请核对加油机检定证书与现场铅封，必要时申请检定。")
        assigned += 1
        if requests == 0 and institution is not None:
            try:
                with transaction.atomic():
                    followup.request_verification(officer, alert, institution=institution, note="预警涉及器具，申请复检。")
                requests += 1
            except DomainError:  # the institution is not authorised for this instrument: try the next alert
                pass
    return assigned, requests


def load(out) -> None:
    if CreditEvent.objects.filter(source_type=SOURCE).exists():
        out.write("Credit: demo records already there.")
        return
    now = timezone.now()
    result = collect.run(timezone.localdate(now))
    with transaction.atomic():
        recorded = _credit(timezone.localdate(now))
        assigned, requests = _alerts(now)
    followup.run(now)
    services.recompute_all()
    grades = ", ".join(f"{grade} {count}" for grade, count in sorted(result["grades"].items()))
    out.write(f"Credit: {result['events'] + recorded} records ({grades} before the named businesses'), "
              f"{Objection.objects.count()} objection; alerts: {assigned} assigned, {requests} verification request.")
