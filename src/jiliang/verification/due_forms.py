from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.models import Division
from jiliang.registry.models import InstrumentType
from jiliang.ui.widgets import DivisionChoiceField
from jiliang.verification.due import MAX_DUE_DAYS


class NarrowingForm(forms.Form):
    """Division (with its subtree) and catalogue type, the filters of every due list and the statistics."""

    division = DivisionChoiceField(label=_("区划"), queryset=Division.objects.none(), required=False,
                                   to_field_name="code")
    type = forms.ModelChoiceField(label=_("器具种类"), queryset=InstrumentType.objects.all(), required=False,
                                  to_field_name="code")

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions.exclude(level="township")

    def narrowing(self) -> dict:
        """The selectors' keyword arguments; an invalid filter narrows nothing."""
        data = self.cleaned_data if self.is_valid() else {}
        division, instrument_type = data.get("division"), data.get("type")
        return {"division_code": division.code if division else None,
                "type_code": instrument_type.code if instrument_type else None}


class DueSoonForm(NarrowingForm):
    days = forms.IntegerField(label=_("天数内到期"), required=False, min_value=1, max_value=MAX_DUE_DAYS)

    def narrowing(self) -> dict:
        days = self.cleaned_data.get("days") if self.is_valid() else None
        return super().narrowing() | {"within_days": days}
