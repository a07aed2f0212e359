from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.models import Division
from jiliang.registry.models import Organization, OrganizationStatus


class DivisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class OrganizationFilterForm(forms.Form):
    division = DivisionChoiceField(label=_("区划"), queryset=Division.objects.none(), required=False, to_field_name="code")
    status = forms.ChoiceField(label=_("状态"), choices=[("", "—")] + list(OrganizationStatus.choices), required=False)
    q = forms.CharField(label=_("名称或代码"), required=False, max_length=64)

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions.exclude(level="township")


class OrganizationForm(forms.ModelForm):
    division = DivisionChoiceField(label=_("所属区划"), queryset=Division.objects.none())

    class Meta:
        model = Organization
        fields = ["uscc", "name", "legal_representative", "contact_name", "contact_phone", "division",
                  "address", "industry", "status"]

    def __init__(self, *args, divisions=None, editable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions
        if self.instance.pk:
            del self.fields["uscc"]  # the code identifies the entity; a new code is a new entity
        if editable is not None:
            for name in list(self.fields):
                if name not in editable:
                    del self.fields[name]
