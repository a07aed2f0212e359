"""Keyset pages: walking forwards from the first page or backwards from the last one visits every
row once, in the list's order, for every sort the lists offer (NULLs and ties included)."""

import datetime

import pytest

from jiliang.pagination import InvalidCursor, Keyset, encode_cursor, keyset_page
from jiliang.registry.models import Instrument


@pytest.fixture
def instruments(make_organization, make_site, make_instrument):
    site = make_site(make_organization("511902"), name="甲站")
    dates = [None, datetime.date(2024, 1, 2), datetime.date(2024, 1, 2), None, datetime.date(2023, 5, 6),
             datetime.date(2024, 1, 2), None, datetime.date(2022, 1, 1)]
    for number, day in enumerate(dates):
        make_instrument(site=site, install_date=day, serial_no=f"S{number % 3}", manufacturer=f"厂{number}")
    return Instrument.objects.all()


def walk_forwards(queryset, sort, limit):
    page, seen = keyset_page(queryset, sort, limit), []
    while True:
        seen += [row.pk for row in page.items]
        if page.next_cursor is None:
            return seen
        page = keyset_page(queryset, sort, limit, after=page.next_cursor)


def walk_backwards(queryset, sort, limit):
    page, seen = keyset_page(queryset, sort, limit, last=True), []
    while True:
        seen = [row.pk for row in page.items] + seen
        if page.previous_cursor is None:
            return seen
        page = keyset_page(queryset, sort, limit, before=page.previous_cursor)


@pytest.mark.parametrize("sort", ["install_date", "-install_date", "serial_no", "-serial_no", "-id", "public_code",
                                  "site__name", "-status"])
@pytest.mark.parametrize("limit", [1, 3, 8])
def test_every_row_once_in_order_both_ways(instruments, sort, limit):
    expected = [row.pk for row in Keyset(sort).ordered(instruments)]
    assert len(expected) == 8
    assert walk_forwards(instruments, sort, limit) == expected
    assert walk_backwards(instruments, sort, limit) == expected


def test_the_ends_have_no_cursor_beyond_them(instruments):
    first = keyset_page(instruments, "install_date", 3)
    assert first.previous_cursor is None and first.next_cursor
    last = keyset_page(instruments, "install_date", 3, last=True)
    assert last.next_cursor is None and last.previous_cursor and len(last.items) == 3
    assert keyset_page(instruments, "install_date", 8, last=True).previous_cursor is None


def test_a_cursor_of_another_order_or_an_edited_one_is_refused(instruments):
    cursor = keyset_page(instruments, "install_date", 3).next_cursor
    with pytest.raises(InvalidCursor):
        keyset_page(instruments, "-install_date", 3, after=cursor)
    with pytest.raises(InvalidCursor):
        keyset_page(instruments, "install_date", 3, after=cursor[:-4] + "AAAA")
    with pytest.raises(InvalidCursor):
        keyset_page(instruments, "install_date", 3, after=encode_cursor("install_date", "x", "1"))
    with pytest.raises(InvalidCursor):
        keyset_page(instruments, "install_date", 3, after=encode_cursor("install_date", "not a date", 1))


def link(html: str, rel: str) -> str:
    return html.split(f'rel="{rel}"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")


def test_the_list_page_offers_the_last_page_and_pages_back(city_regulator, browser_client, instruments, settings):
    settings.JILIANG_PAGE_SIZE = 3
    client = browser_client(city_regulator)
    html = client.get("/registry/instruments/", {"sort": "install_date"}).content.decode()
    assert "下一页" in html and "末页" in html and "上一页" not in html
    html = client.get(f"/registry/instruments/{link(html, 'last')}").content.decode()
    assert "本页 3 条" in html and "末页" not in html and "下一页" not in html and "首页" in html
    codes = [row.public_code for row in Keyset("install_date").ordered(instruments)]
    assert all(code in html for code in codes[-3:]) and not any(code in html for code in codes[:-3])
    html = client.get(f"/registry/instruments/{link(html, 'prev')}").content.decode()
    assert all(code in html for code in codes[-6:-3]) and "下一页" in html
    assert client.get("/registry/instruments/", {"after": "garbage"}).status_code == 200


def test_the_api_pages_instruments_by_cursor_and_refuses_a_foreign_one(city_regulator, api_client, instruments):
    client = api_client(city_regulator)
    seen, params = [], {"sort": "install_date", "limit": 3}
    while True:
        body = client.get("/api/v1/instruments", params).json()
        seen += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            assert body["has_more"] is False
            break
        params["cursor"] = body["next_cursor"]
    assert seen == [row.pk for row in Keyset("install_date").ordered(instruments)]
    offset = client.get("/api/v1/instruments", {"sort": "install_date", "limit": 3, "offset": 3}).json()
    assert [item["id"] for item in offset["items"]] == seen[3:6] and offset["offset"] == 3
    response = client.get("/api/v1/instruments", {"sort": "-install_date", "cursor": params["cursor"]})
    assert response.status_code == 422 and set(response.json()["fields"]) == {"cursor"}


def test_the_audit_log_api_pages_by_cursor(city_regulator, api_client, instruments):
    client = api_client(city_regulator)
    first = client.get("/api/v1/audit-events", {"limit": 2}).json()
    second = client.get("/api/v1/audit-events", {"limit": 2, "cursor": first["next_cursor"]}).json()
    both = client.get("/api/v1/audit-events", {"limit": 4}).json()
    assert [e["id"] for e in first["items"] + second["items"]] == [e["id"] for e in both["items"]]
