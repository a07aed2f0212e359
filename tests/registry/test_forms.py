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
        "instrument-type": ("/registry/instrument-types/MI06/", "name_en", "Fuel dispenser (edited)",
                            lambda: InstrumentType.objects.get(code="MI06").name_en),
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
