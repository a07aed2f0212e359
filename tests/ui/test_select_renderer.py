"""The <select> written in Python (ui/renderers.py) is byte for byte Django's template rendering."""

from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.ui.renderers import FormRenderer

text = st.text(alphabet=st.sampled_from(list("ab 巴中<>&\"'") + ["\u00e9"]), max_size=6)
option = st.tuples(text, text)
group = st.tuples(text.filter(bool), st.lists(option, min_size=1, max_size=3))
choices = st.lists(st.one_of(option, group), max_size=6)


def _both(widget: forms.Widget, value, attrs: dict) -> tuple[str, str]:
    return (widget.render("field", value, attrs, DjangoTemplates()),
            widget.render("field", value, attrs, FormRenderer()))


@settings(max_examples=150, deadline=None)
@given(choices=choices, value=st.one_of(text, st.lists(text, max_size=3)), multiple=st.booleans(),
       attrs=st.dictionaries(st.sampled_from(["id", "class", "aria-invalid", "required", "disabled"]),
                             st.one_of(text, st.booleans()), max_size=4))
def test_the_select_is_djangos_own(choices, value, multiple, attrs):
    widget = forms.SelectMultiple(choices=choices) if multiple else forms.Select(choices=choices)
    django_html, ours = _both(widget, value, attrs)
    assert ours == django_html


def test_an_unusual_option_goes_to_djangos_templates():
    """A label that is not text (Django localizes it) or a custom option template: Django renders it."""
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/radio_option.html"

    for widget in (forms.Select(choices=[(1000, 1000)]), Custom(choices=[("a", "A")]),
                   forms.Select(choices=[("a", mark_safe("<b>A</b>"))])):
        django_html, ours = _both(widget, None, {})
        assert ours == django_html


def test_the_project_renders_forms_with_it():
    assert isinstance(forms.Form().renderer or get_default_renderer(), FormRenderer)
