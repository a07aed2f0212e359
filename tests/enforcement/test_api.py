"""The enforcement API: the public channel (submission, captcha after volume, rate limit, tracking
without an oracle) and the officers' routes, scoped; the identity in the handler's answer only."""

import datetime
import json

from django.test import Client, override_settings
from django.utils import timezone

from jiliang.enforcement.models import Complaint

from enforcement_fixtures import PNG

IDENTITY = {"name": "李四", "phone": "13900001111", "id_number": "511902198001011234"}


def _form(site, **fields):
    return {"subject": "short_weight", "description": "秤不准", "occurred_on": timezone.localdate().isoformat(),
            "site_id": site.pk} | fields


def test_public_submission_and_tracking(db, station):
    site, _instrument = station
    client = Client()
    answer = client.post("/api/v1/public/complaints", _form(site, **IDENTITY))
    assert answer.status_code == 201, answer.content
    code = answer.json()["tracking_code"]
    tracked = client.get("/api/v1/public/complaints/track", {"code": code})
    assert tracked.status_code == 200 and tracked.json()["state"] == "submitted"
    wrong = client.get("/api/v1/public/complaints/track", {"code": code[:-1] + ("2" if code[-1] != "2" else "3")})
    nonsense = client.get("/api/v1/public/complaints/track", {"code": "NOSUCHCODE99"})
    assert wrong.status_code == nonsense.status_code == 404
    assert wrong.json() == nonsense.json()


def test_no_place_is_refused_naming_the_field(db):
    answer = Client().post("/api/v1/public/complaints", {"subject": "cheating", "description": "x",
                                                         "occurred_on": timezone.localdate().isoformat()})
    assert answer.status_code == 422 and "site" in answer.json()["fields"]
    assert not Complaint.objects.exists()


def test_refused_photo_type(db, station):
    from django.core.files.uploadedfile import SimpleUploadedFile
    site, _ = station
    answer = Client().post("/api/v1/public/complaints", _form(site) | {
        "photos": [SimpleUploadedFile("x.gif", b"GIF89a" + b"\0" * 10, "image/gif")]})
    assert answer.status_code == 422 and "photos" in answer.json()["fields"]
    ok = Client().post("/api/v1/public/complaints", _form(site, subject="cheating") | {
        "photos": [SimpleUploadedFile("x.png", PNG, "image/png")]})
    assert ok.status_code == 201


@override_settings(JILIANG_COMPLAINT_CAPTCHA_AFTER=2, JILIANG_COMPLAINT_LIMIT_PER_HOUR=4)
def test_captcha_after_volume_then_rate_limit(db, station):
    site, _ = station
    client = Client()
    subjects = ["short_weight", "cheating", "unverified", "seal_broken", "other"]
    for subject in subjects[:2]:
        assert client.post("/api/v1/public/complaints", _form(site, subject=subject)).status_code == 201
    asked = client.post("/api/v1/public/complaints", _form(site, subject=subjects[2]))
    assert asked.status_code == 422 and "captcha_answer" in asked.json()["fields"]
    captcha = client.get("/api/v1/public/complaints/captcha").json()
    a, b = (int(x) for x in captcha["question"].split("=")[0].split("+"))
    solved = _form(site, subject=subjects[2], captcha_token=captcha["token"], captcha_answer=str(a + b))
    assert client.post("/api/v1/public/complaints", solved).status_code == 201
    assert client.post("/api/v1/public/complaints", solved).status_code == 422  # a token answers once
    captcha = client.get("/api/v1/public/complaints/captcha").json()
    a, b = (int(x) for x in captcha["question"].split("=")[0].split("+"))
    assert client.post("/api/v1/public/complaints", _form(site, subject=subjects[3], captcha_token=captcha["token"],
                                                          captcha_answer=str(a + b))).status_code == 201
    assert client.post("/api/v1/public/complaints", _form(site, subject=subjects[4])).status_code == 429


def test_identity_only_in_the_handlers_answer(db, station, api_client, bazhou_regulator, city_regulator):
    site, _ = station
    Client().post("/api/v1/public/complaints", _form(site, **IDENTITY))
    complaint = Complaint.objects.get()
    handler = api_client(bazhou_regulator)
    city = api_client(city_regulator)
    for client in (handler, city):
        for path in ("/api/v1/enforcement/complaints", f"/api/v1/enforcement/complaints/{complaint.pk}"):
            body = client.get(path).content.decode()
            assert all(value not in body for value in IDENTITY.values())
    assert handler.post(f"/api/v1/enforcement/complaints/{complaint.pk}/transition", {"state": "accepted"},
                        content_type="application/json").status_code == 200
    assert city.get(f"/api/v1/enforcement/complaints/{complaint.pk}/identity").status_code == 403
    assert handler.get(f"/api/v1/enforcement/complaints/{complaint.pk}/identity").json() == IDENTITY


def test_case_api_is_scoped_and_refuses_a_decision_without_basis(db, station, api_client, bazhou_regulator,
                                                                 tongjiang_regulator):
    site, instrument = station
    officer = api_client(bazhou_regulator)
    created = officer.post("/api/v1/enforcement/cases", json.dumps({
        "organization_id": site.organization_id, "site_id": site.pk, "instrument_id": instrument.pk,
        "title": "未检定加油机", "discovered_on": timezone.localdate().isoformat()}), content_type="application/json")
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    assert api_client(tongjiang_regulator).get(f"/api/v1/enforcement/cases/{case_id}").status_code == 404
    assert api_client(tongjiang_regulator).get("/api/v1/enforcement/cases").json()["items"] == []
    for stage in ("investigating", "notified"):
        assert officer.post(f"/api/v1/enforcement/cases/{case_id}/advance", {"stage": stage},
                            content_type="application/json").status_code == 200
    refused = officer.post(f"/api/v1/enforcement/cases/{case_id}/decision", {"basis": "", "facts": "x", "warning": True},
                           content_type="application/json")
    assert refused.status_code == 422 and "basis" in refused.json()["fields"]
    decided = officer.post(f"/api/v1/enforcement/cases/{case_id}/decision",
                           {"basis": "unverified_use", "facts": "使用未经检定的加油机", "fine_amount": "800"},
                           content_type="application/json")
    assert decided.status_code == 200 and decided.json()["stage"] == "decided"
    assert officer.post(f"/api/v1/enforcement/cases/{case_id}/publish").status_code == 201
    assert Client().get("/api/v1/public/penalties").json()["items"][0]["penalty"] == "罚款 800.00 元"


def test_two_questions_with_the_same_answer_are_answered_separately(db, monkeypatch):
    """Two questions whose answers are equal, signed in the same second, are two tokens: answering
    one does not use up the other (the captcha test failed now and then before the nonce)."""
    from jiliang.enforcement import abuse

    monkeypatch.setattr(abuse.random, "randint", lambda low, high: low)
    (question, first), (_, second) = abuse.new_captcha(), abuse.new_captcha()
    assert first != second
    answer = str(sum(int(x) for x in question.split("=")[0].split("+")))
    assert abuse.captcha_passes(first, answer) and abuse.captcha_passes(second, answer)
    assert not abuse.captcha_passes(first, answer)


def test_case_list_pages_by_cursor_in_filing_order(db, open_case_for, api_client, bazhou_regulator):
    today = timezone.localdate()
    # Filed on three different days, two cases on some: the order is (filing day, id), newest first.
    opened = [open_case_for(discovered_on=today - datetime.timedelta(days=5), on=today - datetime.timedelta(days=i % 3))
              for i in range(5)]
    expected = [case.pk for case in sorted(opened, key=lambda c: (c.filed_on, c.pk), reverse=True)]
    officer, seen, cursor = api_client(bazhou_regulator), [], ""
    while True:
        page = officer.get("/api/v1/enforcement/cases", {"limit": 2} | ({"cursor": cursor} if cursor else {})).json()
        seen += [item["id"] for item in page["items"]]
        assert page["has_more"] == (page["next_cursor"] is not None)
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert seen == expected
    assert officer.get("/api/v1/enforcement/cases", {"offset": 4, "limit": 2}).json()["items"][0]["id"] == expected[4]
    refused = officer.get("/api/v1/enforcement/cases", {"cursor": "not-a-cursor"})
    assert refused.status_code == 422 and "cursor" in refused.json()["fields"]
