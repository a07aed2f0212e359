"""Schemathesis over /api/openapi.json: generated requests, valid and not, never get a 5xx.

Bounded (JILIANG_FUZZ_EXAMPLES per operation, default 25) so that it runs inside `make test`.
The caller is a city regulator with a token, so the generated requests reach the handlers.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from jiliang.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
EXAMPLES = int(os.environ.get("JILIANG_FUZZ_EXAMPLES", "25"))


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


@pytest.fixture
def city_token(city_regulator, make_organization):
    from jiliang.accounts import services
    from jiliang.accounts.token_scopes import ALL_SCOPES

    make_organization("511902")
    _token, raw = services.issue_api_token(city_regulator, "fuzz", scopes=list(ALL_SCOPES))
    return raw


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_generated_request_gets_a_server_error(case, city_token, connections_kept_open):
    case.call_and_validate(headers={"Authorization": f"Bearer {city_token}"}, checks=[not_a_server_error])
