"""The public portal, read without signing in: the instrument look-up (found, not found, nothing personal),
the sections (every link leads to a public page), the institutions directory, and the filing numbers and
contact details from settings (docs/configuration.md)."""

import pytest
from django.urls import reverse

from jiliang.ledger import selectors as ledger
from jiliang.ledger import sequencer
from jiliang.portal import selectors
from jiliang.portal.sections import SECTIONS
from jiliang.verification.services import LEDGER_KIND
from tests.english_scan import offences


@pytest.fixture
def owner_with_phone(world):
    world.owner_org.contact_phone = "13812345678"
    world.owner_org.contact_name = "张三丰"
    world.owner_org.save()
    return world.owner_org


def test_the_home_page_speaks_chinese_and_links_only_to_public_pages(client, world):
    page = client.get("/portal/")
    text = page.content.decode()
    assert page.status_code == 200
    assert offences(text)[0] == []
    for section in SECTIONS:
        url = reverse(section.url_name)
        assert f'href="{url}"' in text
        assert client.get(url).status_code == 200, url


def test_a_known_code_leads_to_the_card_without_the_owners_person(client, world, owner_with_phone):
    code = world.instrument.public_code
    lookup = client.get("/portal/", {"code": code.lower()})
    assert lookup.status_code == 302
    card = client.get(lookup["Location"])
    text = card.content.decode()
    assert card.status_code == 200 and world.instrument.serial_no in text
    assert "13812345678" not in text and "张三丰" not in text and owner_with_phone.name not in text


def test_an_unknown_code_says_so(client, db):
    lookup = client.get("/portal/", {"code": "NOSUCHCODE"}, follow=True)
    assert lookup.status_code == 404
    assert "未查询到登记信息" in lookup.content.decode()


def test_the_directory_lists_authorised_institutions_with_their_scope(client, world):
    page = client.get("/portal/institutions/")
    text = page.content.decode()
    assert page.status_code == 200
    assert world.institution.name in text and "(川)法计(2024)01号" in text and world.dispenser.name_zh in text
    assert world.national.name not in text  # no authorisation of its own in the world
    assert offences(text)[0] == []


def test_filing_numbers_and_contacts_come_from_settings(client, db, settings):
    settings.JILIANG_ICP_FILING = "川ICP备12345678号-1"
    settings.JILIANG_POLICE_FILING = "川公网安备51190202000001号"
    settings.JILIANG_CONTACT_PHONE = "0827-1234567"
    settings.JILIANG_CONTACT_ADDRESS = "巴中市巴州区江北大道"
    text = client.get("/portal/").content.decode()
    for value in ("川ICP备12345678号-1", "川公网安备51190202000001号", "0827-1234567", "巴中市巴州区江北大道"):
        assert value in text
    settings.JILIANG_ICP_FILING = ""
    assert 'data-testid="icp-filing"' not in client.get("/portal/").content.decode()


def test_the_transparency_page_before_and_after_a_checkpoint(client, world):
    certificate = world.record()
    page = client.get("/portal/transparency/", {"number": certificate.number}).content.decode()
    assert 'data-testid="log-empty"' in page and 'data-testid="log-no-entry"' in page
    sequencer.publish()
    page = client.get("/portal/transparency/", {"number": certificate.number}).content.decode()
    index = ledger.latest_index_of(LEDGER_KIND, str(certificate.pk))
    assert f"第 {index} 号条目" in page
    assert f'data-testid="log-size">{ledger.published_checkpoint().checkpoint.size}<' in page
    assert offences(page)[0] == []
    unknown = client.get("/portal/transparency/", {"number": "NOSUCH2026-A000001"}).content.decode()
    assert 'data-testid="log-no-entry"' in unknown


def test_public_standards_with_their_coverage(client, world):
    page = client.get("/portal/standards/").content.decode()
    assert 'data-testid="no-standards"' in page
    type(world.standard).objects.filter(pk=world.standard.pk).update(is_public=True)
    type(world.root).objects.filter(pk=world.root.pk).update(is_public=True)  # a national root is not listed
    page = client.get("/portal/standards/").content.decode()
    assert world.standard.name in page and world.root.name not in page
    covered = [row for row in selectors.standards_coverage(list(selectors.public_standards())) if row.covered]
    assert covered and all(f"<td>{row.covered} / {row.total}</td>" in page for row in covered)
    assert offences(page)[0] == []
