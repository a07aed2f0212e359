"""Finding 5: lock-out by username and by address, and a lock that attempts cannot prolong."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.test import Client

from jiliang.accounts.models import AuditEvent, Role

WRONG = "wrong-Passw0rd"


def attempt(username: str, password: str, address: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def age_attempts(minutes: int) -> None:
    """Move every recorded failure back in time, as if that many minutes had passed."""
    for row in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=row.pk).update(attempt_time=row.attempt_time - timedelta(minutes=minutes))


def test_attempts_during_a_lock_do_not_extend_it(make_user, password, settings):
    user = make_user(Role.COUNTY_REGULATOR, division="511902")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(user.username, WRONG)
    age_attempts(29)
    assert attempt(user.username, WRONG).status_code == 429  # still locked, and this must not restart the clock
    age_attempts(2)  # 31 minutes after the failure that locked the account
    assert attempt(user.username, password).status_code == 302


def test_one_address_trying_many_usernames_is_throttled(make_user, password, settings):
    user = make_user(Role.COUNTY_REGULATOR, division="511902")
    for number in range(settings.JILIANG_LOGIN_ADDRESS_FAILURE_LIMIT):
        attempt(f"guess-{number}", WRONG, address="10.9.9.9")
    assert attempt(user.username, password, address="10.9.9.9").status_code == 429
    assert attempt(user.username, password, address="10.9.9.10").status_code == 302  # the account itself is not locked


def test_failures_under_both_limits_do_not_lock(make_user, password, settings):
    user = make_user(Role.COUNTY_REGULATOR, division="511902")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(user.username, WRONG)
    assert attempt(user.username, password).status_code == 302


def test_a_county_officer_sees_the_sign_in_failures_of_the_county_staff(make_user, bazhou_regulator, tongjiang_regulator, api_client, settings):
    staff = make_user(Role.COUNTY_REGULATOR, division="511902")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(staff.username, WRONG)
    seen = api_client(bazhou_regulator).get("/api/v1/audit-events", {"action": "login."}).json()["items"]
    assert {"login.failure", "login.locked_out"} <= {e["action"] for e in seen if e["object_repr"] == staff.username}
    elsewhere = api_client(tongjiang_regulator).get("/api/v1/audit-events", {"action": "login."}).json()["items"]
    assert [e for e in elsewhere if e["object_repr"] == staff.username] == []


def test_a_lock_out_revokes_the_users_tokens(make_user, api_client, settings):
    user = make_user(Role.COUNTY_REGULATOR, division="511902")
    client = api_client(user)
    assert client.get("/api/v1/me").status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(user.username, WRONG)
    assert client.get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke_all", object_id=str(user.pk)).exists()


def test_lifting_a_lock_out_in_the_admin_is_audited(make_user, client, django_user_model, settings):
    user = make_user(Role.COUNTY_REGULATOR, division="511902")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(user.username, WRONG)
    [row] = AccessAttempt.objects.filter(username=user.username)
    client.force_login(django_user_model.objects.create_superuser("root", password="Root-Passw0rd!"))
    assert client.post(f"/admin/axes/accessattempt/{row.pk}/delete/", {"post": "yes"}).status_code == 302
    event = AuditEvent.objects.get(action="login.unlock")
    assert event.before["username"] == user.username and event.division.code == "511902"


def test_signing_in_does_not_clear_the_failures_of_the_address(make_user, password, settings):
    guesser = make_user(Role.COUNTY_REGULATOR, division="511903")
    for number in range(settings.JILIANG_LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        attempt(f"guess-{number}", WRONG, address="10.7.7.7")
    assert attempt(guesser.username, password, address="10.7.7.7").status_code == 302
    attempt("guess-last", WRONG, address="10.7.7.7")
    assert attempt(guesser.username, password, address="10.7.7.7").status_code == 429


def test_the_unlock_command_lifts_the_lock_and_is_audited(make_user, password, settings):
    from django.core.management import call_command

    user = make_user(Role.COUNTY_REGULATOR, division="511902")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(user.username, WRONG)
    call_command("unlock", user.username)
    assert attempt(user.username, password).status_code == 302
    event = AuditEvent.objects.get(action="login.unlock")
    assert event.actor_name.startswith("cli:") and event.division.code == "511902" and event.after == {"cleared_attempts": 1}
