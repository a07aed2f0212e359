"""Template tags every page reuses: {% load jiliang_ui %}.

- ``{% icon "bell" %}``: an icon of the vendored Tabler sprite (decorative, hidden from screen readers).
- ``{% status_tag code label %}``: a coloured tag with its word (ui/status.py picks the colour).
- ``{{ value|beijing }}``: a datetime as ``YYYY-MM-DD HH:mm`` Beijing time, a date as ``YYYY-MM-DD``.
- ``{{ value|number }}`` / ``{{ value|number:1 }}``: thousands separators, optional decimals.
- ``{{ value|cell }}``: what a table cell shows for any value (the three above, "—" for nothing).
- ``{{ field|widget }}``: a bound form field's widget with the Tabler class for its kind and the
  aria attributes for its error; ``{% include "ui/includes/field.html" %}`` renders the whole field.
"""

import datetime
import decimal
import functools
from zoneinfo import ZoneInfo

from django import forms, template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html

from jiliang.ui import status

register = template.Library()
BEIJING = ZoneInfo("Asia/Shanghai")
EMPTY = "—"


@register.simple_tag
@functools.lru_cache(maxsize=1024)
def icon(name: str, css: str = "") -> str:
    # Kept per (name, css): a signed-in page draws some forty icons, and resolving the sprite's static
    # URL for each was a tenth of the page's CPU. Static URLs do not change while the process runs.
    return format_html('<svg class="icon {}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
                       css, static("vendor/tabler-icons/sprite.svg"), name)


@register.simple_tag
def status_tag(code, label=None) -> str:
    word = code if label is None else label
    return format_html('<span class="status-tag tone-{}">{}</span>', status.tone(code, word), word)


@register.filter
def beijing(value) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(BEIJING)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


@register.filter
def number(value, decimals=None) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool) or not isinstance(value, int | float | decimal.Decimal):
        return str(value)
    if decimals is None:
        return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,.{int(decimals)}f}"


@register.filter
def cell(value) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime.date):
        return beijing(value)
    if isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        return number(value)
    return value


def _widget_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.filter
def widget(field: forms.BoundField) -> str:
    css = _widget_class(field.field.widget)
    attrs = {"class": f"{field.field.widget.attrs.get('class', '')} {css}".strip()}
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_choice_list(field: forms.BoundField) -> bool:
    """Radio buttons or checkboxes, one per choice: rendered as a fieldset of Tabler form-checks."""
    return isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
