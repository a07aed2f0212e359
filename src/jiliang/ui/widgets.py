"""Form widgets and choice fields every app shares.

The browser's date and datetime-local inputs accept only ISO values (``2028-12-05``,
``2028-12-05T09:30``). Django's default widgets render a date in the active locale's first input
format (``2028/12/05`` for zh-hans), which the browser rejects and shows empty: a form posted back
unchanged then erases the date. These widgets always render ISO, whatever the locale.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_MINUTES = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """A datetime-local input; ``forms.DateTimeField`` hands it the value already in the current time
    zone (Beijing time), and parses the posted ISO value back in that zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATETIME_MINUTES)


class AutocompleteSelect(forms.Select):
    """A select that renders only its selected option and fetches matches while the user types.

    A list of two thousand organizations is a 200 KB page and no way to find one; this widget asks
    ``url`` (an autocomplete endpoint answering ``{items: [{value, text}], has_more}`` from a scoped
    queryset) with ``?q=``. ``depends_on`` names another field of the form whose value narrows the
    matches (``?<param>=<value>``, e.g. the sites of the chosen owner) and whose change clears this
    one. Without JavaScript the select still shows and posts its current value; the field validates
    against its queryset as any select does. The script is ``ui/autocomplete.js`` on Tom Select.
    """

    # The widget brings its own stylesheet and scripts, so any page that renders it (a form, a
    # filter bar) works without rendering {{ form.media }}; a second searchable field on the page
    # loads them from the cache and autocomplete.js enhances each select once.
    template_name = "ui/widgets/autocomplete_select.html"

    def __init__(self, url, *, depends_on: str | None = None, param: str | None = None, attrs=None):
        super().__init__({"class": "form-select", **(attrs or {})})  # Tom Select's Bootstrap 5 theme keys on it
        self.url, self.depends_on, self.param = url, depends_on, param or depends_on

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        extra = {"data-autocomplete": str(self.url), "data-placeholder": _("输入名称或代码搜索"),
                 "data-no-results": _("没有匹配的选项"), "data-loading": _("正在查找…")}
        if self.depends_on:
            extra |= {"data-depends-on": self.depends_on, "data-depends-param": self.param}
        context["widget"]["attrs"] |= extra
        return context

    def optgroups(self, name, value, attrs=None):
        every = self.choices
        self.choices = list(self._selected_choices(every, value))
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = every

    @staticmethod
    def _selected_choices(choices, value):
        """The empty choice and the selected ones, without reading the whole queryset."""
        wanted = {str(v) for v in value if v not in (None, "")}
        queryset = getattr(choices, "queryset", None)
        if queryset is None:  # plain choices
            yield from (choice for choice in choices if choice[0] in ("", None) or str(choice[0]) in wanted)
            return
        field = choices.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        key = field.to_field_name or "pk"
        try:
            rows = list(queryset.filter(**{f"{key}__in": wanted})) if wanted else []
        except (ValueError, TypeError, ValidationError):  # a tampered value: nothing to show selected
            rows = []
        yield from (choices.choice(row) for row in rows)


def blank_first(choices) -> list[tuple[str, str]]:
    """A filter's choices after an empty "—" one: the filter is optional."""
    return [("", "—"), *choices]


class DivisionChoiceField(forms.ModelChoiceField):
    """A division named as people write it, with its code: 巴州区 (511902)."""

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class SearchableChoiceField(forms.ModelChoiceField):
    """A model choice named by the model's ``choice_label()``, the label its autocomplete endpoint
    answers too, so the option rendered server-side reads like the ones fetched."""

    def label_from_instance(self, obj):
        return obj.choice_label()


class MapPicker(forms.NumberInput):
    """The longitude input with a map of Bazhong's counties under it: a click on the map fills this
    field and ``latitude_field`` (both stay plain inputs, usable without JavaScript or the map).
    The script is ``ui/map_picker.js`` on the vendored ECharts, the boundaries the dashboard's API."""

    template_name = "ui/widgets/map_picker.html"

    def __init__(self, *, latitude_field: str = "latitude", attrs=None):
        super().__init__(attrs)
        self.latitude_field = latitude_field

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["map"] = {"boundaries": reverse("api:dashboard-boundaries"), "latitude": f"id_{self.latitude_field}",
                          "label": _("在地图上点击场所位置，自动填写经纬度")}
        return context
