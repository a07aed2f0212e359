"""Finding 9: names refuse bidirectional controls and zero-width characters, with a Chinese message."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiliang.accounts.models import Role, User
from jiliang.accounts.names import HIDDEN_CHARACTERS, hidden_characters
from jiliang.errors import InvalidInput
from jiliang.registry import services as registry_services
from jiliang.registry.models import Organization

RLO, ZWSP, RLM = "\u202e", "\u200b", "\u200f"


@pytest.mark.parametrize(("field", "value"), [("username", f"zhang{RLO}san"), ("display_name", f"张{ZWSP}三")])
def test_user_names_with_hidden_characters_are_refused(make_user, field, value):
    names = {"username": "zhangsan", "display_name": "张三", field: value}
    with pytest.raises(InvalidInput) as refused:
        make_user(Role.COUNTY_REGULATOR, division="511902", **names)
    assert "不可见字符" in refused.value.fields[field][0]
    assert not User.objects.filter(display_name__startswith="张").exists()


def test_an_organization_name_with_a_direction_mark_is_refused(bazhou_regulator, division):
    with pytest.raises(InvalidInput) as refused:
        registry_services.create_organization(bazhou_regulator, uscc="91511902MA6A1B2C3B",
                                              name=f"巴州{RLM}加油站", division=division("511902"))
    assert "U+200F" in refused.value.fields["name"][0]
    assert not Organization.objects.filter(uscc="91511902MA6A1B2C3B").exists()


def test_the_admin_form_refuses_a_hidden_character_in_a_display_name(client, django_user_model, bazhou_regulator):
    client.force_login(django_user_model.objects.create_superuser("root", password="Root-Passw0rd!"))
    response = client.post(f"/admin/accounts/user/{bazhou_regulator.pk}/change/", {
        "username": bazhou_regulator.username, "display_name": f"巴州{RLO}局", "role": Role.COUNTY_REGULATOR,
        "division": bazhou_regulator.division_id, "is_active": "on", "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00"})
    assert response.status_code == 200 and "不可见字符" in response.content.decode()


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="".join(map(chr, HIDDEN_CHARACTERS)))))
def test_text_without_hidden_characters_passes(text):
    assert hidden_characters(text) == []


@given(st.text(), st.sampled_from(sorted(HIDDEN_CHARACTERS)), st.text())
def test_any_hidden_character_is_named(before, hidden, after):
    assert f"U+{hidden:04X}" in hidden_characters(before + chr(hidden) + after)
