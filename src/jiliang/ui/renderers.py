"""The form renderer: Django's, with the <select> written in Python.

Django renders a <select> through a template include per option; a county or instrument-type
select of a few hundred options then costs more than the rest of the page (the statistics page
spent 40 % of its CPU there, docs/dashboard.md). The HTML written here is byte for byte what
Django's templates give (tests/ui/test_select_renderer.py compares them); anything unusual (a custom
option template, a label that is not text and would be localized) goes to Django's templates."""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    return "".join(f" {escape(name)}" if value is True else f' {escape(name)}="{escape(str(value))}"'
                   for name, value in attrs.items() if value is not False)


def _plain(optgroups) -> bool:
    return all((group_name is None or isinstance(group_name, str))
               and all(option["template_name"] == OPTION and isinstance(option["label"], str) for option in options)
               for group_name, options, _ in optgroups)


def select_html(widget: dict) -> str:
    parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            # Django's option template ends with a newline, so its options are a blank line apart.
            parts.append(f'\n  <option value="{escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                         f'{conditional_escape(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name == SELECT and widget is not None and _plain(widget["optgroups"]):
            return select_html(widget)
        return super().render(template_name, context, request)
