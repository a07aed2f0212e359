"""Sign-in security: throttling, password policy, session timeout, audit of sign-in events."""

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from jiliang.accounts.middleware import SESSION_RENEWAL_SECONDS, SESSION_RENEWED_KEY
from jiliang.accounts.models import AuditEvent, Role


def attempt(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_five_failures_lock_the_account(make_user, password):
    user = make_user(Role.COUNTY_REGULATOR, division="511902")
    client = Client()
    for _ in range(4):
        assert attempt(client, user.username, "wrong-Passw0rd").status_code == 200
    assert attempt(client, user.username, "wrong-Passw0rd").status_code == 429  # the fifth locks
    locked = attempt(Client(), user.username, password)  # then even the right password, from anywhere
    assert locked.status_code == 429
    assert "已被暂时锁定" in locked.content.decode()
    assert AuditEvent.objects.filter(action="login.locked_out", actor_name=user.username).exists()
    assert AuditEvent.objects.filter(action="login.failure", actor_name=user.username).count() >= 5


def test_four_failures_then_success_resets(make_user, password):
    user = make_user(Role.COUNTY_REGULATOR, division="511902")
    client = Client()
    for _ in range(4):
        attempt(client, user.username, "wrong-Passw0rd")
    assert attempt(client, user.username, password).status_code == 302
    assert AuditEvent.objects.filter(action="login.success", actor=user).exists()


@pytest.mark.parametrize("password", ["short1A!", "alllowercaseletters", "12345678901234", "Password123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_strong_password_passes():
    validate_password("Bazhong-Metrology-77")


def test_session_ends_after_idle_time_and_is_renewed_by_use(make_user, browser_client, settings):
    client = browser_client(make_user(Role.CITY_REGULATOR, division="511900"))
    session = Session.objects.get(session_key=client.session.session_key)
    assert client.get("/").status_code == 200
    renewed = Session.objects.get(pk=session.pk).expire_date
    assert renewed >= session.expire_date  # every request pushes the idle deadline on
    assert abs((renewed - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 60
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_session_is_renewed_at_most_once_a_minute(make_user, browser_client):
    client = browser_client(make_user(Role.CITY_REGULATOR, division="511900"))
    assert client.get("/").status_code == 200
    key = client.session.session_key
    renewed = Session.objects.get(session_key=key).expire_date
    Session.objects.filter(session_key=key).update(expire_date=renewed - timedelta(seconds=30))
    assert client.get("/").status_code == 200  # within the minute: the row is not written again
    assert Session.objects.get(session_key=key).expire_date == renewed - timedelta(seconds=30)
    session = client.session
    session[SESSION_RENEWED_KEY] = int(time.time()) - SESSION_RENEWAL_SECONDS  # a minute later
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=renewed - timedelta(seconds=30))
    assert client.get("/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date > renewed - timedelta(seconds=30)


def test_login_form_without_csrf_token_is_refused(make_user, password):
    user = make_user(Role.CITY_REGULATOR, division="511900")
    client = Client(enforce_csrf_checks=True)
    assert attempt(client, user.username, password).status_code == 403
