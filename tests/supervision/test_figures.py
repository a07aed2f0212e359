"""The supervision figures the dashboard stores (planned, done, published in time, per county and
month) equal the ones counted from the tasks, on random standings of real tasks, for each scope."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiliang.accounts.models import Role
from jiliang.dashboard import figures, refresh, selectors
from jiliang.supervision.models import InspectionTask, TaskStatus

KEYS = ("supervision.planned", "supervision.done", "supervision.published_in_time")
standing = st.fixed_dictionaries({
    "made_ago": st.integers(0, 200), "inspected_ago": st.one_of(st.none(), st.integers(0, 200)),
    "published": st.booleans(), "days_late": st.integers(-5, 5),
})


def apply(task: InspectionTask, s: dict, now: dt.datetime) -> None:
    today = timezone.localdate(now)
    inspected = None if s["inspected_ago"] is None else today - dt.timedelta(days=s["inspected_ago"])
    publish_by = inspected + dt.timedelta(days=20) if inspected else None
    published = inspected is not None and s["published"]
    InspectionTask.objects.filter(pk=task.pk).update(
        created_at=now - dt.timedelta(days=s["made_ago"]), inspected_on=inspected, publish_by=publish_by,
        status=TaskStatus.PUBLISHED if published else TaskStatus.SUBMITTED if inspected else TaskStatus.OPEN,
        published_at=now.replace(year=publish_by.year, month=publish_by.month, day=publish_by.day)
        + dt.timedelta(days=s["days_late"]) if published else None)


def counted(months: list[dt.date]) -> dict[str, list[int]]:
    values = {key: [0] * len(months) for key in KEYS}

    def add(key, day):
        if day and figures.month_start(day) in months:
            values[key][months.index(figures.month_start(day))] += 1

    for task in InspectionTask.objects.all():
        add("supervision.planned", timezone.localdate(task.created_at))
        add("supervision.done", task.inspected_on)
        if task.status == TaskStatus.PUBLISHED and timezone.localdate(task.published_at) <= task.publish_by:
            add("supervision.published_in_time", task.inspected_on)
    return values


@pytest.mark.django_db
def test_stored_supervision_figures_equal_the_counted_ones(drawn_plan, city_regulator, bazhou_regulator, make_user):
    tasks = list(drawn_plan.tasks.all())
    tongjiang = make_user(Role.COUNTY_REGULATOR, division="511921")

    @settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(standing, min_size=len(tasks), max_size=len(tasks)))
    def check(standings):
        with transaction.atomic():
            now = timezone.now()
            for task, s in zip(tasks, standings, strict=True):
                apply(task, s, now)
            refresh.rebuild()
            for reader in (city_regulator, bazhou_regulator):
                board = selectors.board(reader, months=12)
                expected = counted(board.months)
                assert {key: board.total.values[key] for key in KEYS} == expected
            assert not any(any(selectors.board(tongjiang).total.values[key]) for key in KEYS)
            transaction.set_rollback(True)

    check()
