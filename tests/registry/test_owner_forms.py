"""The registration forms an owner opens start with the owner's own organization chosen, and every
app's division filter names a division the same way (the shared field of ui/widgets.py)."""

import pytest
from django import forms

from jiliang.accounts.models import Division, Role
from jiliang.monitoring.forms import AlertFilterForm, DeviceFilterForm
from jiliang.registry.forms import InstrumentFilterForm, OrganizationFilterForm, SiteFilterForm


@pytest.mark.parametrize("url, field", [("/registry/sites/new/", "organization"),
                                        ("/registry/instruments/new/", "owner")])
def test_an_owner_registers_for_its_own_organization_without_choosing_it(url, field, make_user, make_organization,
                                                                          browser_client):
    own = make_organization("511902", name="自家加油站有限公司")
    make_organization("511902", name="别家加油站有限公司")
    response = browser_client(make_user(Role.OWNER, organization=own)).get(url)
    assert response.status_code == 200
    assert response.context["form"][field].value() == own.pk
    page = response.content.decode()
    assert f'<option value="{own.pk}" selected>' in page and "别家加油站有限公司" not in page


@pytest.mark.parametrize("url, field", [("/registry/sites/new/", "organization"),
                                        ("/registry/instruments/new/", "owner")])
def test_a_regulator_chooses_the_organization_himself(url, field, bazhou_regulator, make_organization, browser_client):
    organization = make_organization("511902")
    response = browser_client(bazhou_regulator).get(url)
    assert response.context["form"][field].value() is None
    assert f'<option value="{organization.pk}" selected>' not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", [OrganizationFilterForm, SiteFilterForm, InstrumentFilterForm, AlertFilterForm,
                                        DeviceFilterForm])
def test_every_division_filter_names_a_division_with_its_code_after_a_blank_choice(form_class):
    form = form_class(divisions=Division.objects.filter(code__in=["511902", "511921"]))
    assert [label for _value, label in form.fields["division"].choices] == ["---------", "巴州区 (511902)",
                                                                           "通江县 (511921)"]
    filters = [field.choices for field in form.fields.values() if type(field) is forms.ChoiceField]
    assert filters and all(options[0] == ("", "—") for options in filters)
