"""Cases: stages in order with their statutory deadlines, evidence on the log, decisions within
the legal basis, the seal-broken instrument taken out of service, publication masked and logged,
and the whole path complaint -> case -> decision -> publication (-> credit event) on both databases."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import AuditEvent
from jiliang.credit.models import CreditEvent
from jiliang.enforcement import selectors, services
from jiliang.enforcement.models import Case, CaseStage, ComplaintState, Evidence, Publication
from jiliang.errors import InvalidInput
from jiliang.ledger.models import PendingEntry
from jiliang.registry.models import InstrumentStatus
from jiliang.workdays import add_working_days

from enforcement_fixtures import PDF

TODAY = timezone.localdate


def _to_notified(actor, case):
    services.advance_case(actor, case, CaseStage.INVESTIGATING)
    return services.advance_case(actor, case, CaseStage.NOTIFIED)


def test_open_case_numbers_it_in_the_county_and_records_the_filing_deadline(open_case_for, bazhou_regulator):
    case = open_case_for()
    assert case.number.startswith(f"511902-{TODAY().year}-") and case.stage == CaseStage.FILED
    entry = case.stages.get()
    assert entry.due_on == add_working_days(case.discovered_on, 15)
    assert open_case_for().number.endswith("00002")


def test_filing_after_fifteen_working_days_needs_a_reason(open_case_for):
    late = TODAY() - datetime.timedelta(days=40)
    with pytest.raises(InvalidInput) as refused:
        open_case_for(discovered_on=late)
    assert "late_reason" in refused.value.fields and not Case.objects.exists()
    case = open_case_for(discovered_on=late, late_reason="线索经上级转办，收到时已逾期")
    assert case.stages.get().late_reason


def test_a_skipped_stage_is_refused(open_case_for, bazhou_regulator):
    case = open_case_for()
    with pytest.raises(InvalidInput) as refused:
        services.advance_case(bazhou_regulator, case, CaseStage.NOTIFIED)
    assert "stage" in refused.value.fields
    _to_notified(bazhou_regulator, case)
    with pytest.raises(InvalidInput):
        services.advance_case(bazhou_regulator, case, CaseStage.DECIDED)  # decisions go through decide()


def test_hearing_when_requested_within_its_deadline(open_case_for, bazhou_regulator):
    case = open_case_for(discovered_on=TODAY() - datetime.timedelta(days=26), on=TODAY() - datetime.timedelta(days=25))
    services.advance_case(bazhou_regulator, case, CaseStage.INVESTIGATING, on=TODAY() - datetime.timedelta(days=22))
    services.advance_case(bazhou_regulator, case, CaseStage.NOTIFIED, on=TODAY() - datetime.timedelta(days=20))
    with pytest.raises(InvalidInput) as refused:
        services.advance_case(bazhou_regulator, case, CaseStage.HEARING, hearing_requested=True)
    assert "late_reason" in refused.value.fields
    case = services.advance_case(bazhou_regulator, case, CaseStage.HEARING, hearing_requested=True,
                                 late_reason="当事人邮寄的听证申请在期限内寄出")
    assert case.stage == CaseStage.HEARING and case.hearing_requested


def test_decision_needs_a_basis_and_an_amount_within_its_range(open_case_for, bazhou_regulator):
    case = _to_notified(bazhou_regulator, open_case_for())
    with pytest.raises(InvalidInput) as refused:
        services.decide(bazhou_regulator, case, basis="", facts="x", fine_amount=Decimal("500"))
    assert "basis" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        services.decide(bazhou_regulator, case, basis="unverified_use", facts="x", fine_amount=Decimal("5000"))
    assert "fine_amount" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        services.decide(bazhou_regulator, case, basis="unverified_use", facts="x", confiscation=True)
    assert "confiscation" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        services.decide(bazhou_regulator, case, basis="unverified_use", facts="")
    assert {"penalty", "facts"} <= set(refused.value.fields)
    case.refresh_from_db()
    assert case.stage == CaseStage.NOTIFIED and case.decided_on is None


def test_decision_after_ninety_days_needs_a_reason_or_an_extension(open_case_for, bazhou_regulator):
    case = open_case_for(discovered_on=TODAY() - datetime.timedelta(days=110),
                         on=TODAY() - datetime.timedelta(days=100), late_reason="补录")
    _to_notified(bazhou_regulator, case)
    with pytest.raises(InvalidInput) as refused:
        services.decide(bazhou_regulator, case, basis="unverified_use", facts="未检定", warning=True)
    assert "late_reason" in refused.value.fields
    case = Case.objects.get(pk=case.pk)
    case.decision_extension_days = 30
    case.save()
    decided = services.decide(bazhou_regulator, case, basis="unverified_use", facts="未检定", warning=True)
    assert decided.stage == CaseStage.DECIDED


def test_evidence_hash_goes_on_the_log_and_refused_types_do_not(open_case_for, bazhou_regulator):
    case = open_case_for()
    evidence = services.add_evidence(bazhou_regulator, case, name="现场检查笔录", data=PDF)
    assert PendingEntry.objects.filter(kind=services.LEDGER_EVIDENCE).count() == 1
    assert len(evidence.sha256) == 64 and evidence.added_by == bazhou_regulator
    for data in (b"MZ" + b"\0" * 10, b"%PDF" + b"\0" * (20 * 1024 * 1024)):
        with pytest.raises(InvalidInput) as refused:
            services.add_evidence(bazhou_regulator, case, name="x", data=data)
        assert "file" in refused.value.fields
    assert Evidence.objects.count() == 1


def test_county_officer_sees_only_the_county(open_case_for, tongjiang_regulator, city_regulator):
    case = open_case_for()
    assert not selectors.cases(tongjiang_regulator).exists()
    assert list(selectors.cases(city_regulator)) == [case]
    with pytest.raises(AccessDenied):
        services.advance_case(tongjiang_regulator, case, CaseStage.INVESTIGATING)


def test_complaint_to_case_to_decision_to_publication_to_credit(submit, bazhou_regulator, station):
    site, instrument = station
    complaint, _code = submit(subject="seal_broken")
    services.transition_complaint(bazhou_regulator, complaint, ComplaintState.ACCEPTED)
    case = services.open_case(bazhou_regulator, source_type="complaint", source_id=complaint.pk,
                              organization=site.organization, site=site, instrument=instrument,
                              title="加油机铅封破坏", discovered_on=TODAY())
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.REFERRED
    services.add_evidence(bazhou_regulator, case, name="铅封照片", data=PDF)
    _to_notified(bazhou_regulator, case)
    case = services.decide(bazhou_regulator, case, basis="inaccurate_use", facts="加油机铅封被破坏，联系电话13812345678",
                           confiscation=False, fine_amount=Decimal("1500"), seal_broken=True)
    instrument.refresh_from_db()
    assert instrument.status == InstrumentStatus.OUT_OF_SERVICE
    publication = services.publish(bazhou_regulator, case)
    assert "13812345678" not in publication.facts and "1500" in publication.penalty
    assert PendingEntry.objects.filter(kind=services.LEDGER_PUBLICATION).exists()
    assert list(selectors.publications()) == [publication]
    reward = services.decide_reward(bazhou_regulator, complaint, amount=Decimal("200"))
    assert reward.case == case
    assert AuditEvent.objects.filter(action__in=["case.decide", "case.publish", "complaint.reward"]).count() == 3
    assert CreditEvent.objects.filter(organization=site.organization, kind="case_penalty", source_type="case",
                                      source_id=str(case.pk)).exists()


def test_publication_needs_a_decision(open_case_for, bazhou_regulator):
    case = open_case_for()
    with pytest.raises(InvalidInput):
        services.publish(bazhou_regulator, case)
    assert not Publication.objects.exists()


def test_a_case_from_an_alert_needs_a_confirmed_alert(open_case_for):
    with pytest.raises(InvalidInput) as refused:
        open_case_for(source_type="alert", source_id="999")
    assert "source_id" in refused.value.fields
