"""Public complaints: routing, deadlines, refusals, duplicates, tracking without an oracle, the
reporter's identity sealed and read by the handler alone, and rewards."""

import datetime
import logging

import pytest
from django.utils import timezone

from jiliang.accounts.models import AuditEvent
from jiliang.enforcement import deadlines, services
from jiliang.enforcement.models import Complaint, ComplaintState
from jiliang.errors import Conflict, InvalidInput
from jiliang.accounts.access import AccessDenied
from jiliang.workdays import add_working_days

from enforcement_fixtures import PNG

IDENTITY = {"name": "王小明", "phone": "13812345678", "id_number": "511902199001011234"}


def test_complaint_routes_to_the_county_of_the_site_with_working_day_deadlines(submit, station):
    complaint, code = submit()
    assert complaint.division.code == "511902"
    assert complaint.organization_id == station[0].organization_id
    received = timezone.localdate(complaint.received_at)
    assert complaint.acknowledge_due == add_working_days(received, 7)
    assert complaint.handling_due == add_working_days(received, 15)
    assert complaint.reply_due == add_working_days(complaint.handling_due, 5)
    assert services.find_by_tracking_code(code) == complaint
    assert services.find_by_tracking_code(code.lower()) == complaint


def test_typed_address_routes_to_the_chosen_county(db, division):
    township = division("511921").children.first() if hasattr(division("511921"), "children") else None
    complaint, _code = services.submit_complaint(subject="cheating", description="电子秤作弊",
                                                 occurred_on=timezone.localdate(), address="通江县某农贸市场",
                                                 division=township or division("511921"))
    assert complaint.division.code == "511921" and complaint.site is None


def test_instrument_code_from_the_qr_card_gives_the_site(db, station):
    site, instrument = station
    complaint, _code = services.submit_complaint(subject="cheating", description="加油机跳字",
                                                 occurred_on=timezone.localdate(),
                                                 instrument_code=instrument.public_code.lower())
    assert complaint.instrument == instrument and complaint.site == site


@pytest.mark.parametrize("fields, bad", [
    ({"site": None}, "site"),
    ({"site": None, "address": "某街道"}, "division"),
    ({"description": "  "}, "description"),
    ({"subject": "nonsense"}, "subject"),
    ({"occurred_on": timezone.localdate() + datetime.timedelta(days=2)}, "occurred_on"),
    ({"instrument_code": "NOPE0000"}, "instrument_code"),
    ({"photos": [services.PhotoUpload("a.exe", b"MZ\x90\0" + b"\0" * 20)]}, "photos"),
    ({"photos": [services.PhotoUpload("big.png", PNG + b"\0" * (5 * 1024 * 1024))]}, "photos"),
    ({"photos": [services.PhotoUpload(f"{i}.png", PNG) for i in range(6)]}, "photos"),
])
def test_refusals_name_the_field_and_store_nothing(submit, fields, bad):
    with pytest.raises(InvalidInput) as refused:
        submit(**fields)
    assert bad in refused.value.fields
    assert not Complaint.objects.exists()
    assert not AuditEvent.objects.filter(action="complaint.submit").exists()


def test_photos_are_stored_by_their_content_type(submit):
    complaint, _code = submit(photos=[services.PhotoUpload("x.jpg", PNG)])
    photo = complaint.photos.get()
    assert photo.content_type == "image/png" and len(photo.sha256) == 64


def test_same_site_and_subject_within_days_is_a_duplicate(submit):
    first, _ = submit()
    second, _ = submit(description="又一次少加油")
    other_subject, _ = submit(subject="seal_broken")
    assert second.state == ComplaintState.DUPLICATE and second.duplicate_of == first
    assert other_subject.state == ComplaintState.SUBMITTED


def test_wrong_and_missing_tracking_codes_answer_alike(submit):
    _complaint, code = submit()
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert services.find_by_tracking_code(wrong) is None
    assert services.find_by_tracking_code("X") is None
    assert services.find_by_tracking_code("") is None


def test_identity_is_sealed_and_only_the_handler_reads_it(submit, bazhou_regulator, make_user, caplog):
    caplog.set_level(logging.DEBUG)
    complaint, _code = submit(identity_fields=IDENTITY)
    stored = Complaint.objects.get(pk=complaint.pk)
    assert "13812345678" not in stored.identity_sealed and "王小明" not in stored.identity_sealed
    colleague = make_user("county_regulator", division="511902")
    with pytest.raises(AccessDenied):
        services.reporter_identity(bazhou_regulator, stored)  # nobody handles it yet
    services.transition_complaint(bazhou_regulator, stored, ComplaintState.ACCEPTED)
    with pytest.raises(AccessDenied):
        services.reporter_identity(colleague, Complaint.objects.get(pk=complaint.pk))
    assert services.reporter_identity(bazhou_regulator, Complaint.objects.get(pk=complaint.pk)) == IDENTITY
    audit_text = str(list(AuditEvent.objects.values_list("before", "after")))
    for secret in IDENTITY.values():
        assert secret not in audit_text
        assert secret not in caplog.text


def test_transitions_and_refusals(submit, bazhou_regulator, tongjiang_regulator):
    complaint, _ = submit()
    with pytest.raises(AccessDenied):
        services.transition_complaint(tongjiang_regulator, complaint, ComplaintState.ACCEPTED)
    with pytest.raises(Conflict):
        services.transition_complaint(bazhou_regulator, complaint, ComplaintState.REPLIED, note="x")
    with pytest.raises(InvalidInput):
        services.transition_complaint(bazhou_regulator, complaint, ComplaintState.REJECTED)
    complaint = services.transition_complaint(bazhou_regulator, complaint, ComplaintState.ACCEPTED)
    assert complaint.handler == bazhou_regulator and complaint.acknowledged_at


def test_reward_only_after_a_penalty(submit, bazhou_regulator, station):
    complaint, _ = submit()
    services.transition_complaint(bazhou_regulator, complaint, ComplaintState.ACCEPTED)
    with pytest.raises(InvalidInput) as refused:
        services.decide_reward(bazhou_regulator, complaint, amount=None)
    assert {"case", "amount"} <= set(refused.value.fields)


def test_deadline_rule_cites_its_source():
    rule = deadlines.defaults()["complaint"]["acknowledge"]
    assert rule.n == 7 and "投诉举报处理暂行办法" in rule.citation
