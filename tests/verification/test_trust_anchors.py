"""Trust anchors (national roots, authorisations, qualifications) change only by the two-person rule:
one city regulator proposes, another approves; institution staff cannot touch them (issue 13,
finding 1: staff marked their own standard as a national root and certified with it)."""

import pytest

from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import AuditEvent, Role
from jiliang.errors import Conflict, InvalidInput
from jiliang.ledger.models import PendingEntry
from jiliang.verification import services
from jiliang.verification.models import (
    AuthorisationScope,
    MeasurementStandard,
    ProposalStatus,
    Qualification,
    TrustAnchorProposal,
)

from .conftest import days

pytestmark = pytest.mark.audit  # the security regression suite: `make audit`

JSON = "application/json"


def _own_standard(world, **fields):
    return services.create_standard(world.verifier, institution=world.institution, name="自封基准",
                                    instrument_types=[world.dispenser], **fields)


def test_institution_staff_cannot_mark_a_standard_as_national_root_through_the_api(world, api_client):
    staff = api_client(world.verifier)
    created = staff.post("/api/v1/standards", {"institution_id": world.institution.pk, "name": "自封基准",
                                               "instrument_types": ["MI06"], "is_national_root": True},
                         content_type=JSON)
    assert created.status_code == 422, created.content
    assert "is_national_root" in created.json()["fields"]
    assert not MeasurementStandard.objects.filter(name="自封基准").exists()
    patched = staff.patch(f"/api/v1/standards/{world.standard.pk}", {"is_national_root": True}, content_type=JSON)
    assert patched.status_code == 422 and "is_national_root" in patched.json()["fields"]
    world.standard.refresh_from_db()
    assert not world.standard.is_national_root


def test_the_services_refuse_the_root_field_to_everyone(world):
    with pytest.raises(InvalidInput) as refused:
        _own_standard(world, is_national_root=True)
    assert "is_national_root" in refused.value.fields
    with pytest.raises(InvalidInput):
        services.update_standard(world.city, world.standard, is_national_root=True)


def test_the_standard_form_no_longer_carries_the_root_field(world, browser_client):
    client = browser_client(world.verifier)
    page = client.get(f"/verification/standards/{world.standard.pk}/edit/").content.decode()
    assert 'name="is_national_root"' not in page
    client.post(f"/verification/standards/{world.standard.pk}/edit/",
                {"name": world.standard.name, "instrument_types": [world.dispenser.pk], "in_service": "on",
                 "is_national_root": "on"})
    world.standard.refresh_from_db()
    assert not world.standard.is_national_root


def test_a_certificate_with_an_uncalibrated_standard_of_ones_own_is_refused(world):
    mine = _own_standard(world)
    with pytest.raises(InvalidInput) as refused:
        world.record(standards=(mine,))
    assert "standards" in refused.value.fields


def test_a_root_needs_a_second_city_regulator_and_is_logged(world, make_user):
    standard = services.create_standard(world.city, institution=world.national, name="国家质量基准")
    with pytest.raises(AccessDenied):
        services.propose_national_root(world.verifier, standard, True)
    proposal = services.propose_national_root(world.city, standard, True)
    standard.refresh_from_db()
    assert not standard.is_national_root  # a proposal changes nothing
    with pytest.raises(AccessDenied):  # the proposer cannot approve
        services.approve_proposal(world.city, proposal)
    with pytest.raises(AccessDenied):  # nor can a county regulator
        services.approve_proposal(make_user(Role.COUNTY_REGULATOR, division="511902"), proposal)
    standard.refresh_from_db()
    assert not standard.is_national_root
    world.approve(proposal)
    standard.refresh_from_db()
    assert standard.is_national_root
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (ProposalStatus.APPROVED, world.reviewer)
    with pytest.raises(Conflict):  # decided once
        services.reject_proposal(make_user(Role.CITY_REGULATOR, division="511900"), proposal, "晚了")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"trust_anchor.propose", "trust_anchor.approve", "standard.national_root"} <= actions
    logged = PendingEntry.objects.filter(kind=services.ANCHOR_LEDGER_KIND, record_id=str(proposal.pk)).count()
    assert logged == 2  # the proposal and its approval


def test_only_a_national_institute_standard_can_become_a_root(world):
    with pytest.raises(InvalidInput):
        services.propose_national_root(world.city, world.standard, True)


def test_authorisations_and_qualifications_through_the_api_wait_for_approval(world, api_client, make_user):
    city, reviewer = api_client(world.city), api_client(world.reviewer)
    before = AuthorisationScope.objects.count()
    proposed = city.post(f"/api/v1/institutions/{world.province.pk}/authorisations", {
        "authorisation_no": "(川)法计(2026)09号", "valid_from": str(days(0)), "valid_until": str(days(365)),
        "instrument_types": ["MI06"], "divisions": ["511900"]}, content_type=JSON)
    assert proposed.status_code == 202, proposed.content
    assert AuthorisationScope.objects.count() == before
    proposal_id = proposed.json()["id"]
    assert city.post(f"/api/v1/trust-anchor-proposals/{proposal_id}/approve", {}, content_type=JSON).status_code == 403
    approved = reviewer.post(f"/api/v1/trust-anchor-proposals/{proposal_id}/approve", {"note": "核对无误"},
                             content_type=JSON)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert AuthorisationScope.objects.filter(authorisation_no="(川)法计(2026)09号").exists()
    again = reviewer.post(f"/api/v1/trust-anchor-proposals/{proposal_id}/approve", {}, content_type=JSON)
    assert again.status_code == 409

    person = make_user(Role.INSTITUTION_STAFF, institution=world.institution)
    qualification = city.post("/api/v1/qualifications", {
        "user_id": person.pk, "type_code": "MI06", "kind": "verifier", "valid_from": str(days(0)),
        "valid_until": str(days(365))}, content_type=JSON)
    assert qualification.status_code == 202, qualification.content
    staff = api_client(world.verifier)
    assert staff.post(f"/api/v1/trust-anchor-proposals/{qualification.json()['id']}/approve", {},
                      content_type=JSON).status_code == 403
    rejected = reviewer.post(f"/api/v1/trust-anchor-proposals/{qualification.json()['id']}/reject",
                             {"note": "证书编号缺失"}, content_type=JSON)
    assert rejected.json()["status"] == "rejected"
    assert not Qualification.objects.filter(user=person).exists()


def test_the_proposal_pages(world, browser_client):
    proposal = services.propose_national_root(
        world.city, services.create_standard(world.city, institution=world.national, name="国家长度基准"), True)
    mine = browser_client(world.city).get(f"/verification/trust-anchor-proposals/{proposal.pk}/").content.decode()
    assert "国家长度基准" in mine and "待复核" in mine and "批准" not in mine
    reviewer = browser_client(world.reviewer)
    assert "批准" in reviewer.get(f"/verification/trust-anchor-proposals/{proposal.pk}/").content.decode()
    assert reviewer.get("/verification/trust-anchor-proposals/").status_code == 200
    response = reviewer.post(f"/verification/trust-anchor-proposals/{proposal.pk}/approve/", {"note": "同意"})
    assert response.status_code == 302
    assert TrustAnchorProposal.objects.get(pk=proposal.pk).status == ProposalStatus.APPROVED
