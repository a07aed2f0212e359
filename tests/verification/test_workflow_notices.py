"""Issue 12, notifications that reach people: the owner is told when its request is accepted or
refused, a certificate is issued or an instrument fails, in its inbox (with the unread count in the
header) and by e-mail through a real SMTP conversation with a local sink."""

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from jiliang.accounts.models import Role
from jiliang.notifications.models import Notification
from jiliang.verification import notices, services

from .conftest import days, point


def _request(world):
    return services.submit_request(world.owner, owner=world.owner_org, institution=world.institution,
                                   instruments=[world.instrument], preferred_date=days(3))


def _inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def test_the_owner_is_told_of_acceptance_and_the_certificate_with_links(world, make_user, browser_client):
    colleague = make_user(Role.OWNER, organization=world.owner_org)
    request = _request(world)
    services.accept_request(world.verifier, request, scheduled_for=days(2), response="请备好加油机")
    certificate = world.record(request=request)
    for person in (world.owner, colleague):
        told = _inbox(person)
        assert [n.topic for n in told] == [notices.REQUEST_ACCEPTED, notices.CERTIFICATE_ISSUED]
        assert told[0].url == f"/verification/requests/{request.pk}/" and "请备好加油机" in told[0].body
        assert told[1].url == f"/verification/certificates/{certificate.pk}/"
        assert certificate.number in told[1].title and "有效期至" in told[1].body
    assert not _inbox(world.verifier) and not _inbox(world.city)
    page = browser_client(world.owner).get("/").content.decode()
    assert 'data-testid="unread-count">2<' in page


def test_the_owner_is_told_of_a_refusal_and_a_failure(world, make_organization, make_user):
    other = make_user(Role.OWNER, organization=make_organization("511902"))
    request = _request(world)
    services.reject_request(world.verifier, request, response="超出本所授权范围")
    failed = world.record(points=(point(world.rule(), "20.000", "21.000"),))
    assert failed.kind == "failure_notice"
    told = _inbox(world.owner)
    assert [n.topic for n in told] == [notices.REQUEST_REJECTED, notices.FAILED]
    assert "超出本所授权范围" in told[0].body
    assert "不合格" in told[1].title and "停止使用" in told[1].body and told[1].url.endswith(f"/{failed.pk}/")
    assert not _inbox(other)


def test_a_refused_write_tells_nobody(world):
    request = _request(world)
    with pytest.raises(Exception):
        services.accept_request(world.owner, request, scheduled_for=days(2))
    assert not Notification.objects.exists()


# ---------------------------------------------------------------------------------------------
# E-mail through a real SMTP server on 127.0.0.1

class _Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_sink(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    controller.stop()


def test_the_certificate_e_mail_arrives_in_chinese_with_its_link(world, settings, smtp_sink,
                                                                 django_capture_on_commit_callbacks):
    settings.JILIANG_NOTIFIERS = ["jiliang.notifications.notifiers.InAppNotifier",
                                  "jiliang.notifications.notifiers.EmailNotifier"]
    settings.JILIANG_SITE_URL = "https://jiliang.example.cn/"
    world.owner.email = "owner@example.com"
    world.owner.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        certificate = world.record()
    assert smtp_sink.messages == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    [(recipients, message)] = smtp_sink.messages
    assert recipients == ["owner@example.com"]
    assert message["Subject"] == f"证书 {certificate.number} 已签发"
    body = message.get_content()
    assert f"检定您的{world.dispenser.name_zh}" in body and certificate.instrument.public_code in body
    assert f"https://jiliang.example.cn/verification/certificates/{certificate.pk}/" in body


def test_opening_a_notice_marks_it_read_and_leads_to_its_page(world, browser_client, make_user):
    certificate = world.record()
    notice = Notification.objects.get(recipient=world.owner)
    client = browser_client(world.owner)
    inbox = client.get("/notifications/").content.decode()
    assert f'href="/notifications/{notice.pk}/"' in inbox and 'data-testid="unread-count">1<' in inbox
    assert browser_client(make_user(Role.OWNER, organization=world.owner_org)).get(
        f"/notifications/{notice.pk}/").status_code == 404  # a colleague's copy is theirs, this one is not
    response = client.get(f"/notifications/{notice.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/verification/certificates/{certificate.pk}/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert 'data-testid="unread-count"' not in client.get(response["Location"]).content.decode()


def test_the_inbox_through_the_api(world, api_client, browser_client, make_user):
    """Read with a token; marked read from the signed-in session (a personal act, like managing tokens)."""
    request = _request(world)
    services.accept_request(world.verifier, request, scheduled_for=days(2))
    world.record(request=request)
    client, session = api_client(world.owner), browser_client(world.owner)
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    page = client.get("/api/v1/notifications?limit=1").json()
    assert page["has_more"] and page["items"][0]["topic"] == notices.CERTIFICATE_ISSUED
    newest = page["items"][0]["id"]
    colleague = browser_client(make_user(Role.OWNER, organization=world.owner_org))
    assert colleague.post(f"/api/v1/notifications/{newest}/read").status_code == 404
    assert session.post(f"/api/v1/notifications/{newest}/read").json() == {"marked": 1}
    assert [n["topic"] for n in client.get("/api/v1/notifications?unread=true").json()["items"]] == [
        notices.REQUEST_ACCEPTED]
    assert session.post("/api/v1/notifications/read").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 0}
    assert api_client(None).get("/api/v1/notifications").status_code == 401
