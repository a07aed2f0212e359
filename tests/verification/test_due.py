"""Due-soon, overdue, failed-in-use and never-verified selectors at their boundaries, their scoping,
the API lists and the pages."""

import pytest

from jiliang.accounts.models import Role
from jiliang.registry.models import InstrumentStatus, Purpose
from jiliang.verification import due

from .conftest import days
from .due_testkit import set_status, with_state


@pytest.fixture
def standing(world):
    """Instruments at each boundary, all of the world's owner in 巴州区 unless said otherwise."""
    return {
        "yesterday": with_state(world, days(-1)),
        "today": with_state(world, days(0)),
        "in_30": with_state(world, days(30)),
        "in_31": with_state(world, days(31)),
        "failed": with_state(world, failed=True),
        "never": world.make_instrument(),
        "tongjiang_overdue": with_state(world, days(-100), county="511921"),
    }


def ids(queryset) -> set[int]:
    return {getattr(row, "instrument_id", None) or row.pk for row in queryset}


def test_overdue_is_in_use_after_valid_until(world, standing):
    assert ids(due.overdue(world.city)) == {standing["yesterday"].pk, standing["tongjiang_overdue"].pk}
    # Longest overdue first.
    assert [s.instrument_id for s in due.overdue(world.city)][0] == standing["tongjiang_overdue"].pk


def test_due_soon_includes_today_and_the_last_day_of_the_horizon(world, standing, settings):
    settings.JILIANG_VERIFICATION_DUE_DAYS = 30
    assert ids(due.due_soon(world.city)) == {standing["today"].pk, standing["in_30"].pk}
    assert standing["in_31"].pk in ids(due.due_soon(world.city, within_days=31))
    assert ids(due.due_soon(world.city, within_days=1)) == {standing["today"].pk}


def test_on_date_moves_the_boundary(world, standing):
    assert standing["today"].pk in ids(due.overdue(world.city, on=days(1)))
    assert standing["today"].pk not in ids(due.overdue(world.city, on=days(0)))


def test_failed_and_never_verified(world, standing):
    assert ids(due.failed_in_use(world.city)) == {standing["failed"].pk}
    assert standing["failed"].pk not in ids(due.overdue(world.city)) | ids(due.due_soon(world.city))
    assert standing["never"].pk in ids(due.never_verified(world.city))
    verified = {standing[k].pk for k in ("yesterday", "today", "in_30", "in_31", "failed")}
    assert not verified & ids(due.never_verified(world.city))


def test_only_in_use_mandatory_instruments_count(world, standing):
    set_status(standing["yesterday"], InstrumentStatus.OUT_OF_SERVICE)
    set_status(standing["never"], InstrumentStatus.SCRAPPED)
    non_mandatory = world.make_instrument()
    non_mandatory.__class__.objects.filter(pk=non_mandatory.pk).update(purpose=Purpose.OTHER, mandatory=False)
    assert standing["yesterday"].pk not in ids(due.overdue(world.city))
    assert not {standing["never"].pk, non_mandatory.pk} & ids(due.never_verified(world.city))


def test_filters_by_division_and_type(world, standing):
    assert ids(due.overdue(world.city, division_code="511921")) == {standing["tongjiang_overdue"].pk}
    assert ids(due.overdue(world.city, division_code="511902")) == {standing["yesterday"].pk}
    assert not due.overdue(world.city, type_code="MI16").exists()
    assert not due.overdue(world.city, type_code="NOPE").exists()
    assert not due.overdue(world.city, division_code="999999").exists()


def test_a_county_covers_its_townships_and_a_township_only_itself(world, standing):
    in_town = with_state(world, days(-3), county="511902001")
    assert {in_town.pk, standing["yesterday"].pk} <= ids(due.overdue(world.city, division_code="511902"))
    assert ids(due.overdue(world.city, division_code="511902001")) == {in_town.pk}
    assert ids(due.overdue(world.city, division_code="511902001", type_code="MI06")) == {in_town.pk}
    # One county and one type: few instruments, read from the instrument index (the same rows).
    assert ids(due.overdue(world.city, division_code="511902", type_code="MI06")) == {in_town.pk, standing["yesterday"].pk}
    assert ids(due.due_soon(world.city, division_code="511902", type_code="MI06", within_days=30)) == {
        standing["today"].pk, standing["in_30"].pk}
    assert not due.overdue(world.city, division_code="511902002").exists()


def test_scoping(world, standing, make_user, make_organization):
    tongjiang = make_user(Role.COUNTY_REGULATOR, division="511921")
    assert ids(due.overdue(tongjiang)) == {standing["tongjiang_overdue"].pk}
    assert ids(due.overdue(world.owner)) == {standing["yesterday"].pk, standing["tongjiang_overdue"].pk}
    stranger = make_user(Role.OWNER, organization=make_organization("511902"))
    assert not due.overdue(stranger).exists()
    assert not due.never_verified(stranger).exists()
    assert ids(due.overdue(world.verifier)) == ids(due.overdue(world.city))  # institutions read every instrument


def test_api_lists(world, standing, api_client):
    client = api_client(world.city)
    body = client.get("/api/v1/verification/overdue?limit=1").json()
    assert [item["instrument_id"] for item in body["items"]] == [standing["tongjiang_overdue"].pk]
    assert body["has_more"] is True and "count" not in body
    body = client.get("/api/v1/verification/due-soon?days=31&division=511902").json()
    assert {item["public_code"] for item in body["items"]} == {
        standing[k].public_code for k in ("today", "in_30", "in_31")}
    assert client.get("/api/v1/verification/failed-in-use").json()["items"][0]["conclusion"] == "fail"
    assert standing["never"].pk in {
        i["instrument_id"] for i in client.get("/api/v1/verification/never-verified").json()["items"]}
    assert client.get("/api/v1/verification/due-soon?days=0").status_code == 422
    assert api_client(None).get("/api/v1/verification/overdue").status_code == 401


def test_pages_list_filter_and_export(world, standing, browser_client, make_user):
    client = browser_client(world.city)
    page = client.get("/verification/overdue/").content.decode()
    assert standing["yesterday"].public_code in page and standing["tongjiang_overdue"].public_code in page
    page = client.get("/verification/overdue/?division=511921").content.decode()
    assert standing["yesterday"].public_code not in page
    export = client.get("/verification/overdue/?export=csv")
    assert standing["yesterday"].public_code in b"".join(export.streaming_content).decode("utf-8-sig")
    page = client.get("/verification/due-soon/?days=31").content.decode()
    assert standing["in_31"].public_code in page
    assert client.get("/verification/due-soon/?days=abc").status_code == 200  # a bad filter narrows nothing
    assert standing["never"].public_code in client.get("/verification/never-verified/").content.decode()
    assert standing["failed"].public_code in client.get("/verification/failed-in-use/").content.decode()
    tongjiang = browser_client(make_user(Role.COUNTY_REGULATOR, division="511921"))
    assert standing["yesterday"].public_code not in tongjiang.get("/verification/overdue/").content.decode()


def test_home_cards_and_menu(world, standing, browser_client):
    home = browser_client(world.owner).get("/").content.decode()
    assert "超期未检器具" in home and 'href="/verification/overdue/"' in home
    assert 'href="/verification/statistics/"' not in home  # owners have no statistics menu entry
    assert 'href="/verification/statistics/"' in browser_client(world.city).get("/").content.decode()


def test_home_cards_are_cached_per_scope(world, standing, settings):
    from django.core.cache import cache

    from jiliang.verification import due_home

    settings.JILIANG_FIGURES_CACHE_SECONDS = 300
    cache.clear()
    assert due_home.overdue(world.city)["value"] == 2
    with_state(world, days(-3))
    assert due_home.overdue(world.city)["value"] == 2  # the figure of a few minutes ago
    assert due.overdue(world.city).count() == 3  # lists and the API count afresh
    cache.clear()
    assert due_home.overdue(world.city)["value"] == 3


def test_the_state_copies_its_instruments_county_type_and_use_whatever_changes_them(world, division):
    from jiliang.registry.models import Instrument
    from jiliang.verification.models import VerificationState

    instrument = with_state(world, days(-5))

    def copies():
        state = VerificationState.objects.get(instrument=instrument)
        return state.county.code, state.instrument_type.code, state.in_use

    assert copies() == ("511902", "MI06", True)  # filled on insert
    tongjiang = division("511921001")
    Instrument.objects.filter(pk=instrument.pk).update(division=tongjiang, county=division("511921"))
    assert copies() == ("511921", "MI06", True)  # a plain UPDATE moves it
    assert instrument.pk in ids(due.overdue(world.city, division_code="511921", type_code="MI06"))
    assert instrument.pk not in ids(due.overdue(world.city, division_code="511902"))
    set_status(instrument)
    assert copies() == ("511921", "MI06", False)
    assert instrument.pk not in ids(due.overdue(world.city, division_code="511921", type_code="MI06"))
    Instrument.objects.filter(pk=instrument.pk).update(status=InstrumentStatus.IN_USE, mandatory=False)
    assert copies()[2] is False
    Instrument.objects.filter(pk=instrument.pk).update(mandatory=True)
    world.record(instrument=Instrument.objects.get(pk=instrument.pk), performed_on=days(-1))
    assert copies() == ("511921", "MI06", True)  # a new certificate updates the state, not its copies


def test_the_copy_triggers_are_created_again_when_a_table_rebuild_dropped_them(world, division):
    from django.db import connection

    from jiliang.registry.models import Instrument
    from jiliang.verification import state_copies
    from jiliang.verification.apps import _keep_state_copies
    from jiliang.verification.models import VerificationState

    instrument = with_state(world, days(-5))
    state_copies.stop(connection)  # what SQLite's rebuild of the table does to them
    Instrument.objects.filter(pk=instrument.pk).update(county=division("511921"))
    assert VerificationState.objects.get(instrument=instrument).county.code == "511902"
    _keep_state_copies()  # after every migrate (it acts on SQLite only, where rebuilds happen)
    if connection.vendor != "sqlite":
        state_copies.keep(connection)
    Instrument.objects.filter(pk=instrument.pk).update(county=division("511923"))
    assert VerificationState.objects.get(instrument=instrument).county.code == "511923"
