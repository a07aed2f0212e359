"""Issue 12, everyday use of the request → certificate workflow: the pages show only the actions the
reader may take now, a request lists its records and certificates, the city regulator proposes
staff qualifications."""

import re

from jiliang.accounts.models import Role
from jiliang.verification import services
from jiliang.verification.models import Qualification, TrustAnchorProposal

from .conftest import days


def _request(world, instruments=None):
    return services.submit_request(world.owner, owner=world.owner_org, institution=world.institution,
                                   instruments=instruments or [world.instrument], preferred_date=days(3))


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


# ---------------------------------------------------------------------------------------------
# Defect 3: the city regulator's "登记人员资格"

def test_the_city_regulator_registers_a_staff_qualification(world, browser_client, make_user):
    newcomer = make_user(Role.INSTITUTION_STAFF, institution=world.institution, display_name="检定员王五")
    client = browser_client(world.city)
    url = f"/verification/institutions/{world.institution.pk}/qualifications/new/"
    assert url in _links(client.get(f"/verification/institutions/{world.institution.pk}/").content.decode())
    assert client.get(url).status_code == 200
    response = client.post(url, {"user": newcomer.pk, "instrument_type": world.dispenser.pk, "kind": "verifier",
                                 "certificate_no": "川计检字 001", "valid_from": days(-1), "valid_until": days(700)})
    assert response.status_code == 302, response.content.decode()[-2000:]
    # A proposal (the two-person rule): the qualification exists once a second city regulator approves.
    assert not Qualification.objects.filter(user=newcomer).exists()
    proposal = TrustAnchorProposal.objects.latest("id")
    assert response["Location"] == f"/verification/trust-anchor-proposals/{proposal.pk}/"
    browser_client(world.reviewer).post(f"/verification/trust-anchor-proposals/{proposal.pk}/approve/", {"note": ""})
    assert Qualification.objects.filter(user=newcomer, kind="verifier").exists()


def test_the_qualification_button_shows_only_where_it_works(world, browser_client, make_user):
    # the national institute lies outside the city's jurisdiction: no button, and the page refuses
    for user, institution, shown in ((world.city, world.national, False), (world.verifier, world.institution, False),
                                     (make_user(Role.AUDITOR, division="511900"), world.institution, False)):
        client = browser_client(user)
        url = f"/verification/institutions/{institution.pk}/qualifications/new/"
        page = client.get(f"/verification/institutions/{institution.pk}/").content.decode()
        assert (url in _links(page)) is shown, (user.role, institution.name)
        assert client.get(url).status_code == 403


# ---------------------------------------------------------------------------------------------
# Defect 11: only the actions the reader may take now; a request links its records and certificates

def _request_links(client, request) -> set[str]:
    response = client.get(f"/verification/requests/{request.pk}/")
    assert response.status_code == 200
    return _links(response.content.decode())


def test_a_completed_request_offers_no_steps_and_links_its_records_and_certificates(world, browser_client):
    request = _request(world)
    steps = {f"/verification/requests/{request.pk}/{step}/" for step in ("accept", "reject", "cancel")}
    assert steps - {f"/verification/requests/{request.pk}/cancel/"} <= _request_links(browser_client(world.verifier),
                                                                                       request)
    services.accept_request(world.verifier, request, scheduled_for=days(2))
    certificate = world.record(request=request)
    request.refresh_from_db()
    assert request.status == "completed"
    for user in (world.verifier, world.owner, world.city):
        links = _request_links(browser_client(user), request)
        assert not steps & links, user.role
        assert f"/verification/certificates/{certificate.pk}/" in links
        assert f"/verification/records/{certificate.verification_id}/" in links
        assert not any(link.startswith("/verification/records/new/") for link in links)


def test_read_only_roles_see_no_write_actions(world, browser_client, make_user, make_institution):
    request = _request(world)
    certificate = world.record()
    auditor = make_user(Role.AUDITOR, division="511900")
    outsider = make_user(Role.INSTITUTION_STAFF, institution=make_institution())
    county = make_user(Role.COUNTY_REGULATOR, division="511902")
    writes = re.compile(r"/(new|edit|accept|reject|cancel|revoke|supersede|status)/")
    pages = [f"/verification/requests/{request.pk}/", f"/verification/certificates/{certificate.pk}/",
             f"/verification/institutions/{world.institution.pk}/", f"/verification/standards/{world.standard.pk}/",
             f"/registry/instruments/{world.instrument.pk}/", f"/registry/organizations/{world.owner_org.pk}/",
             f"/registry/sites/{world.instrument.site_id}/"]
    for user in (auditor, outsider, county):
        client = browser_client(user)
        for page in pages:
            response = client.get(page)
            if response.status_code == 404:  # outside what this reader may see at all
                continue
            found = {link for link in _links(response.content.decode()) if writes.search(link)}
            allowed = {f"/registry/sites/{world.instrument.site_id}/edit/",
                       f"/registry/instruments/{world.instrument.pk}/edit/",
                       f"/registry/instruments/{world.instrument.pk}/status/",
                       f"/registry/organizations/{world.owner_org.pk}/edit/"} if user is county else set()
            assert found <= allowed, (user.role, page, found)
    # the owner withdraws an open request, and only an open one
    owner = browser_client(world.owner)
    assert f"/verification/requests/{request.pk}/cancel/" in _request_links(owner, request)
    services.reject_request(world.verifier, request, response="超出授权范围")
    assert f"/verification/requests/{request.pk}/cancel/" not in _request_links(owner, request)
