"""The statutory deadlines and legal bases: editable defaults from the cited data files, changed by
the city regulator only (page and API), every change audited, and read by the services that compute
deadlines and check decisions."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import AuditEvent
from jiliang.enforcement import deadlines, reference, services
from jiliang.enforcement.models import CaseStage, DeadlineSetting, LegalBasisSetting
from jiliang.errors import InvalidInput
from jiliang.workdays import add_working_days

BASIS = {"title": "强制检定的计量器具未按照规定申请检定", "law_article": "中华人民共和国计量法 第二十六条",
         "rules_article": "中华人民共和国计量法实施细则 第四十三条", "warning": True, "confiscation": False,
         "fine_min": "0", "fine_max": "1000", "fine_note": "可并处罚款"}


def test_defaults_keep_their_citation_and_unverified_mark(db):
    rules, bases = reference.deadline_rules(), reference.bases()
    assert rules == deadlines.defaults()
    assert rules["complaint"]["reply"].confidence == "unverified" and "第三十一条" in rules["complaint"]["reply"].citation
    assert bases["forged_seal"].confidence == "unverified" and bases["forged_seal"].source == "recalled"


def test_an_edited_filing_deadline_is_audited_and_used_for_new_cases(city_regulator, open_case_for):
    services.set_deadline(city_regulator, group="case", name="filed", n=20, note="按新规定")
    audit = AuditEvent.objects.get(action="enforcement.deadline.change")
    assert audit.before == {"n": 15, "extension": 15} and audit.after == {"n": 20, "extension": 0, "note": "按新规定"}
    rule = reference.deadline_rules()["case"]["filed"]
    assert rule.n == 20 and "第十八条" in rule.citation and rule.confidence == "medium"
    # Discovered 18 working days ago: late under the data file's 15, in time under the edited 20.
    discovered = add_working_days(timezone.localdate(), -18)
    case = open_case_for(discovered_on=discovered)
    assert case.stages.get().due_on == add_working_days(discovered, 20)


def test_an_edited_complaint_deadline_moves_the_acknowledgement_due(city_regulator, submit):
    before, _code = submit()  # reads (and keeps in the cache) the deadlines before the edit
    assert before.acknowledge_due == add_working_days(timezone.localdate(before.received_at), 7)
    services.set_deadline(city_regulator, group="complaint", name="acknowledge", n=3)
    complaint, _code = submit(subject="cheating")
    assert complaint.acknowledge_due == add_working_days(timezone.localdate(complaint.received_at), 3)


def test_an_edited_decision_extension_limits_the_extension(city_regulator, bazhou_regulator, open_case_for):
    services.set_deadline(city_regulator, group="case", name="decided", n=60, extension=10)
    case = open_case_for()
    assert services.stage_due(case, CaseStage.DECIDED) == case.filed_on + datetime.timedelta(days=60)
    with pytest.raises(InvalidInput) as refused:
        services.advance_case(bazhou_regulator, case, CaseStage.INVESTIGATING, extension_days=20)
    assert "extension_days" in refused.value.fields


@pytest.mark.parametrize(("n", "extension", "fields"), [
    (-1, None, {"n"}), (0, None, {"n"}), ("15", None, {"n"}), (True, None, {"n"}), (99999, None, {"n"}),
    (15, -1, {"extension"}),
])
def test_bad_deadlines_are_refused_and_nothing_is_stored(city_regulator, n, extension, fields):
    with pytest.raises(InvalidInput) as refused:
        services.set_deadline(city_regulator, group="case", name="filed", n=n, extension=extension)
    assert set(refused.value.fields) == fields
    assert not DeadlineSetting.objects.exists() and not AuditEvent.objects.filter(action__startswith="enforcement.")


def test_a_deadline_without_extension_cannot_be_given_one(city_regulator):
    with pytest.raises(InvalidInput) as refused:
        services.set_deadline(city_regulator, group="complaint", name="acknowledge", n=7, extension=5)
    assert set(refused.value.fields) == {"extension"}


def test_an_edited_legal_basis_is_audited_and_checks_decisions(city_regulator, bazhou_regulator, open_case_for):
    services.set_legal_basis(city_regulator, key="unverified_use", **(BASIS | {"fine_max": "3000"}), note="核对原文")
    audit = AuditEvent.objects.get(action="enforcement.legal_basis.change")
    assert audit.before["fine_max"] == "1000" and audit.after["fine_max"] == "3000.00"
    assert audit.after["note"] == "核对原文"
    case = open_case_for()
    services.advance_case(bazhou_regulator, case, CaseStage.INVESTIGATING)
    services.advance_case(bazhou_regulator, case, CaseStage.NOTIFIED)
    decided = services.decide(bazhou_regulator, case, basis="unverified_use", facts="未检定",
                              fine_amount=Decimal("2500"))
    assert decided.fine_amount == Decimal("2500.00")
    assert reference.bases()["unverified_use"].source.startswith("http")  # the data file's source stays


@pytest.mark.parametrize(("changes", "fields"), [
    ({"law_article": "  "}, {"law_article"}),
    ({"title": ""}, {"title"}),
    ({"fine_min": "-1"}, {"fine_min"}),
    ({"fine_min": "500", "fine_max": "100"}, {"fine_max"}),
    ({"fine_max": "很多"}, {"fine_max"}),
    ({"fine_max": "NaN"}, {"fine_max"}),
    ({"warning": False, "confiscation": False, "fine_max": "0"}, {"penalty"}),
])
def test_bad_legal_bases_are_refused_and_nothing_is_stored(city_regulator, changes, fields):
    with pytest.raises(InvalidInput) as refused:
        services.set_legal_basis(city_regulator, key="unverified_use", **(BASIS | changes))
    assert set(refused.value.fields) == fields
    assert not LegalBasisSetting.objects.exists() and not AuditEvent.objects.filter(action__startswith="enforcement.")


def test_a_county_officer_cannot_edit(bazhou_regulator):
    with pytest.raises(AccessDenied):
        services.set_deadline(bazhou_regulator, group="case", name="filed", n=20)
    with pytest.raises(AccessDenied):
        services.set_legal_basis(bazhou_regulator, key="unverified_use", **BASIS)
    assert not DeadlineSetting.objects.exists() and not LegalBasisSetting.objects.exists()


def test_api_edits_by_the_city_regulator_only(api_client, city_regulator, bazhou_regulator):
    path = "/api/v1/enforcement/deadlines/case/filed"
    assert api_client(bazhou_regulator).put(path, {"n": 20}, content_type="application/json").status_code == 403
    refused = api_client(city_regulator).put(path, {"n": -3}, content_type="application/json")
    assert refused.status_code == 422 and "n" in str(refused.json())
    done = api_client(city_regulator).put(path, {"n": 20, "extension": 10}, content_type="application/json")
    assert done.status_code == 200 and done.json()["n"] == 20 and done.json()["confidence"] == "medium"
    listed = {(r["group"], r["name"]): r for r in api_client(bazhou_regulator).get("/api/v1/enforcement/deadlines").json()}
    assert listed[("case", "filed")]["extension"] == 10
    basis_path = "/api/v1/enforcement/legal-bases/forged_seal"
    payload = BASIS | {"fine_max": "5000"}
    assert api_client(bazhou_regulator).put(basis_path, payload, content_type="application/json").status_code == 403
    empty = api_client(city_regulator).put(basis_path, payload | {"law_article": ""}, content_type="application/json")
    assert empty.status_code == 422 and "law_article" in str(empty.json())
    changed = api_client(city_regulator).put(basis_path, payload, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["fine_max"] == "5000.00"
    assert changed.json()["confidence"] == "unverified"
    assert api_client(city_regulator).put("/api/v1/enforcement/legal-bases/nothing", payload,
                                          content_type="application/json").status_code == 422


def test_reference_page_and_edit_forms(browser_client, city_regulator, bazhou_regulator):
    client = browser_client(city_regulator)
    page = client.get("/enforcement/reference/").content.decode()
    assert "待核实" in page and "第六十四条" in page and "/enforcement/reference/deadlines/case/filed/" in page
    refused = client.post("/enforcement/reference/deadlines/case/filed/", {"n": "-5", "extension": "15"})
    assert refused.status_code == 200 and "须为 1 至 3650 之间的整数日数" in refused.content.decode()
    saved = client.post("/enforcement/reference/deadlines/case/filed/", {"n": "20", "extension": "15", "note": "新规"})
    assert saved.status_code == 302
    empty = client.post("/enforcement/reference/bases/unverified_use/", BASIS | {"law_article": ""})
    assert empty.status_code == 200 and "此项不能为空" in empty.content.decode()
    assert client.post("/enforcement/reference/bases/unverified_use/", BASIS | {"fine_max": "1500"}).status_code == 302
    page = client.get("/enforcement/reference/").content.decode()
    assert "新规" in page and "1500" in page
    county = browser_client(bazhou_regulator)
    assert "/enforcement/reference/deadlines/" not in county.get("/enforcement/reference/").content.decode()
    assert county.get("/enforcement/reference/deadlines/case/filed/").status_code == 403
    assert county.post("/enforcement/reference/bases/unverified_use/", BASIS).status_code == 403
    assert AuditEvent.objects.filter(action__startswith="enforcement.").count() == 2


def test_a_stale_api_edit_is_refused_naming_what_changed(api_client, city_regulator):
    client, path = api_client(city_regulator), "/api/v1/enforcement/deadlines/case/decided"
    etag = client.get(path)["ETag"]
    first = client.put(path, {"n": 60, "extension": 30}, content_type="application/json", headers={"If-Match": etag})
    assert first.status_code == 200 and first["ETag"] != etag
    stale = client.put(path, {"n": 90, "extension": 20}, content_type="application/json", headers={"If-Match": etag})
    assert stale.status_code == 409, stale.content
    body = stale.json()
    assert body["code"] == "stale" and set(body["fields"]) == {"n"} and "期限（日）" in body["message"]
    assert "60" in str(body["fields"]["n"])
    assert reference.deadline_rules()["case"]["decided"].n == 60
    assert AuditEvent.objects.filter(action="enforcement.deadline.change").count() == 1
    again = client.put(path, {"n": 90, "extension": 20}, content_type="application/json",
                       headers={"If-Match": first["ETag"]})
    assert again.status_code == 200 and again.json()["extension"] == 20
    assert client.get("/api/v1/enforcement/deadlines/case/nothing").status_code == 404


def test_a_stale_legal_basis_edit_is_refused_and_an_unchanged_default_is_not_a_change(api_client, city_regulator):
    client, path = api_client(city_regulator), "/api/v1/enforcement/legal-bases/unverified_use"
    read = client.get(path)
    etag, as_read = read["ETag"], {k: v for k, v in read.json().items() if k not in ("key", "source", "confidence")}
    # Saved as read (the data file's amounts, stored to the cent): the version stays the same.
    same = client.put(path, as_read, content_type="application/json", headers={"If-Match": etag})
    assert same.status_code == 200 and same["ETag"] == etag
    client.put(path, as_read | {"fine_max": "3000", "warning": not as_read["warning"]}, content_type="application/json")
    stale = client.put(path, as_read | {"fine_note": "我的修改"}, content_type="application/json",
                       headers={"If-Match": etag})
    assert stale.status_code == 409 and set(stale.json()["fields"]) == {"fine_max", "warning"}
    assert "罚款上限" in stale.json()["message"] and "可警告" in stale.json()["message"]
    assert LegalBasisSetting.objects.get(key="unverified_use").fine_note == as_read["fine_note"]
    garbled = client.put(path, BASIS, content_type="application/json", headers={"If-Match": '"nonsense"'})
    assert garbled.status_code == 409 and "version" in garbled.json()["fields"]
    assert client.get("/api/v1/enforcement/legal-bases/nothing").status_code == 404


def test_a_stale_edit_form_shows_what_changed_and_saves_nothing(browser_client, city_regulator):
    client, path = browser_client(city_regulator), "/enforcement/reference/deadlines/case/filed/"
    page = client.get(path).content.decode()
    version = page.split('name="version" value="')[1].split('"')[0]
    services.set_deadline(city_regulator, group="case", name="filed", n=25, extension=15)  # someone else
    response = client.post(path, {"n": "20", "extension": "15", "version": version})
    assert response.status_code == 200
    shown = response.content.decode()
    assert "他人已修改" in shown and "期限（日）" in shown and "25" in shown
    assert reference.deadline_rules()["case"]["filed"].n == 25
    basis_path = "/enforcement/reference/bases/forged_seal/"
    page = client.get(basis_path).content.decode()
    version = page.split('name="version" value="')[1].split('"')[0]
    services.set_legal_basis(city_regulator, key="forged_seal", **(BASIS | {"title": "他人改的标题"}))
    response = client.post(basis_path, BASIS | {"fine_max": "1500", "version": version})
    assert response.status_code == 200 and "他人改的标题" in response.content.decode()
    assert LegalBasisSetting.objects.get(key="forged_seal").title == "他人改的标题"
    fresh = client.get(basis_path).content.decode().split('name="version" value="')[1].split('"')[0]
    assert client.post(basis_path, BASIS | {"fine_max": "1500", "version": fresh}).status_code == 302
