"""Every write leaves one audit row with the right before/after, in the same transaction."""

import datetime

import pytest
from django.db import transaction

from jiliang.accounts import audit
from jiliang.accounts.models import AuditEvent, Role
from jiliang.errors import InvalidInput
from jiliang.registry import services
from jiliang.registry.models import Organization


def events_for(instance):
    return list(AuditEvent.objects.filter(object_type=instance._meta.label, object_id=str(instance.pk)).order_by("id"))


def test_create_records_the_new_values(bazhou_regulator, division):
    org = services.create_organization(bazhou_regulator, uscc="91511902MA6A1B2C3B", name="巴州测试公司",
                                       division=division("511902"), contact_phone="13912345678")
    [event] = events_for(org)
    assert (event.action, event.actor, event.actor_role) == ("organization.create", bazhou_regulator, Role.COUNTY_REGULATOR)
    assert event.before is None
    assert event.after["name"] == "巴州测试公司" and event.after["uscc"] == "91511902MA6A1B2C3B"
    assert event.after["contact_phone"] == "139****5678"  # personal data masked in the log
    assert event.division.code == "511902"


def test_update_records_before_and_after(make_organization, bazhou_regulator):
    org = make_organization("511902", industry="供水")
    services.update_organization(bazhou_regulator, org, industry="供电")
    [event] = events_for(org)
    assert (event.before["industry"], event.after["industry"]) == ("供水", "供电")
    assert audit.changed_fields(event.before, event.after) == ["industry", "updated_at"]


def test_a_refused_write_leaves_neither_row_nor_audit(bazhou_regulator, division):
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as caught:
        services.create_organization(bazhou_regulator, uscc="91511902MA6A1B2C3C", name="错码公司",
                                     division=division("511902"))
    assert "应为 B" in caught.value.fields["uscc"][0]
    assert AuditEvent.objects.count() == before
    assert not Organization.objects.filter(name="错码公司").exists()


@pytest.mark.django_db(transaction=True)
def test_audit_outside_a_transaction_is_refused(make_organization):
    org = make_organization()
    with pytest.raises(audit.AuditOutsideTransaction):
        audit.record(None, "x", org)


def test_audit_row_rolls_back_with_the_write(make_organization):
    org = make_organization()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            audit.record(None, "organization.touch", org)
            raise RuntimeError("the write failed after the audit call")
    assert events_for(org) == []


def test_api_write_is_audited_with_request_id(bazhou_regulator, api_client):
    response = api_client(bazhou_regulator).post("/api/v1/organizations", {
        "uscc": "91511902MA6A1B2C3B", "name": "接口登记公司", "division_code": "511902"},
        content_type="application/json")
    assert response.status_code == 201
    [event] = events_for(Organization.objects.get(pk=response.json()["id"]))
    assert event.request_id == response["X-Request-ID"]
    assert event.ip_address == "127.0.0.1"


def test_admin_change_is_audited(make_organization, client, django_user_model):
    org = make_organization(industry="旧行业")
    admin = django_user_model.objects.create_superuser("root", password="Root-Passw0rd!")
    client.force_login(admin)
    data = {"uscc": org.uscc, "name": org.name, "division": org.division_id, "status": "active",
            "industry": "新行业", "legal_representative": "", "contact_name": "", "contact_phone": "", "address": ""}
    response = client.post(f"/admin/registry/organization/{org.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    [event] = events_for(org)
    assert (event.action, event.before["industry"], event.after["industry"]) == ("admin.change", "旧行业", "新行业")


def test_audit_log_is_read_only_in_the_admin(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="Root-Passw0rd!")
    client.force_login(admin)
    event_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    assert client.post(f"/admin/accounts/auditevent/{event_id}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event_id).exists()


class TestAuditLogReading:
    def test_filtered_by_object_through_the_api(self, make_organization, bazhou_regulator, api_client):
        org = make_organization("511902")
        services.update_organization(bazhou_regulator, org, industry="眼镜配镜")
        body = api_client(bazhou_regulator).get(
            "/api/v1/audit-events", {"object_type": "registry.Organization", "object_id": org.pk}).json()
        assert [e["action"] for e in body["items"]] == ["organization.update"]

    def test_county_sees_only_its_county_events(self, make_organization, bazhou_regulator, tongjiang_regulator, api_client):
        org = make_organization("511921")
        services.update_organization(tongjiang_regulator, org, industry="供水")
        body = api_client(bazhou_regulator).get("/api/v1/audit-events", {"object_type": "registry.Organization"}).json()
        assert body["items"] == []

    def test_owner_cannot_open_the_audit_page(self, make_organization, make_user, browser_client):
        owner = make_user(Role.OWNER, organization=make_organization())
        assert browser_client(owner).get("/accounts/audit/").status_code == 403

    def test_auditor_filters_the_page_by_actor(self, make_organization, bazhou_regulator, auditor, browser_client):
        services.update_organization(bazhou_regulator, make_organization("511902"), industry="供电")
        response = browser_client(auditor).get("/accounts/audit/", {"actor": bazhou_regulator.username})
        actions = [row["cells"][2] for row in response.context["rows"]]
        assert actions == ["修改使用单位（organization.update）"]


def test_user_creation_and_token_lifecycle_are_audited(city_regulator, make_user, api_client, browser_client):
    from jiliang.accounts.models import ApiToken
    owner_user = make_user(Role.AUDITOR, division="511902", phone="13712345678")
    [created] = events_for(owner_user)
    assert created.action == "user.create" and created.after["phone"] == "137****5678"
    assert "password" not in created.after
    api_client(city_regulator)
    token = ApiToken.objects.get(user=city_regulator)
    assert [e.action for e in events_for(token)] == ["api_token.issue"]
    browser_client(city_regulator).delete(f"/api/v1/tokens/{token.pk}")
    revoke = events_for(token)[-1]
    assert revoke.action == "api_token.revoke" and revoke.before["revoked_at"] is None and revoke.after["revoked_at"]


def test_the_audit_page_speaks_chinese(city_regulator, make_user, browser_client):
    created = make_user(Role.AUDITOR, division="511902")
    [event] = events_for(created)
    page = browser_client(city_regulator).get("/accounts/audit/", {"action": "user.create", "object_id": created.pk})
    listing = page.context["listing"]
    text = page.content.decode()
    assert "新建用户（user.create）" in text
    [row] = [row["cells"] for row in page.context["rows"]]
    assert row[2:4] == ["新建用户（user.create）", "用户"]
    assert "：是" in row[6] and "True" not in row[6] and "None" not in row[6]
    beijing = event.at.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert beijing.strftime("%Y-%m-%d %H:%M:%S") in text
    assert dict(listing.filter_form.fields["action"].choices)["login.success"] == "登录成功（login.success）"
    assert dict(listing.filter_form.fields["object_type"].choices)["registry.Organization"] == "使用单位"


def test_an_unknown_action_code_still_reads_as_chinese():
    from jiliang.accounts import audit_labels
    assert audit_labels.action_display("demo.load") == "批量载入数据（demo.load）"
    assert audit_labels.action_display("someday.new_thing") == "其他操作（someday.new_thing）"
    assert audit_labels.object_type_label("nowhere.Thing") == "其他对象"
    assert audit_labels.snapshot_display("registry.Organization", {"status": "active", "industry": None}) \
        == "状态：存续；行业：空"


def test_a_field_left_with_an_english_name_reads_in_chinese_in_the_log():
    from jiliang.accounts import audit_labels
    assert audit_labels.snapshot_display("accounts.ApiToken", {"revoked_at": None, "prefix": "ab12"}) \
        == "吊销时间：空；令牌前缀：ab12"


def test_every_field_of_the_registry_and_verification_models_has_a_chinese_name():
    import re

    from django.apps import apps
    english = [f"{model._meta.label}.{field.name}" for app in ("registry", "verification")
               for model in apps.get_app_config(app).get_models() for field in model._meta.concrete_fields
               if not field.primary_key or field.is_relation
               if not re.search(r"[\u4e00-\u9fff]", str(field.verbose_name))]
    assert english == []


def test_the_audit_page_filters_whole_days_in_beijing_time(city_regulator, make_user, browser_client):
    created = make_user(Role.AUDITOR, division="511902")
    [event] = events_for(created)
    day = event.at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date()
    client = browser_client(city_regulator)

    def shown(**dates):
        response = client.get("/accounts/audit/", {"object_id": created.pk, "action": "user.create", **dates})
        return len(response.context["rows"])

    assert shown(since=day.isoformat(), until=day.isoformat()) == 1
    assert shown(until=(day - datetime.timedelta(days=1)).isoformat()) == 0
    assert shown(since=(day + datetime.timedelta(days=1)).isoformat()) == 0


def test_an_object_without_its_own_text_is_named_by_its_kind_and_number(make_organization, make_user):
    from jiliang.enforcement.models import Commitment
    shop = make_organization("511902")
    signer = make_user(Role.OWNER, organization=shop)
    with transaction.atomic():
        commitment = Commitment.objects.create(organization=shop, text_version="2026", signer_name="站长",
                                               signed_by=signer, signed_on=datetime.date(2026, 12, 7))
        event = audit.record(signer, "commitment.sign", commitment)
    assert event.object_repr == f"诚信计量承诺 #{commitment.pk}"
