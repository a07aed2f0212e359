"""Schemathesis over /api/openapi.json: generated requests, valid and not, never get a 5xx.

Bounded (JILIANG_FUZZ_EXAMPLES per operation, default 25; deterministic) so that it runs inside
`make test`. ``test_no_generated_request_gets_a_server_error`` calls as a city regulator with a
token, so the generated requests reach the handlers. The ``audit`` test (``make audit``, a larger
budget) calls as a city regulator and as an owner and also fails on a status code the OpenAPI does
not declare and on an invalid body the API accepts (docs/development.md); when it runs (JILIANG_AUDIT
set, as in CI's `make test`), the server-error-only test is skipped: the contract test checks the
same as the same city regulator.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, not_a_server_error, status_code_conformance

from jiliang.accounts.models import Role
from jiliang.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
EXAMPLES = int(os.environ.get("JILIANG_FUZZ_EXAMPLES", "25"))
BUDGET = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.fixture
def connections_kept_open():
    """Calling the WSGI application directly fires request_started/finished, whose handler closes
    the database connection that holds the test's transaction; Django's own test client
    disconnects it for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _token(user) -> str:
    from jiliang.accounts import services
    from jiliang.accounts.token_scopes import ALL_SCOPES

    return services.issue_api_token(user, "fuzz", scopes=list(ALL_SCOPES))[1]


@pytest.fixture
def city_token(city_regulator, make_organization):
    make_organization("511902")
    return _token(city_regulator)


@pytest.fixture(params=["city", "owner"])
def audit_token(request, city_regulator, make_user, make_organization):
    """A city regulator's token (reaches every handler) or an owner's (the scope refusals)."""
    organization = make_organization("511902")
    if request.param == "city":
        return _token(city_regulator)
    return _token(make_user(Role.OWNER, organization=organization))


@pytest.mark.skipif(bool(os.environ.get("JILIANG_AUDIT")),
                    reason="the contract fuzzing below checks the same as a city regulator, with more checks")
@pytest.mark.django_db
@schema.parametrize()
@BUDGET
def test_no_generated_request_gets_a_server_error(case, city_token, connections_kept_open):
    case.call_and_validate(headers={"Authorization": f"Bearer {city_token}"}, checks=[not_a_server_error])


def filter_query(context, query) -> bool:
    """Drop generated queries with an object for a value. A query string cannot carry one: it goes
    out as its Python text ("{'': ''}"), a valid string, and the API's right answer to that string
    would count as accepting invalid data."""
    def is_object(value) -> bool:
        return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value))
    return not any(is_object(value) for value in (query or {}).values())


@pytest.mark.audit
@pytest.mark.skipif(not os.environ.get("JILIANG_AUDIT"), reason="`make audit` runs the contract fuzzing (its own budget)")
@pytest.mark.django_db
@schema.hooks.apply(filter_query)
@schema.parametrize()
@BUDGET
def test_the_api_keeps_its_contract(case, audit_token, connections_kept_open):
    case.call_and_validate(headers={"Authorization": f"Bearer {audit_token}"},
                           checks=[not_a_server_error, status_code_conformance, negative_data_rejection])
