"""The enforcement figures the dashboard stores (complaints received and answered by their reply
deadline, cases opened and decided, per county and month) equal the ones counted from the rows, on
random standings of real complaints and cases, for each scope."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiliang.accounts.models import Role
from jiliang.dashboard import figures, refresh, selectors
from jiliang.enforcement.models import Case, Complaint

KEYS = ("enforcement.complaints_received", "enforcement.complaints_in_time", "enforcement.cases_opened",
        "enforcement.cases_decided")
complaint_standing = st.fixed_dictionaries({
    "received_ago": st.integers(0, 200), "replied_after": st.one_of(st.none(), st.integers(0, 40)),
})
case_standing = st.fixed_dictionaries({"filed_ago": st.integers(0, 200), "decided_after": st.one_of(st.none(), st.integers(0, 90))})


def counted(months: list[dt.date]) -> dict[str, list[int]]:
    values = {key: [0] * len(months) for key in KEYS}

    def add(key, day):
        if day and figures.month_start(day) in months:
            values[key][months.index(figures.month_start(day))] += 1

    for complaint in Complaint.objects.all():
        received = timezone.localdate(complaint.received_at)
        add("enforcement.complaints_received", received)
        if complaint.replied_at and timezone.localdate(complaint.replied_at) <= complaint.reply_due:
            add("enforcement.complaints_in_time", received)
    for case in Case.objects.all():
        add("enforcement.cases_opened", case.filed_on)
        add("enforcement.cases_decided", case.decided_on)
    return values


@pytest.mark.django_db
def test_stored_enforcement_figures_equal_the_counted_ones(submit, open_case_for, city_regulator, bazhou_regulator,
                                                           make_user):
    complaints = [submit()[0] for _ in range(3)]
    cases = [open_case_for() for _ in range(2)]
    tongjiang = make_user(Role.COUNTY_REGULATOR, division="511921")

    @settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(complaint_standing, min_size=3, max_size=3), st.lists(case_standing, min_size=2, max_size=2))
    def check(complaint_standings, case_standings):
        with transaction.atomic():
            now, today = timezone.now(), timezone.localdate()
            for complaint, s in zip(complaints, complaint_standings, strict=True):
                received = now - dt.timedelta(days=s["received_ago"])
                Complaint.objects.filter(pk=complaint.pk).update(
                    received_at=received, reply_due=timezone.localdate(received) + dt.timedelta(days=20),
                    replied_at=None if s["replied_after"] is None else received + dt.timedelta(days=s["replied_after"]))
            for case, s in zip(cases, case_standings, strict=True):
                filed = today - dt.timedelta(days=s["filed_ago"])
                decided = None if s["decided_after"] is None else filed + dt.timedelta(days=s["decided_after"])
                Case.objects.filter(pk=case.pk).update(filed_on=filed, decided_on=decided if decided and decided <= today
                                                       else None)
            refresh.rebuild()
            for reader in (city_regulator, bazhou_regulator):
                board = selectors.board(reader, months=12)
                assert {key: board.total.values[key] for key in KEYS} == counted(board.months)
            assert not any(any(selectors.board(tongjiang).total.values[key]) for key in KEYS)
            transaction.set_rollback(True)

    check()
