"""The edit pages: a valid change is saved through the service and leads to the detail page; a
refused one comes back on the form's field and writes nothing."""

import pytest

from jiliang.registry.models import Instrument, InstrumentType, Organization, Site


def posted(form, **changes) -> dict:
    """The form's current values as a browser posts them, with ``changes``."""
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    return {**data, **changes}


@pytest.mark.parametrize("what", ["organization", "site", "instrument", "instrument-type"])
def test_an_edit_page_saves_the_change_and_shows_the_record(what, city_regulator, browser_client, make_organization,
                                                             make_site, make_instrument):
    organization = make_organization("511902")
    site = make_site(organization, name="一号站")
    instrument = make_instrument(site=site)
    url, field, value, reread = {
        "organization": (f"/registry/organizations/{organization.pk}/", "name", "改名后的单位",
                         lambda: Organization.objects.get(pk=organization.pk).name),
        "site": (f"/registry/sites/{site.pk}/", "name", "二号站", lambda: Site.objects.get(pk=site.pk).name),
        "instrument": (f"/registry/instruments/{instrument.pk}/", "model", "CS-99",
                       lambda: Instrument.objects.get(pk=instrument.pk).model),
        "instrument-type": ("/registry/instrument-types/MI06/", "typical_scope", "贸易结算(加油站)",
                            lambda: InstrumentType.objects.get(code="MI06").typical_scope),
    }[what]
    client = browser_client(city_regulator)
    form = client.get(url + "edit/").context["form"]
    response = client.post(url + "edit/", posted(form, **{field: value}))
    assert response.status_code == 302 and response["Location"] == url
    assert reread() == value


def test_a_refused_edit_comes_back_on_the_field_and_writes_nothing(city_regulator, browser_client, make_organization,
                                                                   make_site):
    organization = make_organization("511902")
    make_site(organization, name="一号站")
    second = make_site(organization, name="二号站")
    client = browser_client(city_regulator)
    url = f"/registry/sites/{second.pk}/edit/"
    response = client.post(url, posted(client.get(url).context["form"], name="一号站"))
    assert response.status_code == 200 and response.context["form"].errors
    assert Site.objects.get(pk=second.pk).name == "二号站"


def test_a_code_typed_in_full_width_with_spaces_registers_the_organization(city_regulator, browser_client):
    client = browser_client(city_regulator)
    form = client.get("/registry/organizations/new/").context["form"]
    typed = "９１５１１９０２ＭＡ６Ａ　１Ｂ２Ｃ３Ｂ"  # as a Chinese input method types it, with a wide space
    response = client.post("/registry/organizations/new/",
                           posted(form, uscc=typed, name="全角测试单位", division=form.fields["division"].queryset
                                  .get(code="511902").pk, status="active"))
    assert response.status_code == 302, response.context["form"].errors
    assert Organization.objects.get(name="全角测试单位").uscc == "91511902MA6A1B2C3B"


def test_an_empty_code_through_the_api_is_answered_in_chinese(city_regulator, api_client):
    response = api_client(city_regulator).post("/api/v1/organizations", {
        "uscc": "", "name": "无代码单位", "division_code": "511902"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["fields"]["uscc"] == ["请填写统一社会信用代码(18 位)"]
