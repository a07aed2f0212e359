"""The workbench of institution staff and owners: their own queue, never the city's figures (defect 15)."""

import re

from jiliang.accounts.models import Role
from jiliang.verification import services
from jiliang.verification.models import CalibrationResult

from .conftest import days


def _cards(client) -> dict[str, str]:
    """{title: value} of the home page's to-do and KPI cards."""
    page = client.get("/").content.decode()
    found = re.findall(r'data-testid="(?:todo|kpi)">.*?<span>(.*?)</span></div>\s*<div class="figure-value">([\d,]+)<',
                       page, re.S)
    return dict(found)


def _other_institution(world, division):
    other = services.create_institution(world.city, name="通江县计量检定所", division=division("511921"),
                                        certificate_prefix="TJJL")
    services.approve_proposal(world.reviewer, services.propose_authorisation(
        world.city, institution=other, authorisation_no="(川)法计(2024)09号", valid_from=days(-1000),
        valid_until=days(1000), instrument_types=[world.dispenser], divisions=[division("511900")],
    ))
    return other


def test_an_institution_home_counts_its_own_queue_not_another_institutions(world, division, make_user,
                                                                             browser_client):
    other = _other_institution(world, division)
    for _ in range(3):  # three requests wait at the other institution, one at ours
        services.submit_request(world.owner, owner=world.owner_org, institution=other,
                                instruments=[world.make_instrument()])
    services.submit_request(world.owner, owner=world.owner_org, institution=world.institution,
                            instruments=[world.make_instrument()])
    accepted = services.submit_request(world.owner, owner=world.owner_org, institution=world.institution,
                                       instruments=[world.instrument])
    services.accept_request(world.verifier, accepted, scheduled_for=days(3))
    world.record(request=accepted)  # accepted and recorded: no longer waiting for a record
    services.accept_request(world.verifier, services.submit_request(
        world.owner, owner=world.owner_org, institution=world.institution, instruments=[world.make_instrument()]),
        scheduled_for=days(5))
    other_staff = make_user(Role.INSTITUTION_STAFF, institution=other)

    ours = _cards(browser_client(world.verifier))
    assert ours["待受理报检"] == "1"
    assert ours["已受理待出检定记录"] == "1"
    assert ours["本月出具证书"] == "1"
    assert "超期未检器具" not in ours and "在用强检器具" not in ours and "经营场所" not in ours  # city-wide figures
    theirs = _cards(browser_client(other_staff))
    assert theirs["待受理报检"] == "3" and theirs["已受理待出检定记录"] == "0" and theirs["本月出具证书"] == "0"


def test_an_institution_sees_its_standards_due_for_calibration(world, division, make_user, browser_client):
    due_soon = services.create_standard(world.city, institution=world.institution, name="标准金属量器(即将到期)",
                                        instrument_types=[world.dispenser])
    services.record_standard_calibration(
        world.city, standard=due_soon, calibrating_institution=world.province,
        reference_standard=world.provincial_standard, certificate_no="SCJL-2026-0901", calibrated_on=days(-350),
        valid_until=days(10), result=CalibrationResult.IN_TOLERANCE,
    )
    services.create_standard(world.city, institution=world.province, name="省院的标准(无校准记录)",
                             instrument_types=[world.dispenser])

    cards = _cards(browser_client(world.verifier))
    assert cards["30 天内需校准的计量标准"] == "1"  # not the provincial institute's standard


def test_an_owner_home_lists_its_due_instruments_open_requests_and_unread_notices(world, browser_client):
    services.submit_request(world.owner, owner=world.owner_org, institution=world.institution,
                            instruments=[world.instrument])
    cards = _cards(browser_client(world.owner))
    assert cards["办理中的报检"] == "1"
    assert {"超期未检器具", "30 天内到期器具", "未读通知", "在用强检器具"} <= set(cards)
