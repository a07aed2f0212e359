"""`jiliang demo --no-serve`, the data set a new user first sees, on the suite's database (SQLite
or PostgreSQL): it loads, prints the logins, its transparency log is published and consistent and
holds every certificate, and its last 24 hours of device data tell one story: the devices belong to
registered businesses and their instruments, the demo owner has some, their credentials are issued,
some are online, and the alerts they raised are in the regulators' inbox."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiliang.accounts.models import Role, User
from jiliang.credit.models import CreditGrade
from jiliang.ledger import selectors
from jiliang.ledger.merkle import hash_leaf, verify_inclusion
from jiliang.ledger.models import LogEntry
from jiliang.monitoring.models import Alert, Device, DeviceKind
from jiliang.registry.demo import OWNER_DEMO_ORGANIZATION
from jiliang.registry.models import Instrument
from jiliang.registry.models import InstrumentType
from jiliang.verification.models import (
    Certificate, CertificateKind, CertificateStatus, MpeRule, TestPoint, VerificationState,
)
from jiliang.verification import public_check
from jiliang.verification.public_views import check_url
from jiliang.portal.models import TaskReport, TaskStatus
from jiliang.verification.services import LEDGER_KIND


@pytest.mark.django_db
def test_the_demo_loads_prints_its_logins_and_publishes_its_log():
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    printed = out.getvalue()
    assert "Demo logins for http://127.0.0.1:8000/" in printed and "city" in printed
    # Two city officers print, so a trust anchor one proposes the other can approve.
    assert {"city", "city2"} <= set(User.objects.filter(role=Role.CITY_REGULATOR).values_list("username", flat=True))
    assert "city2" in printed
    # The plan tracker is filled: every colour shows on the board.
    assert set(TaskReport.objects.values_list("status", flat=True)) == set(TaskStatus.values)
    # The demo department's reporter prints, with one report accepted and one waiting for review.
    assert "dept" in printed and User.objects.get(username="dept").department == "市科技局"
    assert sorted(TaskReport.objects.filter(reported_by__username="dept").values_list("review", flat=True)) == [
        "accepted", "pending"]
    assert Instrument.objects.count() > 10_000

    published = selectors.published_checkpoint()
    assert published is not None and published.checkpoint.size == selectors.tree_size() > 0
    assert Client().get("/log/checkpoint").status_code == 200
    index = published.checkpoint.size - 1
    size, proof = selectors.inclusion_proof(index)
    verify_inclusion(index, size, hash_leaf(selectors.entry_at(index)), proof, published.checkpoint.root_hash)
    logged = set(LogEntry.objects.filter(kind=LEDGER_KIND).values_list("record_id", flat=True))
    certificates = {str(pk) for pk in Certificate.objects.values_list("pk", flat=True)}
    assert len(certificates) > 50_000 and logged == certificates
    _every_type_has_a_certificate_with_a_cited_or_marked_rule_and_a_card_linking_to_its_check()
    _the_public_check_shows_every_state()

    alert = Alert.objects.order_by("id").first()
    assert alert is not None and Device.objects.filter(kind="meter").exists()
    city = Client()
    city.force_login(User.objects.get(username="city"))
    inbox = city.get(reverse("monitoring:alert-list"))
    assert inbox.status_code == 200 and alert.rule_code in inbox.content.decode()

    devices = Device.objects.exclude(kind=DeviceKind.GATEWAY)
    assert not devices.filter(organization__name__startswith="模拟单位").exists()
    assert not devices.filter(token_prefix="").exists(), "every device has its credentials issued"
    assert devices.filter(kind=DeviceKind.NOZZLE, instrument__type__code="MI06").exists()
    assert devices.filter(kind=DeviceKind.METER, medium="water", instrument__type__code__in=("MI10", "MI11")).exists()
    assert devices.filter(kind=DeviceKind.CHARGER, instrument__type__code__in=("MI29", "MI30")).exists()
    assert all(d.instrument.site_id == d.site_id for d in devices.filter(instrument__isnull=False).select_related("instrument"))
    # Devices report up to the load: some are online (how many depends on the minute of loading, as
    # the simulated faults silence devices for parts of the day: at times every device is).
    online = devices.filter(last_seen_at__gte=timezone.now() - dt.timedelta(hours=1))
    assert online.count() > 0

    owner = Client()
    owner.force_login(User.objects.get(username="owner"))
    own = devices.filter(organization__name=OWNER_DEMO_ORGANIZATION, kind=DeviceKind.NOZZLE).order_by("code").first()
    assert own is not None
    page = owner.get(reverse("monitoring:device-list")).content.decode()
    assert own.code in page and "未签发" not in page

    # Credit: businesses in every grade, each with its explanation; the owner's objection waits in
    # the Bazhou queue; alerts on instruments are assigned, one became a verification request.
    assert set(CreditGrade.objects.values_list("grade", flat=True)) == {"A", "B", "C", "D"}
    credit = owner.get(reverse("credit:mine"), follow=True).content.decode()
    assert "基础分 80 分" in credit and "异议处理中" in credit
    bazhou = Client()
    bazhou.force_login(User.objects.get(username="bazhou"))
    assert OWNER_DEMO_ORGANIZATION in bazhou.get(reverse("credit:objection-list")).content.decode()
    assigned = Alert.objects.filter(assignee__isnull=False, device__instrument__isnull=False)
    assert assigned.count() >= 3 and assigned.filter(verification_request__isnull=False).exists()

def _every_type_has_a_certificate_with_a_cited_or_marked_rule_and_a_card_linking_to_its_check():
    """Issue 16: every catalogue type is verified in the demo, each against a rule that cites its
    regulation or is marked an editable default (待核实默认值), and the instrument's QR card links
    its certificate to the certificate's public check page."""
    types = set(InstrumentType.objects.values_list("code", flat=True))
    verified = set(Certificate.objects.values_list("instrument_type__code", flat=True).distinct())
    assert types - verified == set()
    rules = MpeRule.objects.filter(pk__in=TestPoint.objects.values("mpe_rule_id").distinct())
    assert types <= set(rules.values_list("instrument_types__code", flat=True))
    for rule in rules:
        assert rule.regulation and (rule.confidence != "default" or "待核实默认值" in rule.notes), rule.key
    state = VerificationState.objects.select_related("certificate", "instrument").first()
    card = Client().get(f"/i/{state.instrument.public_code}").content.decode()
    link = check_url(state.certificate.number, public_check.code_of(state.certificate.number))
    assert f'href="{link}"'.replace("&", "&amp;") in card
    assert Client().get(link).status_code == 200


def _the_public_check_shows_every_state():
    """The demo's certificates read, on the public check, in every state it knows; the corrected and
    the revoked ones were corrected and revoked through the services, so the log holds those events."""
    today = timezone.localdate()
    examples = {
        "valid": Certificate.objects.filter(status=CertificateStatus.ISSUED, kind=CertificateKind.VERIFICATION,
                                            valid_until__gte=today),
        "expired": Certificate.objects.filter(status=CertificateStatus.ISSUED, kind=CertificateKind.VERIFICATION,
                                              valid_until__lt=today),
        "failed": Certificate.objects.filter(status=CertificateStatus.ISSUED, kind=CertificateKind.FAILURE_NOTICE),
        "superseded": Certificate.objects.filter(status=CertificateStatus.SUPERSEDED),
        "revoked": Certificate.objects.filter(status=CertificateStatus.REVOKED),
    }
    for state, certificates in examples.items():
        certificate = certificates.order_by("-id").first()
        assert certificate is not None, state
        page = Client().get(check_url(certificate.number, public_check.code_of(certificate.number)))
        assert f'data-state="{state}"' in page.content.decode(), state
        if state in ("superseded", "revoked"):
            assert LogEntry.objects.filter(kind=LEDGER_KIND, record_id=str(certificate.pk)).count() == 2, state
