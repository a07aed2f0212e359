"""The demo's double-random supervision in Bazhou district: a finished campaign of gas stations
whose results are published, and an open campaign of markets with tasks waiting for inspectors
(the `bazhou` login is in both pools, so its "我的检查任务" has work). Both draws are committed,
sealed by a checkpoint and drawn through the services, so their public pages verify. Loaded once:
with the campaigns present it changes nothing."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jiliang.accounts import services as account_services
from jiliang.accounts.demo import DEMO_PASSWORD, DemoLogin
from jiliang.accounts.models import Division, Role, User
from jiliang.ledger import services as ledger
from jiliang.registry.models import Instrument, SiteKind
from jiliang.supervision import services
from jiliang.supervision.models import FindingKind, InspectionPlan, TaskResult

FINISHED = "2026年第三季度加油站计量专项抽查"
OPEN = "2026年第四季度集贸市场电子计价秤抽查"
INSPECTORS = [("bazhou-jc1", "王建国"), ("bazhou-jc2", "李秀英"), ("bazhou-jc3", "张伟")]
# The finished campaign's results, in draw order: (result, finding kind or None).
OUTCOMES = [(TaskResult.PASSED, None), (TaskResult.RECTIFY, FindingKind.OVERDUE), (TaskResult.PASSED, None),
            (TaskResult.REFER, FindingKind.SEAL_BROKEN)]


def _inspectors() -> list[User]:
    bazhou = Division.objects.get(code="511902")
    for username, name in INSPECTORS:
        if not User.objects.filter(username=username).exists():
            account_services.create_user(None, username=username, password=DEMO_PASSWORD,
                                         role=Role.COUNTY_REGULATOR, display_name=name, division=bazhou)
    return list(User.objects.filter(username__in=["bazhou", *(u for u, _ in INSPECTORS)]).order_by("username"))


def _plan(lead: User, pool: list[User], name: str, kind: str, count: int, starts_on: dt.date) -> InspectionPlan:
    plan = services.create_plan(lead, name=name, division=lead.division, site_kinds=[kind], draw_count=count,
                                starts_on=starts_on, ends_on=starts_on + dt.timedelta(days=60), inspectors=pool)
    services.commit_draw(lead, plan)
    return plan


def _inspect(task, result: str, finding: str | None, inspected_on: dt.date) -> None:
    inspector = task.inspectors.order_by("pk").first()
    answers = {item["code"]: "yes" for item in task.checklist}
    findings = []
    if finding:
        instrument = Instrument.objects.filter(site=task.site).order_by("pk").first()
        findings = [{"kind": finding, "instrument": instrument.pk} if instrument
                    else {"kind": FindingKind.UNREGISTERED, "serial_no": "WBA-0001"}]
        answers["seals" if finding == FindingKind.SEAL_BROKEN else "in_date"] = "no"
    services.submit_task(inspector, task, answers=answers, result=result, inspected_on=inspected_on,
                         rectify_by=inspected_on + dt.timedelta(days=15) if result == TaskResult.RECTIFY else None,
                         findings=findings, summary="现场检查，负责人在场。" if not finding else "发现问题，已当场告知。")


def load(out) -> list[DemoLogin]:
    if InspectionPlan.objects.filter(name=FINISHED).exists():
        out.write("Supervision: campaigns already loaded.")
        return []
    today = timezone.localdate()
    with transaction.atomic():
        pool = _inspectors()
        lead = next(p for p in pool if p.username == "bazhou")
        finished = _plan(lead, pool, FINISHED, SiteKind.GAS_STATION, len(OUTCOMES), today - dt.timedelta(days=75))
        current = _plan(lead, pool, OPEN, SiteKind.MARKET, 5, today - dt.timedelta(days=5))
    ledger.publish_now()  # the checkpoint that seals both commitments and seeds both draws
    with transaction.atomic():
        for plan in (finished, current):
            services.perform_draw(lead, plan)
        for n, (task, (result, finding)) in enumerate(zip(finished.tasks.order_by("pk"), OUTCOMES, strict=True)):
            # The referral files its case on loading, so it is inspected within the 15-working-day deadline.
            _inspect(task, result, finding, today - dt.timedelta(days=3 if result == TaskResult.REFER else 40 - n))
            services.publish_task(lead, task)
        _inspect(current.tasks.order_by("pk").first(), TaskResult.PASSED, None, today)
    out.write(f"Supervision: 2 campaigns, {finished.tasks.count() + current.tasks.count()} inspection tasks.")
    return [DemoLogin(username, DEMO_PASSWORD, f"执法检查人员 ({name}，巴州区)") for username, name in INSPECTORS[:1]]
