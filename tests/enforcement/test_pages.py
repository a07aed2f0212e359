"""The enforcement pages: the public form, tracking and publication without sign-in; the officers'
complaint and case pages scoped to the county; the case documents as PDFs."""

from django.test import Client
from django.utils import timezone

from jiliang.accounts.models import AuditEvent, Role
from jiliang.credit.models import CreditEvent
from jiliang.enforcement import services
from jiliang.enforcement.models import Case, CaseParty, CaseStage, Complaint, ComplaintState


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


def test_case_opened_by_hand_in_the_county(browser_client, station, bazhou_regulator, tongjiang_regulator,
                                           make_organization, make_user):
    site, instrument = station
    client = browser_client(bazhou_regulator)
    assert "/enforcement/cases/new/" in client.get("/enforcement/cases/").content.decode()
    assert client.get("/enforcement/cases/new/").status_code == 200
    form = {"uscc": site.organization.uscc.lower(), "site_name": site.name, "instrument_code": instrument.public_code,
            "title": "加油机计量失准", "discovered_on": timezone.localdate().isoformat(), "party_name": "张三",
            "party_role": "站长", "party_id_number": "511902198001011234"}
    other = make_organization("511921", name="通江某商店")
    for wrong, field_error in [({"uscc": other.uscc}, "不存在或不在您的管辖范围内"),
                               ({"site_name": "别处"}, "该当事人没有这个名称的经营场所"),
                               ({"instrument_code": "ZZZZZZZZ"}, "不存在或不在您的管辖范围内"),
                               ({"title": ""}, "这个字段是必填项")]:
        refused = client.post("/enforcement/cases/new/", form | wrong)
        assert refused.status_code == 200 and field_error in refused.content.decode()
    assert not Case.objects.exists()
    opened = client.post("/enforcement/cases/new/", form)
    case = Case.objects.get()
    assert opened.status_code == 302 and opened.url == f"/enforcement/cases/{case.pk}/"
    assert (case.source_type, case.site, case.instrument, case.division.code) == ("manual", site, instrument, "511902")
    assert CaseParty.objects.get(case=case).name == "张三"
    assert set(AuditEvent.objects.filter(object_id=str(case.pk)).values_list("action", flat=True)) >= {"case.open"}
    assert AuditEvent.objects.filter(action="case.party").exists()
    assert "加油机计量失准" in client.get(opened.url).content.decode()
    # The other county's officer does not find this party; an owner may not open a case at all.
    elsewhere = browser_client(tongjiang_regulator).post("/enforcement/cases/new/", form)
    assert elsewhere.status_code == 200 and "不存在或不在您的管辖范围内" in elsewhere.content.decode()
    owner = browser_client(make_user(Role.OWNER, organization=site.organization))
    assert owner.get("/enforcement/cases/new/").status_code == 403
    assert "/enforcement/cases/new/" not in owner.get("/enforcement/cases/").content.decode()
