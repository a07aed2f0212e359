"""Log lines carry ISO time with offset and the request id; the client's address is believed only
from trusted proxies."""

import io
import logging
import re

import pytest
from django.test import Client, override_settings
from django.urls import path
from hypothesis import given
from hypothesis import strategies as st

from jiliang.accounts.models import AuditEvent
from jiliang.logs import IsoFormatter, JsonFormatter, RequestIdFilter
from jiliang.proxies import client_address, parse_networks


def broken_view(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken_view)]
handler500 = "jiliang.ui.views.server_error"


@pytest.fixture
def console():
    """What the configured console handler (settings.LOGGING) writes during the test."""
    [handler] = [h for h in logging.getLogger().handlers
                 if any(isinstance(f, RequestIdFilter) for f in h.filters)]
    output = io.StringIO()
    previous = handler.setStream(output)
    yield output
    handler.setStream(previous)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_the_500_page_shows_the_request_id_that_the_error_log_line_carries(console):
    response = Client(raise_request_exception=False).get("/broken/")
    request_id = response["X-Request-ID"]
    assert response.status_code == 500 and request_id in response.content.decode()
    assert f"ERROR django.request [{request_id}] Internal Server Error: /broken/" in console.getvalue()


def test_a_line_has_iso_time_with_offset_and_request_id():
    record = logging.LogRecord("jiliang.test", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    RequestIdFilter().filter(record)
    line = IsoFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s").format(record)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00 INFO jiliang\.test \[-\] hello world", line)
    assert '"time": "' in JsonFormatter().format(record) and '"+08:00' not in JsonFormatter().format(record)


@pytest.mark.django_db
def test_a_disallowed_host_is_one_line_without_traceback(console):
    response = Client().get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    err = console.getvalue()
    lines = [line for line in err.splitlines() if "DisallowedHost" in line or "Traceback" in line]
    assert len(lines) == 1 and "evil.example" in lines[0]
    assert "Traceback" not in err


@pytest.mark.django_db
def test_the_access_log_has_a_line_per_request(caplog):
    caplog.set_level(logging.INFO, logger="jiliang.access")
    response = Client().get("/login/?next=/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    [record] = [r for r in caplog.records if r.name == "jiliang.access"]
    assert record.getMessage().startswith('203.0.113.9 "GET /login/?next=/" ')
    assert f" {response.status_code} " in record.getMessage()


@pytest.mark.django_db
def test_the_audit_log_records_the_client_behind_a_trusted_proxy(city_regulator):
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9")
    client.post("/login/", {"username": city_regulator.username, "password": "wrong"})
    event = AuditEvent.objects.filter(action__startswith="login").latest("pk")
    assert event.ip_address == "203.0.113.9"


@pytest.mark.django_db
def test_an_untrusted_peer_cannot_forge_its_address(city_regulator):
    client = Client(REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="203.0.113.9")
    client.post("/login/", {"username": city_regulator.username, "password": "wrong"})
    assert AuditEvent.objects.filter(action__startswith="login").latest("pk").ip_address == "192.0.2.50"


TRUSTED = parse_networks(["127.0.0.1", "10.0.0.0/8"])
public = st.ip_addresses(v=4).map(str).filter(lambda a: not a.startswith(("10.", "127.0.0.1")))
proxies = st.lists(st.ip_addresses(network="10.0.0.0/8").map(str), max_size=4)


@given(public, st.lists(public, max_size=3), proxies)
def test_the_client_is_the_first_untrusted_hop_from_the_right(client, forged, chain):
    # The client may write anything in front; each trusted proxy appends the address it saw.
    hops = [*forged, client, *chain[:-1]] if chain else [*forged, client]
    remote = chain[-1] if chain else "127.0.0.1"
    assert client_address(remote, ", ".join(hops), TRUSTED) == client


@given(public, st.text(max_size=40))
def test_an_untrusted_peer_is_the_client_whatever_it_forwards(peer, header):
    assert client_address(peer, header, TRUSTED) == peer
