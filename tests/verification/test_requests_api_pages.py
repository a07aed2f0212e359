"""Verification requests, the /api/v1 endpoints and the pages, scoped by role: an institution writes
only its own records, owners read their own, regulators their jurisdiction."""

import pytest

from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import AuditEvent, Role
from jiliang.errors import Conflict, InvalidInput
from jiliang.verification import services
from jiliang.verification.models import Certificate, RequestStatus, VerificationRequest

from .conftest import days, point_rows


def _request(world, instruments=None):
    return services.submit_request(world.owner, owner=world.owner_org, institution=world.institution,
                                   instruments=instruments or [world.instrument], preferred_date=days(3))


# ---------------------------------------------------------------------------------------------
# Requests

def test_a_request_goes_from_submitted_to_completed_and_every_step_is_audited(world):
    request = _request(world)
    assert request.status == RequestStatus.SUBMITTED
    services.accept_request(world.verifier, request, scheduled_for=days(5), response="请备好加油机")
    world.record(request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    actions = list(AuditEvent.objects.filter(object_type="verification.VerificationRequest", object_id=str(request.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["verification_request.submit", "verification_request.accept", "verification_request.complete"]


def test_request_refusals(world, make_organization, make_user, make_institution):
    request = _request(world)
    with pytest.raises(Conflict):  # the instrument already has an open request
        _request(world)
    with pytest.raises(AccessDenied):  # only the institution accepts
        services.accept_request(world.owner, request, scheduled_for=days(5))
    with pytest.raises(AccessDenied):  # another institution's staff neither
        services.accept_request(make_user(Role.INSTITUTION_STAFF, institution=make_institution()), request,
                                scheduled_for=days(5))
    with pytest.raises(InvalidInput):
        services.reject_request(world.verifier, request, response=" ")
    services.reject_request(world.verifier, request, response="超出本所授权范围")
    with pytest.raises(Conflict):
        services.cancel_request(world.owner, request)
    with pytest.raises(InvalidInput) as caught:  # someone else's instrument
        _request(world, [world.make_instrument(make_organization("511902"))])
    assert "instruments" in caught.value.fields
    with pytest.raises(InvalidInput) as caught:  # a type the institution is not authorised for
        _request(world, [world.make_instrument(type_code="MI12")])
    assert "institution" in caught.value.fields


def test_an_owner_withdraws_its_request(world):
    request = services.cancel_request(world.owner, _request(world))
    assert request.status == RequestStatus.CANCELLED


# ---------------------------------------------------------------------------------------------
# API

def _payload(world, **overrides) -> dict:
    payload = {
        "instrument_id": world.instrument.pk, "kind": "periodic", "performed_on": str(days(-10)),
        "verifier_id": world.verifier.pk, "checker_id": world.checker.pk, "standard_ids": [world.standard.pk],
        "points": [{"mpe_rule_id": world.rule().pk, "nominal": "20.000", "indicated": "20.020",
                    "expanded_uncertainty": "0.05", "coverage_factor": "2"}],
        "temperature_c": "21.5",
    }
    payload.update(overrides)
    return payload


def test_staff_record_through_the_api_and_refusals_name_their_fields(world, api_client):
    client = api_client(world.verifier)
    response = client.post("/api/v1/verifications", _payload(world), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "verification" and body["number"].startswith("BZJL")
    refused = client.post("/api/v1/verifications", _payload(world, checker_id=world.verifier.pk),
                          content_type="application/json")
    assert refused.status_code == 422
    assert set(refused.json()) == {"code", "message", "fields"} and "checker" in refused.json()["fields"]
    detail = client.get(f"/api/v1/verifications/{body['verification_id']}").json()
    assert detail["conclusion"] == "pass" and detail["points"][0]["error"] == "0.100000"
    chain = client.get(f"/api/v1/instruments/{world.instrument.pk}/traceability").json()
    assert chain["intact"] and len(chain["links"]) == 4


def test_a_dispensers_k_factor_is_recorded_through_the_api_and_a_bad_one_is_named(world, api_client):
    client = api_client(world.verifier)
    refused = client.post("/api/v1/verifications", _payload(world, k_factor="-1"), content_type="application/json")
    assert refused.status_code == 422 and "k_factor" in str(refused.json()["fields"])
    response = client.post("/api/v1/verifications", _payload(world, k_factor="100.4821"), content_type="application/json")
    assert response.status_code == 201, response.content
    detail = client.get(f"/api/v1/verifications/{response.json()['verification_id']}").json()
    assert detail["k_factor"] == "100.4821"


def test_an_issued_certificate_has_no_edit_endpoint(world, api_client):
    certificate = world.record()
    client = api_client(world.verifier)
    response = client.patch(f"/api/v1/certificates/{certificate.pk}", {"valid_until": "2099-01-01"},
                            content_type="application/json")
    assert response.status_code == 405
    revoked = client.post(f"/api/v1/certificates/{certificate.pk}/revoke", {"reason": "错误"},
                          content_type="application/json")
    assert revoked.json()["status"] == "revoked"
    again = client.post(f"/api/v1/certificates/{certificate.pk}/revoke", {"reason": "错误"},
                        content_type="application/json")
    assert again.status_code == 409


def test_supersede_through_the_api(world, api_client):
    certificate = world.record()
    response = api_client(world.verifier).post(
        f"/api/v1/certificates/{certificate.pk}/supersede", _payload(world, temperature_c="22.0", reason="温度笔误"),
        content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["supersedes_id"] == certificate.pk


def test_who_sees_which_certificates(world, api_client, make_user, make_organization, make_institution):
    mine = world.record()
    elsewhere = world.record(instrument=world.make_instrument(make_organization("511921"), county="511921"))

    def numbers(user) -> set[str]:
        response = api_client(user).get("/api/v1/certificates")
        assert response.status_code == 200
        return {item["number"] for item in response.json()["items"]}

    assert numbers(world.verifier) == {mine.number, elsewhere.number}
    assert numbers(world.owner) == {mine.number}
    assert numbers(make_user(Role.COUNTY_REGULATOR, division="511902")) == {mine.number}
    assert numbers(world.city) == {mine.number, elsewhere.number}
    assert numbers(make_user(Role.INSTITUTION_STAFF, institution=make_institution())) == set()
    other_owner = make_user(Role.OWNER, organization=make_organization("511902"))
    assert api_client(other_owner).get(f"/api/v1/certificates/{mine.pk}").status_code == 404


def test_roles_that_may_not_write_get_403(world, api_client, make_user, make_institution):
    assert api_client(world.owner).post("/api/v1/verifications", _payload(world),
                                        content_type="application/json").status_code == 403
    assert api_client(world.city).post("/api/v1/verifications", _payload(world),
                                       content_type="application/json").status_code == 403
    certificate = world.record()
    outsider = make_user(Role.INSTITUTION_STAFF, institution=make_institution())
    response = api_client(outsider).post(f"/api/v1/certificates/{certificate.pk}/revoke", {"reason": "x"},
                                         content_type="application/json")
    assert response.status_code == 404  # not visible to another institution at all
    standard = api_client(outsider).patch(f"/api/v1/standards/{world.standard.pk}", {"name": "改名"},
                                          content_type="application/json")
    assert standard.status_code == 403  # standards are public to read, written by their own institution


def test_requests_through_the_api(world, api_client):
    owner = api_client(world.owner)
    response = owner.post("/api/v1/verification-requests",
                          {"institution_id": world.institution.pk, "instrument_ids": [world.instrument.pk]},
                          content_type="application/json")
    assert response.status_code == 201, response.content
    request_id = response.json()["id"]
    accepted = api_client(world.verifier).post(f"/api/v1/verification-requests/{request_id}/accept",
                                               {"scheduled_for": str(days(2))}, content_type="application/json")
    assert accepted.json()["status"] == "accepted"
    assert owner.get(f"/api/v1/verification-requests/{request_id}").json()["scheduled_for"] == str(days(2))


def test_the_mpe_table_is_edited_by_the_city_regulator_only_and_audited(world, api_client):
    rule = world.rule("MPE019")  # the blank JJG 1149-2022 row
    assert api_client(world.verifier).patch(f"/api/v1/mpe-rules/{rule.pk}", {"lower": "-1", "upper": "1"},
                                            content_type="application/json").status_code == 403
    response = api_client(world.city).patch(f"/api/v1/mpe-rules/{rule.pk}",
                                            {"lower": "-1.0", "upper": "1.0", "active": True},
                                            content_type="application/json")
    assert response.status_code == 200 and response.json()["active"]
    assert AuditEvent.objects.filter(action="mpe_rule.update", object_id=str(rule.pk)).exists()
    bad = api_client(world.city).patch(f"/api/v1/mpe-rules/{rule.pk}", {"lower": "2"}, content_type="application/json")
    assert bad.status_code == 422


# ---------------------------------------------------------------------------------------------
# Pages

def test_pages_for_each_role(world, browser_client, make_user):
    certificate = world.record()
    request = _request(world, [world.make_instrument()])
    calibration = services.record_standard_calibration(
        world.city, standard=world.standard, calibrating_institution=world.province,
        reference_standard=world.provincial_standard, certificate_no="OOT-1", calibrated_on=days(-1),
        valid_until=days(300), result="out_of_tolerance")
    pages = ["/verification/institutions/", f"/verification/institutions/{world.institution.pk}/",
             "/verification/standards/", f"/verification/standards/{world.standard.pk}/",
             "/verification/mpe-rules/", "/verification/requests/", f"/verification/requests/{request.pk}/",
             "/verification/certificates/", f"/verification/certificates/{certificate.pk}/",
             f"/verification/records/{certificate.verification_id}/",
             f"/verification/instruments/{world.instrument.pk}/chain/",
             f"/verification/standard-calibrations/{calibration.pk}/suspect/",
             f"/registry/instruments/{world.instrument.pk}/"]
    for user in (world.verifier, world.city, world.owner):
        client = browser_client(user)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, (user.role, page, response.status_code)
    staff = browser_client(world.verifier)
    assert certificate.number in staff.get(f"/registry/instruments/{world.instrument.pk}/").content.decode()
    export = staff.get(f"/verification/standard-calibrations/{calibration.pk}/suspect/?export=csv")
    assert certificate.number in b"".join(export.streaming_content).decode("utf-8-sig")
    assert staff.get("/verification/records/new/").status_code == 200
    assert browser_client(world.owner).get("/verification/records/new/").status_code == 403


def test_recording_through_the_page(world, browser_client):
    client = browser_client(world.verifier)
    response = client.post("/verification/records/new/", {
        "instrument_code": world.instrument.public_code, "kind": "periodic", "performed_on": str(days(-1)),
        "verifier": world.verifier.pk, "checker": world.checker.pk, "standards": [world.standard.pk],
        "decision_rule": "simple_acceptance",
        **point_rows(("MPE001", "20.000", "20.020", "0.05", "2"), ("MPE001", "100", "99.9", "0.05", "")),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    certificate = Certificate.objects.get()
    assert response["Location"] == f"/verification/certificates/{certificate.pk}/"
    refused = client.post("/verification/records/new/", {
        "instrument_code": world.instrument.public_code, "kind": "periodic", "performed_on": str(days(-1)),
        "verifier": world.verifier.pk, "checker": world.verifier.pk, "standards": [world.standard.pk],
        "decision_rule": "simple_acceptance", **point_rows(("MPE001", "20.000", "20.020", "0.05", "")),
    })
    assert refused.status_code == 200 and "同一人" in refused.content.decode()


def test_the_public_card_shows_the_current_validity(world, client):
    assert "尚未记录检定信息" in client.get(f"/i/{world.instrument.public_code}").content.decode()
    certificate = world.record()
    page = client.get(f"/i/{world.instrument.public_code}").content.decode()
    assert certificate.number in page and f"{certificate.valid_until:%Y-%m-%d}" in page
    assert world.owner_org.name not in page


def test_an_owner_requests_through_the_page(world, browser_client):
    client = browser_client(world.owner)
    response = client.post("/verification/requests/new/", {
        "institution": world.institution.pk, "instrument_codes": world.instrument.public_code})
    assert response.status_code == 302
    assert VerificationRequest.objects.get().instruments.get() == world.instrument


def test_the_rejected_status_and_the_reject_button_translate_apart():
    from django.utils import translation
    from django.utils.translation import pgettext

    from jiliang.verification.models import RequestStatus

    with translation.override("en"):
        assert (str(RequestStatus.REJECTED.label), pgettext("button", "不予受理")) == ("Rejected", "Reject")
