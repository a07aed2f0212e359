"""Global search (page and API): finds instruments, organizations, sites and certificates by code, name or
number, and only within the reader's scope: another county's or another owner's rows are never found."""

import pytest
from django.test import Client

from jiliang.accounts import services as account_services
from jiliang.accounts.models import Role
from jiliang.portal import search


@pytest.fixture
def two_counties(world, make_organization):
    """The world's 巴州区 owner with a certificate, and a 通江县 business with an instrument of its own."""
    certificate = world.record()
    tongjiang = make_organization("511921", name="通江县搜索测试加油站")
    far = world.make_instrument(tongjiang, county="511921")
    return certificate, far


def kinds(hits):
    return {hit.kind for hit in hits}


def test_each_kind_is_found_by_code_name_or_number(world, two_counties):
    certificate, far = two_counties
    city = world.city
    assert kinds(search.search(city, certificate.number)) == {"certificate"}
    assert far.pk in [int(hit.url.rstrip("/").rsplit("/", 1)[1]) for hit in search.search(city, far.serial_no)
                      if hit.kind == "instrument"]
    assert {"organization", "instrument"} <= kinds(search.search(city, "通江县搜索测试"))
    site = far.site
    assert any(hit.title == site.name for hit in search.search(city, site.name) if hit.kind == "site")


def test_a_county_regulator_finds_only_the_county(world, two_counties, bazhou_regulator, tongjiang_regulator):
    certificate, far = two_counties
    assert search.search(bazhou_regulator, far.serial_no) == []
    assert search.search(bazhou_regulator, "通江县搜索测试") == []
    assert kinds(search.search(bazhou_regulator, certificate.number)) == {"certificate"}
    assert search.search(tongjiang_regulator, certificate.number) == []
    assert kinds(search.search(tongjiang_regulator, far.serial_no)) == {"instrument"}


def test_an_owner_finds_only_its_own(world, two_counties, make_user):
    certificate, far = two_counties
    owner = world.owner
    assert search.search(owner, far.serial_no) == []
    assert search.search(owner, "通江县搜索测试") == []
    assert kinds(search.search(owner, certificate.number)) == {"certificate"}
    far_owner = make_user(Role.OWNER, organization=far.owner)
    assert search.search(far_owner, certificate.number) == []
    assert kinds(search.search(far_owner, far.serial_no)) == {"instrument"}


def test_empty_text_finds_nothing(world):
    assert search.search(world.city, "   ") == []


def test_the_page_lists_hits_in_chinese_groups(world, two_counties, browser_client, tongjiang_regulator):
    certificate, far = two_counties
    page = browser_client(tongjiang_regulator).get("/search/", {"q": far.serial_no})
    text = page.content.decode()
    assert page.status_code == 200 and far.serial_no in text and "计量器具" in text
    page = browser_client(tongjiang_regulator).get("/search/", {"q": certificate.number})
    assert 'data-testid="search-empty"' in page.content.decode()


def test_the_page_needs_a_sign_in(client):
    assert client.get("/search/", {"q": "x"}).status_code == 302


def test_the_api_is_scoped_and_names_a_bad_field(world, two_counties, api_client, bazhou_regulator):
    certificate, far = two_counties
    response = api_client(world.city).get("/api/v1/search", {"q": far.serial_no})
    assert response.status_code == 200 and response.json()[0]["kind"] == "instrument"
    assert api_client(bazhou_regulator).get("/api/v1/search", {"q": far.serial_no}).json() == []
    bad = api_client(world.city).get("/api/v1/search", {"q": "", "limit": 0})
    assert bad.status_code == 422 and {"q", "limit"} <= set(bad.json()["fields"])
    assert api_client(None).get("/api/v1/search", {"q": "x"}).status_code == 401


def test_the_api_takes_its_own_scope(world, two_counties):
    """The search finds certificates too: a registry token alone does not open it."""
    certificate, _far = two_counties
    for scopes, status in ((["registry:read", "verification:read"], 403), (["search:read"], 200)):
        _token, raw = account_services.issue_api_token(world.city, "search", scopes=scopes)
        response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/search", {"q": certificate.number})
        assert response.status_code == status, response.content
    assert response.json()[0]["title"] == certificate.number
