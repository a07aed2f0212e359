"""Issue 12, defect 7: searchable selects backed by scoped autocomplete endpoints, and an instrument
registered at another organization's site only on explicit confirmation."""

import re

import pytest

from jiliang.accounts.models import AuditEvent, Role
from jiliang.errors import InvalidInput
from jiliang.registry import services
from jiliang.registry.models import Instrument, InstrumentType

from .test_forms import posted


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"', select)


def test_the_instrument_form_renders_only_the_selected_owner_and_site(city_regulator, browser_client,
                                                                    make_organization, make_instrument, make_site):
    others = [make_organization("511902") for _ in range(5)]
    for organization in others:
        make_site(organization)
    instrument = make_instrument(make_organization("511902"))
    html = browser_client(city_regulator).get(f"/registry/instruments/{instrument.pk}/edit/").content.decode()
    assert _options(html, "owner") == ["", str(instrument.owner_id)]
    assert _options(html, "site") == ["", str(instrument.site_id)]
    assert 'data-autocomplete="/api/v1/choices/organizations"' in html
    assert 'data-depends-on="owner"' in html and 'data-depends-param="organization"' in html
    assert "vendor/tom-select/tom-select.complete.min.js" in html and "ui/autocomplete.js" in html
    assert f"{instrument.owner.name}（{instrument.owner.uscc}）" in html


def test_a_new_instrument_form_lists_no_organization_at_all(city_regulator, browser_client, make_organization):
    for _ in range(3):
        make_organization("511902")
    html = browser_client(city_regulator).get("/registry/instruments/new/").content.decode()
    assert _options(html, "owner") == [""] and _options(html, "site") == [""]


def test_organization_choices_match_name_or_code_within_the_callers_county(bazhou_regulator, api_client,
                                                                          make_organization):
    own = make_organization("511902", name="巴州区回风加油站")
    make_organization("511921", name="通江县回风加油站")
    client = api_client(bazhou_regulator)
    assert client.get("/api/v1/choices/organizations", {"q": "回风"}).json() == {
        "items": [{"value": str(own.pk), "text": f"巴州区回风加油站（{own.uscc}）"}], "has_more": False}
    assert [i["value"] for i in client.get("/api/v1/choices/organizations", {"q": own.uscc[:10]}).json()["items"]] \
        == [str(own.pk)]


def test_site_choices_narrow_to_the_chosen_owner_and_page(city_regulator, api_client, make_organization, make_site):
    owner, other = make_organization("511902"), make_organization("511902")
    mine = [make_site(owner, name=f"一号油站{n}") for n in range(3)]
    make_site(other, name="一号油站X")
    client = api_client(city_regulator)
    page = client.get("/api/v1/choices/sites", {"q": "一号", "organization": owner.pk, "limit": 2}).json()
    assert [i["value"] for i in page["items"]] == [str(s.pk) for s in mine[:2]] and page["has_more"]
    assert len(client.get("/api/v1/choices/sites", {"q": "一号"}).json()["items"]) == 4


def test_an_owner_gets_only_its_own_organization_and_sites(make_user, api_client, make_organization, make_site):
    own, other = make_organization("511902"), make_organization("511902")
    make_site(own), make_site(other)
    client = api_client(make_user(Role.OWNER, organization=own))
    assert [i["value"] for i in client.get("/api/v1/choices/organizations").json()["items"]] == [str(own.pk)]
    assert {i["value"] for i in client.get("/api/v1/choices/sites").json()["items"]} \
        == {str(s.pk) for s in own.sites.all()}


def test_a_posted_owner_outside_the_scope_is_refused_as_before(bazhou_regulator, browser_client, make_organization,
                                                               make_site):
    own_site = make_site(make_organization("511902"))
    foreign = make_organization("511921")
    client = browser_client(bazhou_regulator)
    form = client.get("/registry/instruments/new/").context["form"]
    response = client.post("/registry/instruments/new/", posted(
        form, type=InstrumentType.objects.get(code="MI06").pk, serial_no="SN-X1", manufacturer="正星科技",
        owner=foreign.pk, site=own_site.pk, purpose="trade_settlement"))
    assert response.status_code == 200 and "owner" in response.context["form"].errors
    assert not Instrument.objects.filter(serial_no="SN-X1").exists()


def _register(client, form, owner, site, **extra):
    return client.post("/registry/instruments/new/", posted(
        form, type=InstrumentType.objects.get(code="MI06").pk, serial_no="SN-OTHER", manufacturer="正星科技",
        owner=owner.pk, site=site.pk, purpose="trade_settlement", **extra))


def test_registering_at_another_organizations_site_needs_confirmation(city_regulator, browser_client,
                                                                      make_organization, make_site):
    stall_holder, market = make_organization("511902", name="摊主甲"), make_organization("511902", name="回风市场")
    market_site = make_site(market, name="回风农贸市场")
    client = browser_client(city_regulator)
    form = client.get("/registry/instruments/new/").context["form"]

    refused = _register(client, form, stall_holder, market_site)
    errors = refused.context["form"].errors
    assert "由“回风市场”经营" in errors["site"][0] and "请勾选确认" in errors["other_operator_confirmed"][0]
    assert not Instrument.objects.filter(serial_no="SN-OTHER").exists()

    assert _register(client, form, stall_holder, market_site, other_operator_confirmed="on").status_code == 302
    instrument = Instrument.objects.get(serial_no="SN-OTHER")
    assert (instrument.owner, instrument.site) == (stall_holder, market_site)
    event = AuditEvent.objects.get(action="instrument.create", object_id=str(instrument.pk))
    assert event.after["other_operator_confirmed"] is True


def test_the_service_and_the_api_refuse_another_operators_site_unless_confirmed(city_regulator, api_client, registrar,
                                                                                make_organization, make_site):
    owner, operator = make_organization("511902"), make_organization("511902")
    site = make_site(operator)
    with pytest.raises(InvalidInput) as refused:
        services.create_instrument(registrar, type=InstrumentType.objects.get(code="MI06"), serial_no="SN-S1",
                                   manufacturer="正星科技", owner=owner, site=site)
    assert set(refused.value.fields) == {"site", "other_operator_confirmed"}
    body = {"type_code": "MI06", "serial_no": "SN-A1", "manufacturer": "正星科技", "owner_id": owner.pk,
            "site_id": site.pk}
    client = api_client(city_regulator)
    assert client.post("/api/v1/instruments", body, content_type="application/json").status_code == 422
    assert client.post("/api/v1/instruments", {**body, "other_operator_confirmed": True},
                       content_type="application/json").status_code == 201


def test_an_instrument_registered_so_earlier_stays_editable(city_regulator, registrar, make_organization, make_site):
    owner, operator = make_organization("511902"), make_organization("511902")
    instrument = services.create_instrument(
        registrar, type=InstrumentType.objects.get(code="MI06"), serial_no="SN-E1", manufacturer="正星科技",
        owner=owner, site=make_site(operator), other_operator_confirmed=True)
    services.update_instrument(city_regulator, instrument, model="CS-2")
    assert Instrument.objects.get(pk=instrument.pk).model == "CS-2"
