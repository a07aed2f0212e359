"""The enforcement pages: the public form, tracking and publication without sign-in; the officers'
complaint and case pages scoped to the county; the case documents as PDFs."""

from django.test import Client
from django.utils import timezone

from jiliang.credit.models import CreditEvent
from jiliang.enforcement import services
from jiliang.enforcement.models import CaseStage, Complaint, ComplaintState


def _post_form(client, site, **fields):
    return client.post("/complaints/", {"kind": "report", "subject": "short_weight", "description": "少秤",
                                        "occurred_on": timezone.localdate().isoformat(), "site": site.pk} | fields)


def test_public_form_search_submit_and_track(db, station):
    site, _ = station
    client = Client()
    assert client.get("/complaints/").status_code == 200
    found = client.post("/complaints/", {"site_search": site.name[:4], "search": "1"})
    assert site.name in found.content.decode()
    done = _post_form(client, site, name="赵六", phone="13700002222")
    assert done.status_code == 302
    page = client.get(done.url).content.decode()
    code = Complaint.objects.get().pk and page.split('data-testid="tracking-code">')[1].split("<")[0]
    tracked = client.post("/complaints/track", {"code": code}).content.decode()
    assert "待受理" in tracked and "13700002222" not in tracked
    missing = client.post("/complaints/track", {"code": "AAAAAAAAAAAA"}).content.decode()
    wrong = client.post("/complaints/track", {"code": code[:-1] + ("A" if code[-1] != "A" else "B")}).content.decode()
    assert 'data-testid="track-not-found"' in missing and 'data-testid="track-not-found"' in wrong


def test_public_form_without_a_place_says_so(db):
    answer = Client().post("/complaints/", {"kind": "report", "subject": "cheating", "description": "x",
                                            "occurred_on": timezone.localdate().isoformat()})
    assert answer.status_code == 200 and "请选择经营场所，或填写地址" in answer.content.decode()
    assert not Complaint.objects.exists()


def test_officer_pages_and_documents(db, station, submit, bazhou_regulator, tongjiang_regulator, password, open_case_for):
    complaint, _ = submit()
    officer, other = Client(), Client()
    officer.force_login(bazhou_regulator)
    other.force_login(tongjiang_regulator)
    assert officer.get("/enforcement/complaints/").status_code == 200
    assert other.get(f"/enforcement/complaints/{complaint.pk}/").status_code == 404
    answer = officer.post(f"/enforcement/complaints/{complaint.pk}/", {"state": ComplaintState.ACCEPTED})
    assert answer.status_code == 302
    opened = officer.post(f"/enforcement/complaints/{complaint.pk}/case",
                          {"title": "少秤", "discovered_on": timezone.localdate().isoformat()})
    assert opened.status_code == 302
    case_url = opened.url
    assert "立案审批表" in officer.get(case_url).content.decode()
    pdf = officer.get(case_url + "filing.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert officer.get(case_url + "decision.pdf").status_code == 404
    assert officer.post(case_url, {"form": "advance", "stage": CaseStage.NOTIFIED}).status_code == 200  # skipped
    for stage in (CaseStage.INVESTIGATING, CaseStage.NOTIFIED):
        assert officer.post(case_url, {"form": "advance", "stage": stage}).status_code == 302
    refused = officer.post(case_url, {"form": "decision", "basis": "", "facts": "少秤", "warning": "on"})
    assert refused.status_code == 200 and "error-summary" in refused.content.decode()
    assert officer.post(case_url, {"form": "decision", "basis": "inaccurate_use", "facts": "少秤",
                                   "fine_amount": "500"}).status_code == 302
    assert officer.get(case_url + "decision.pdf").content.startswith(b"%PDF")
    assert officer.post(case_url, {"form": "publish"}).status_code == 302
    assert "罚款 500.00 元" in Client().get("/complaints/penalties").content.decode()
    assert officer.get("/enforcement/cases/").status_code == 200
    assert other.get(case_url).status_code == 404
    assert Complaint.objects.get().state == ComplaintState.REFERRED


def test_owner_signs_a_commitment_and_city_publishes_a_model_unit(db, station, make_user, bazhou_regulator, city_regulator):
    site, _ = station
    owner = make_user("owner", organization=site.organization)
    client = Client()
    client.force_login(owner)
    assert client.post("/enforcement/commitments/", {"signer_name": "张经理", "agree": "on"}).status_code == 302
    assert "张经理" in client.get("/enforcement/commitments/").content.decode()
    county = Client()
    county.force_login(bazhou_regulator)
    assert county.post("/enforcement/model-units/", {"organization": site.organization_id, "year": 2026,
                                                     "reason": "连续三年无违法记录"}).status_code == 302
    city = Client()
    city.force_login(city_regulator)
    unit_id = services.ModelUnit.objects.get().pk
    assert city.post(f"/enforcement/model-units/{unit_id}/publish").status_code == 302
    assert site.organization.name in Client().get("/complaints/penalties").content.decode()
    kinds = set(CreditEvent.objects.filter(organization=site.organization).values_list("kind", flat=True))
    assert {"commitment_signed", "model_unit"} <= kinds


def test_the_form_asks_a_captcha_after_volume_and_accepts_its_answer(db, station, settings):
    import re

    settings.JILIANG_COMPLAINT_CAPTCHA_AFTER = 1
    site, _ = station
    client = Client()
    assert _post_form(client, site).status_code == 302

    def question_and_token(html):
        a, b = re.search(r"验证问题：(\d+) \+ (\d+)", html).groups()
        return int(a) + int(b), re.search(r'name="captcha_token" value="([^"]+)"', html).group(1)

    answer, token = question_and_token(client.get("/complaints/").content.decode())
    wrong = _post_form(client, site, subject="cheating", captcha_token=token, captcha_answer=str(answer + 1))
    assert wrong.status_code == 200 and Complaint.objects.count() == 1
    answer, token = question_and_token(wrong.content.decode())  # a new question, its own token
    right = _post_form(client, site, subject="cheating", captcha_token=token, captcha_answer=str(answer))
    assert right.status_code == 302 and Complaint.objects.count() == 2


def test_a_confirmed_alert_opens_a_case_from_its_page(db, station, bazhou_regulator, city_regulator):

    from jiliang.monitoring import services as monitoring_services
    from jiliang.monitoring.models import Alert, AlertState, Severity

    site, instrument = station
    device = monitoring_services.register_device(city_regulator, code="dev-case-1", kind="nozzle", site=site,
                                                   instrument=instrument)
    alert = Alert.objects.create(rule_code="FD-01", severity=Severity.WARNING, state=AlertState.CONFIRMED,
                                 device=device, site=site, division=site.division, message="付油量异常",
                                 opened_at=timezone.now(), last_seen_at=timezone.now())
    client = Client()
    client.force_login(bazhou_regulator)
    assert f"/enforcement/alerts/{alert.pk}/case" in client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    opened = client.post(f"/enforcement/alerts/{alert.pk}/case",
                         {"title": "付油量异常", "discovered_on": timezone.localdate().isoformat()})
    assert opened.status_code == 302
    case = services.Case.objects.get()
    assert case.source_type == "alert" and case.source_id == str(alert.pk) and case.site == site


def test_the_model_unit_page_answers_a_reader_who_sees_no_business(db, make_user, make_institution):
    """An institution's staff scope no business: the page lists what they may read and offers no
    nomination form (it raised IndexError before)."""
    from jiliang.accounts.models import Role

    staff = make_user(Role.INSTITUTION_STAFF, institution=make_institution())
    client = Client()
    client.force_login(staff)
    page = client.get("/enforcement/model-units/")
    assert page.status_code == 200 and 'data-testid="nomination-form"' not in page.content.decode()
