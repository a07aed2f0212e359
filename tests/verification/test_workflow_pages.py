"""Issue 12, everyday use of the request → certificate workflow: the pages show only the actions the
reader may take now, a request lists its records and certificates, the city regulator registers
staff qualifications."""

import re

from jiliang.accounts.models import Role
from jiliang.verification import services
from jiliang.verification.models import Qualification

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
