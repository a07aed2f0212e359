"""The dashboard's stored figures (dashboard/refresh.py) equal the statistics counted from the rows,
on random standings of real instruments, certificates and states, for every reader's scope."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiliang.accounts.access import scope
from jiliang.accounts.models import Role
from jiliang.dashboard import refresh, selectors
from jiliang.registry.models import Instrument, InstrumentStatus
from jiliang.verification import statistics
from jiliang.verification.models import Certificate, CertificateKind, Conclusion, VerificationState

from .conftest import days
from .due_testkit import with_state

STOCK = ("instruments", "on_time", "overdue", "failed", "never_verified")


@pytest.fixture
def pool(world):
    """Eight verified instruments in two counties and two never verified."""
    verified = [with_state(world, days(10), county=county, failed=i % 4 == 3)
                for i, county in enumerate(["511902"] * 5 + ["511921"] * 3)]
    return verified + [world.make_instrument(), world.make_instrument(county="511921")]


standing = st.fixed_dictionaries({
    "in_use": st.booleans(),
    "mandatory": st.booleans(),
    "valid_in": st.one_of(st.none(), st.integers(-400, 400)),
    "passed": st.booleans(),
    "performed_ago": st.integers(0, 500),
})


def apply(instrument: Instrument, s: dict) -> None:
    Instrument.objects.filter(pk=instrument.pk).update(
        status=InstrumentStatus.IN_USE if s["in_use"] else InstrumentStatus.OUT_OF_SERVICE, mandatory=s["mandatory"])
    VerificationState.objects.filter(instrument=instrument).update(
        valid_until=None if s["valid_in"] is None else days(s["valid_in"]),
        conclusion=Conclusion.PASS if s["passed"] else Conclusion.FAIL)
    Certificate.objects.filter(instrument=instrument).update(performed_on=days(-s["performed_ago"]))


def figures_of(result: statistics.Statistics) -> dict:
    return {(row.county.code, row.instrument_type.code): row.figures for row in result.rows}


@pytest.mark.django_db
def test_stored_figures_equal_the_counted_ones(world, pool, make_user):
    readers = [world.city, make_user(Role.COUNTY_REGULATOR, division="511921"), make_user(Role.AUDITOR, division="511902")]

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(standing, min_size=len(pool), max_size=len(pool)))
    def check(standings):
        with transaction.atomic():
            for instrument, s in zip(pool, standings):
                apply(instrument, s)
            refresh.rebuild()
            for reader in readers:
                stored = selectors.stored_statistics(reader)
                counted = statistics.statistics(reader, on=stored.on)
                assert figures_of(stored) == figures_of(counted)
                assert stored.total == counted.total and stored.as_of is not None
                board = selectors.board(reader, months=24)
                for name in STOCK:
                    assert board.total.latest(f"verification.{name}") == getattr(counted.total, name)
                certificates = statistics.performed(stored.on, stored.on - datetime.timedelta(days=800))
                in_scope = scope(certificates, reader)
                assert sum(board.total.values["verification.verifications"]) == in_scope.count()
                assert sum(board.total.values["verification.failures"]) == in_scope.filter(
                    kind=CertificateKind.FAILURE_NOTICE).count()
            transaction.set_rollback(True)

    check()


def test_a_county_officer_reads_only_its_county(world, pool, make_user):
    refresh.rebuild()
    tongjiang = make_user(Role.COUNTY_REGULATOR, division="511921")
    assert {county.code for county, _ in selectors.stored_statistics(tongjiang).counties} == {"511921"}
    assert {s.division.code for s in selectors.board(tongjiang).counties} == {"511921"}
    assert {s.division.code for s in selectors.board(world.city).counties} == {"511902", "511921"}
    assert selectors.stored_statistics(world.owner) is None
    assert selectors.board(world.owner).counties == []
    assert selectors.stored_statistics(world.city, division_code="511921").total.instruments == 4


def test_the_statistics_page_reads_the_stored_figures(world, pool, client):
    client.force_login(world.city)
    assert "数据为实时计算" in client.get("/verification/statistics/").content.decode()
    refresh.rebuild()
    Instrument.objects.filter(pk=pool[0].pk).update(status=InstrumentStatus.OUT_OF_SERVICE)
    page = client.get("/verification/statistics/").content.decode()
    assert "数据截至" in page
    stored = selectors.stored_statistics(world.city)
    assert stored.total.instruments == statistics.statistics(world.city).total.instruments + 1  # as of the job's run
