"""The global search's matching rules (issue 19, a million rows): the closest matches come first (the
shortest names, whole serial numbers); a name matches anywhere from three characters on and by its
beginning below that; a credit code by its beginning however it is typed; the list filters keep
matching anywhere; on PostgreSQL every name condition reads its trigram index."""

import pytest
from django.db import connection

from jiliang.accounts.models import Role
from jiliang.portal import search
from jiliang.registry import selectors as registry


def titles(hits, kind: str) -> list[str]:
    return [hit.title for hit in hits if hit.kind == kind]


@pytest.fixture
def names(make_organization, make_site):
    """Two organizations and two sites whose whole-match name sorts after the other ("一" is the first
    ideograph), in 巴州区."""
    whole = make_organization(name="甲乙丙")
    other = make_organization(name="一甲乙丙")
    make_site(whole, name="丁戊己")
    make_site(other, name="一丁戊己")
    return whole, other


def test_the_shortest_name_comes_first(city_regulator, names):
    assert titles(search.search(city_regulator, "甲乙丙"), "organization") == ["甲乙丙", "一甲乙丙"]
    assert titles(search.search(city_regulator, "甲乙丙", limit=1), "organization") == ["甲乙丙"]
    assert titles(search.search(city_regulator, "丁戊己", limit=1), "site") == ["丁戊己"]
    assert [row.name for row in registry.organizations(city_regulator, text="甲乙丙")] == ["一甲乙丙", "甲乙丙"]


def test_a_whole_serial_number_comes_before_the_longer_ones(city_regulator, names, make_instrument):
    whole, _other = names
    make_instrument(whole, serial_no="AB12")
    make_instrument(whole, serial_no="AB12-3")  # newer: the list's order puts it first
    assert [title.rsplit(" ", 1)[1] for title in titles(search.search(city_regulator, "ab 12"), "instrument")] \
        == ["AB12", "AB12-3"]
    assert [title.rsplit(" ", 1)[1] for title in titles(search.search(city_regulator, "AB12-3"), "instrument")] \
        == ["AB12-3"]


def test_the_serial_numbers_a_beginning_matches_come_in_serial_number_order(city_regulator, names, make_instrument):
    whole, _other = names
    for serial in ("CD7-1", "CD7-2", "CD7-10"):  # newest first would list CD7-10, CD7-2, CD7-1
        make_instrument(whole, serial_no=serial)
    assert [title.rsplit(" ", 1)[1] for title in titles(search.search(city_regulator, "cd7"), "instrument")] \
        == ["CD7-1", "CD7-10", "CD7-2"]


def test_a_whole_public_code_comes_before_the_serial_numbers_it_begins(city_regulator, names, make_instrument):
    whole, _other = names
    coded = make_instrument(whole, serial_no="ZZ-1")
    make_instrument(whole, serial_no=f"{coded.public_code}1")  # sorts before ZZ-1 in serial-number order
    assert titles(search.search(city_regulator, coded.public_code.lower(), limit=1), "instrument") == [str(coded)]


def test_shorter_text_matches_the_beginning_of_a_name(city_regulator, names):
    assert titles(search.search(city_regulator, "甲乙"), "organization") == ["甲乙丙"]
    assert titles(search.search(city_regulator, "丁戊"), "site") == ["丁戊己"]
    assert titles(search.search(city_regulator, "乙丙"), "organization") == []
    assert {row.name for row in registry.organizations(city_regulator, text="乙丙")} == {"甲乙丙", "一甲乙丙"}
    assert {row.name for row in registry.sites(city_regulator, text="戊己")} == {"丁戊己", "一丁戊己"}


def test_a_credit_code_is_found_by_its_beginning_typed_any_way(city_regulator, names):
    whole, _other = names
    typed = f"{whole.uscc[:4]} {whole.uscc[4:17].lower()}"
    assert titles(search.search(city_regulator, typed), "organization") == ["甲乙丙"]
    assert titles(search.search(city_regulator, whole.uscc), "organization") == ["甲乙丙"]


def test_whole_matches_stay_within_the_scope(names, make_user, make_organization):
    make_organization("511921", name="通江县全名测试")
    bazhou = make_user(Role.COUNTY_REGULATOR, division="511902")
    owner = make_user(Role.OWNER, organization=names[1])
    assert search.search(bazhou, "通江县全名测试") == []
    assert titles(search.search(owner, "甲乙丙"), "organization") == ["一甲乙丙"]


def test_postgresql_reads_the_trigram_indexes(city_regulator, names):
    if connection.vendor != "postgresql":
        pytest.skip("the trigram indexes are PostgreSQL's; SQLite scans its few rows")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: the planner would rather read them all
    organizations = registry.organizations(city_regulator, text="甲乙丙", match=registry.SEARCH)
    plans = {
        "organization_name_trgm": [organizations.order_by(*search.SHORTEST_NAME_FIRST).explain(),
                                   registry.organizations(city_regulator, text="甲乙", match=registry.SEARCH).explain(),
                                   registry.organizations(city_regulator, text="乙丙丁").explain()],
        "site_name_trgm": [registry.sites(city_regulator, text="丁戊己", match=registry.SEARCH).explain()],
        "site_address_trgm": [registry.sites(city_regulator, text="丁戊己").explain()],
    }
    for index, explained in plans.items():
        assert all(index in plan for plan in explained), (index, explained)


def test_instruments_of_a_name_are_the_same_for_a_few_owners_or_many(city_regulator, names, make_instrument,
                                                                     monkeypatch):
    """Few organizations or sites of a name: their ids; many (registry.NAMED_IDS_MAX): a subquery for
    the list filter, while the search lists those organizations and sites, and the instruments of the one
    whose whole name it is."""
    whole, other = names
    mine, theirs = make_instrument(whole), make_instrument(other)
    few = {row.pk for row in registry.instruments(city_regulator, text="甲乙丙")}
    monkeypatch.setattr(registry, "NAMED_IDS_MAX", 1)
    assert {row.pk for row in registry.instruments(city_regulator, text="甲乙丙")} == few == {mine.pk, theirs.pk}
    hits = search.search(city_regulator, "甲乙丙")
    assert titles(hits, "instrument") == [str(mine)] and titles(hits, "organization") == ["甲乙丙", "一甲乙丙"]
