"""`jiliang createuser` runs without a terminal, never takes the password on the command line, and
makes the installation's first administrator."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from jiliang.accounts.models import AuditEvent, User

PASSWORD = "Bazhong-Admin-2026"


def createuser(*args):
    call_command("createuser", *args, stdout=io.StringIO())


@pytest.mark.django_db
def test_the_first_administrator_from_standard_input_signs_in_to_the_back_office(monkeypatch, settings):
    settings.JILIANG_TWO_FACTOR_REQUIRED = False
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    createuser("city-admin", "--role", "city_regulator", "--division", "511900", "--administrator", "--password-stdin")
    user = User.objects.get(username="city-admin")
    assert user.is_staff and user.is_superuser and user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()
    client = Client()
    client.post("/login/", {"username": "city-admin", "password": PASSWORD})
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_password_file(tmp_path):
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    createuser("officer", "--role", "county_regulator", "--division", "511902", "--password-file", str(secret))
    user = User.objects.get(username="officer")
    assert user.check_password(PASSWORD) and not user.is_staff


@pytest.mark.django_db
def test_no_terminal_and_no_input_is_a_clear_error_not_an_eof_traceback(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="No password given"):
        createuser("officer", "--role", "county_regulator", "--division", "511902")
    assert not User.objects.filter(username="officer").exists()


@pytest.mark.django_db
def test_a_weak_password_is_refused_with_the_reason(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("12345\n"))
    with pytest.raises(CommandError, match="password"):
        createuser("officer", "--role", "county_regulator", "--division", "511902", "--password-stdin")


def test_the_password_cannot_be_given_on_the_command_line():
    with pytest.raises(CommandError):
        createuser("officer", "--role", "auditor", "--division", "511900", "--password", PASSWORD)
