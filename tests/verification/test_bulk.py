"""Issue 12, bulk actions: an owner requests verification of the instruments ticked on its overdue,
due-soon or instrument list; an institution accepts several requests at once (all or none, every
refused row named); anyone prints a sheet of the ticked instruments' QR labels."""

import re

import pytest

from jiliang.accounts.models import AuditEvent
from jiliang.errors import InvalidInput
from jiliang.notifications.models import Notification
from jiliang.verification import services
from jiliang.verification.models import RequestStatus, VerificationRequest

from .conftest import days
from .due_testkit import with_state


def _checkboxes(html: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="ids" value="(\d+)"', html)


def _request(world, instruments):
    return services.submit_request(world.owner, owner=world.owner_org, institution=world.institution,
                                   instruments=instruments, preferred_date=days(3))


def test_an_owner_requests_verification_of_the_ticked_overdue_instruments(world, browser_client):
    overdue = [with_state(world, days(-5)), with_state(world, days(-1))]
    client = browser_client(world.owner)
    page = client.get("/verification/overdue/").content.decode()
    assert sorted(_checkboxes(page)) == sorted(str(i.pk) for i in overdue)
    assert 'data-testid="bulk-request"' in page and 'data-testid="bulk-labels"' in page
    # the ticked rows land on a page that lists them and asks for the institution and date
    form = client.post("/verification/requests/new/selected/", {"ids": [i.pk for i in overdue]}).content.decode()
    assert all(f'name="ids" value="{i.pk}"' in form and i.public_code in form for i in overdue)
    assert 'role="alert"' not in form
    response = client.post("/verification/requests/new/selected/", {
        "ids": [i.pk for i in overdue], "institution": world.institution.pk, "preferred_date": days(2)})
    assert response.status_code == 302
    request = VerificationRequest.objects.get()
    assert set(request.instruments.all()) == set(overdue)
    assert AuditEvent.objects.filter(action="verification_request.submit", object_id=str(request.pk)).exists()


def test_a_bulk_request_names_every_instrument_it_cannot_take_and_stores_nothing(world, browser_client,
                                                                                  make_organization):
    overdue = with_state(world, days(-5))
    pending = world.make_instrument()
    _request(world, [pending])
    unauthorised = world.make_instrument(type_code="MI12")
    foreign = world.make_instrument(make_organization("511902"))
    client = browser_client(world.owner)
    ticked = [overdue.pk, unauthorised.pk, foreign.pk]
    page = client.post("/verification/requests/new/selected/", {
        "ids": ticked, "institution": world.institution.pk}).content.decode()
    assert VerificationRequest.objects.count() == 1
    assert "1 条所选记录不存在或不在您的权限范围内" in page and foreign.public_code not in page
    page = client.post("/verification/requests/new/selected/", {
        "ids": [overdue.pk, unauthorised.pk], "institution": world.institution.pk}).content.decode()
    assert page.count('<tr class="has-error">') == 1 and 'class="field has-error"' in page  # the row, the institution
    assert "该机构没有此器具的有效计量授权" in page and VerificationRequest.objects.count() == 1
    page = client.post("/verification/requests/new/selected/", {
        "ids": [overdue.pk, pending.pk], "institution": world.institution.pk}).content.decode()
    assert "已有未办结的报检申请" in page and page.count('<tr class="has-error">') == 1
    assert VerificationRequest.objects.count() == 1
    with pytest.raises(InvalidInput) as caught:
        _request(world, [overdue, unauthorised])
    assert set(caught.value.fields) == {"institution", f"instruments.{unauthorised.public_code}"}


def test_only_owners_are_offered_the_bulk_request(world, browser_client):
    with_state(world, days(-5))
    for user in (world.verifier, world.city):
        page = browser_client(user).get("/verification/overdue/").content.decode()
        assert 'data-testid="bulk-request"' not in page and 'data-testid="bulk-labels"' in page, user.role
    page = browser_client(world.owner).get("/registry/instruments/").content.decode()
    assert 'data-testid="bulk-request"' in page and _checkboxes(page)


def test_an_institution_accepts_several_requests_at_once(world, browser_client):
    requests = [_request(world, [world.make_instrument()]) for _ in range(3)]
    client = browser_client(world.verifier)
    listing = client.get("/verification/requests/").content.decode()
    assert 'data-testid="bulk-accept"' in listing and len(_checkboxes(listing)) == 3
    ids = [r.pk for r in requests[:2]]
    page = client.post("/verification/requests/accept/", {"ids": ids}).content.decode()
    assert all(f'name="ids" value="{pk}"' in page for pk in ids)
    response = client.post("/verification/requests/accept/", {"ids": ids, "scheduled_for": days(4),
                                                               "response": "请按时送检"})
    assert response.status_code == 302
    statuses = dict(VerificationRequest.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in requests] == [RequestStatus.ACCEPTED, RequestStatus.ACCEPTED, RequestStatus.SUBMITTED]
    assert AuditEvent.objects.filter(action="verification_request.accept").count() == 2
    assert Notification.objects.filter(recipient=world.owner, topic="verification.request_accepted").count() == 2
    assert 'data-testid="bulk-accept"' not in browser_client(world.owner).get("/verification/requests/").content.decode()
    assert browser_client(world.owner).post("/verification/requests/accept/", {"ids": ids}).status_code == 403


def test_a_bulk_acceptance_is_all_or_none_and_names_each_refused_request(world, browser_client):
    good = _request(world, [world.make_instrument()])
    done = _request(world, [world.make_instrument()])
    services.reject_request(world.verifier, done, response="不在授权范围")
    with pytest.raises(InvalidInput) as caught:
        services.accept_requests(world.verifier, [good, done], scheduled_for=days(2))
    assert set(caught.value.fields) == {f"requests.{done.pk}"}
    good.refresh_from_db()
    assert good.status == RequestStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action="verification_request.accept").exists()
    assert not Notification.objects.filter(topic="verification.request_accepted").exists()
    page = browser_client(world.verifier).post("/verification/requests/accept/", {
        "ids": [good.pk, done.pk], "scheduled_for": days(2)}).content.decode()
    assert "全部未受理" in page and "不予受理" in page and 'class="has-error"' in page


def test_bulk_acceptance_through_the_api(world, api_client):
    requests = [_request(world, [world.make_instrument()]) for _ in range(2)]
    client = api_client(world.verifier)
    response = client.post("/api/v1/verification-requests/bulk-accept",
                           {"request_ids": [r.pk for r in requests], "scheduled_for": str(days(3))},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    assert [item["status"] for item in response.json()] == ["accepted", "accepted"]
    again = client.post("/api/v1/verification-requests/bulk-accept",
                        {"request_ids": [requests[0].pk], "scheduled_for": str(days(3))},
                        content_type="application/json")
    assert again.status_code == 422 and f"requests.{requests[0].pk}" in again.json()["fields"]
    unknown = client.post("/api/v1/verification-requests/bulk-accept",
                          {"request_ids": [999999], "scheduled_for": str(days(3))}, content_type="application/json")
    assert unknown.status_code == 422 and "request_ids" in unknown.json()["fields"]
    owner = api_client(world.owner).post("/api/v1/verification-requests/bulk-accept",
                                         {"request_ids": [requests[0].pk], "scheduled_for": str(days(3))},
                                         content_type="application/json")
    assert owner.status_code == 422 and "无权" in str(owner.json()["fields"])


def test_a_sheet_of_labels_for_the_ticked_instruments(world, browser_client, make_organization):
    mine = [world.make_instrument() for _ in range(3)]
    foreign = world.make_instrument(make_organization("511902"))
    client = browser_client(world.owner)
    page = client.post("/registry/instruments/labels/", {"ids": [i.pk for i in mine] + [foreign.pk]}).content.decode()
    assert page.count('data-testid="label"') == 3
    assert all(f"/i/{i.public_code}/qr.svg" in page for i in mine) and foreign.public_code not in page
    assert "<script>" not in page and "style=" not in page
    assert browser_client(world.owner).post("/registry/instruments/labels/", {"ids": ["x"]}).status_code == 200
