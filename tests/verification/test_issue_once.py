"""One certificate per instrument of a request and per instrument and day (issue 13, finding 4:
eight parallel issues for one accepted request made four certificates; same-day certificates for
one instrument were accepted one after another)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from jiliang.errors import Conflict
from jiliang.verification import services
from jiliang.verification.models import Certificate, RequestStatus

from .conftest import days
from .test_requests_api_pages import _payload

pytestmark = pytest.mark.audit  # the security regression suite: `make audit`


def _accepted_request(world):
    request = services.submit_request(world.owner, owner=world.owner_org, institution=world.institution,
                                      instruments=[world.instrument, world.make_instrument()])
    return services.accept_request(world.verifier, request, scheduled_for=days(1))


def test_a_second_certificate_of_the_same_day_is_refused_unless_it_corrects(world):
    first = world.record()
    with pytest.raises(Conflict) as refused:
        world.record()
    assert first.number in refused.value.message and "performed_on" in refused.value.fields
    corrected = services.supersede(world.verifier, first, world.data(remarks="更正"), "笔误")
    assert corrected.supersedes == first
    assert Certificate.objects.filter(instrument=world.instrument).count() == 2


def test_a_second_issue_under_one_request_is_a_409_naming_the_certificate(world, api_client):
    request = _accepted_request(world)
    client = api_client(world.verifier)
    first = client.post("/api/v1/verifications", _payload(world, request_id=request.pk), content_type="application/json")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/verifications", _payload(world, request_id=request.pk, performed_on=str(days(-9))),
                        content_type="application/json")
    assert again.status_code == 409
    assert first.json()["number"] in again.json()["message"] and "request" in again.json()["fields"]
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED  # the other instrument is still to verify


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_eight_parallel_issues_over_http_make_one_certificate(world, live_api):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL's concurrent transactions")
    request = _accepted_request(world)
    payload = _payload(world, request_id=request.pk)
    live_api(world.verifier, "GET", "/api/v1/certificates")  # the token exists before the race

    def issue(_n):
        return live_api(world.verifier, "POST", "/api/v1/verifications", payload)[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(issue, range(8)))
    assert statuses == [201] + [409] * 7
    assert Certificate.objects.filter(instrument=world.instrument).count() == 1
