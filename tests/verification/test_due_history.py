"""The bulk verification history the demo and the benchmark load: consistent with what the services
would write (states, counters, numbers), deterministic, idempotent, one audit event per batch."""

import datetime

from django.db.models import Count

from jiliang.accounts.models import AuditEvent
from jiliang.ledger import sequencer
from jiliang.ledger.entries import document_digest, parse_entry
from jiliang.ledger.models import LogEntry
from jiliang.ledger.selectors import entry_at
from jiliang.registry.models import Instrument
from jiliang.verification import history
from jiliang.verification.models import (
    Certificate,
    CertificateKind,
    Conclusion,
    StandardUse,
    TestPoint,
    VerificationState,
)
from jiliang.verification.services import LEDGER_KIND, _ledger_record

from .conftest import days


def plan(world) -> history.Plan:
    desk = history.Desk(world.institution.pk, "BZJL", (world.standard.pk,), world.verifier.pk, world.checker.pk)
    shares = history.Shares(never_verified=0.1, overdue=0.2, failure=0.1, late=0.2)
    return history.Plan(desks={(None, world.dispenser.pk): desk}, today=days(0), years=3, shares=shares, seed=7)


def test_history_is_consistent_deterministic_and_idempotent(world):
    for _ in range(30):
        world.make_instrument()
    created = history.generate(plan(world), Instrument.objects.all())
    assert created["certificates"] > 60 and created["states"] > 20
    for state in VerificationState.objects.select_related("certificate", "instrument"):
        latest = Certificate.objects.filter(instrument_id=state.instrument_id).order_by("-performed_on", "-id").first()
        assert state.certificate == latest and state.verified_on == latest.performed_on
        # the insert trigger's copies, also for the bulk insert (COPY on PostgreSQL)
        assert (state.county_id, state.instrument_type_id, state.in_use) == (
            state.instrument.county_id, state.instrument.type_id, True)
        assert state.conclusion == (Conclusion.PASS if latest.kind == CertificateKind.VERIFICATION else Conclusion.FAIL)
        assert state.valid_until == latest.valid_until
    assert not Certificate.objects.values("institution", "year", "serial").annotate(n=Count("id")).filter(n__gt=1)
    assert StandardUse.objects.count() == created["verifications"]
    assert Certificate.objects.filter(performed_on__gt=days(0)).count() == 0
    assert AuditEvent.objects.filter(action="demo.load", object_type="verification.Certificate").count() == 1
    # A certificate issued afterwards through the services continues the institution's numbering.
    year = datetime.date.today().year
    last = Certificate.objects.filter(institution=world.institution, year=year).order_by("-serial").first()
    fresh = world.record(instrument=world.make_instrument())
    assert fresh.serial == (last.serial if last else 0) + 1
    again = history.generate(plan(world), Instrument.objects.all())
    assert again == {"verifications": 0, "certificates": 0, "states": 0}


def test_every_history_certificate_goes_on_the_log_with_the_document_the_services_log(world):
    for _ in range(10):
        world.make_instrument()
    created = history.generate(plan(world), Instrument.objects.all())
    sequencer.integrate_pending()
    logged = dict(LogEntry.objects.filter(kind=LEDGER_KIND).values_list("record_id", "index"))
    assert sorted(logged, key=int) == sorted((str(pk) for pk in Certificate.objects.values_list("pk", flat=True)),
                                             key=int)
    assert len(logged) == created["certificates"] > 0
    assert TestPoint.objects.exists()
    # What a holder of the certificate read back from the database digests is what the log recorded.
    for certificate in Certificate.objects.select_related("verification", "instrument"):
        entry = parse_entry(entry_at(logged[str(certificate.pk)]))
        assert entry.sha256 == document_digest(_ledger_record(certificate, "issue"))
