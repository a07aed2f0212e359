from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.concurrency import VersionedForm
from jiliang.accounts.models import Division
from jiliang.registry.models import (
    Instrument,
    InstrumentStatus,
    InstrumentType,
    Organization,
    OrganizationStatus,
    Site,
    SiteKind,
    VerificationMode,
)


def _choices(choices) -> list[tuple[str, str]]:
    return [("", "—")] + list(choices)


def _keep_only(form: forms.Form, editable) -> None:
    if editable is not None:
        for name in list(form.fields):
            if name not in editable and name != "version":
                del form.fields[name]


class DivisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class OrganizationFilterForm(forms.Form):
    division = DivisionChoiceField(label=_("区划"), queryset=Division.objects.none(), required=False, to_field_name="code")
    status = forms.ChoiceField(label=_("状态"), choices=_choices(OrganizationStatus.choices), required=False)
    q = forms.CharField(label=_("名称或代码"), required=False, max_length=64)

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions.exclude(level="township")


class OrganizationForm(VersionedForm, forms.ModelForm):
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
        _keep_only(self, editable)


class SiteFilterForm(forms.Form):
    division = DivisionChoiceField(label=_("区划"), queryset=Division.objects.none(), required=False, to_field_name="code")
    kind = forms.ChoiceField(label=_("场所类型"), choices=_choices(SiteKind.choices), required=False)
    q = forms.CharField(label=_("名称或地址"), required=False, max_length=64)

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions.exclude(level="township")


class SiteForm(VersionedForm, forms.ModelForm):
    organization = forms.ModelChoiceField(label=_("经营单位"), queryset=Organization.objects.none())
    division = DivisionChoiceField(label=_("所在区划"), queryset=Division.objects.none())

    class Meta:
        model = Site
        fields = ["organization", "name", "kind", "division", "address", "latitude", "longitude"]

    def __init__(self, *args, organizations=None, divisions=None, editable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["division"].queryset = divisions
        if self.instance.pk:
            del self.fields["organization"]  # another operator makes it another site
        _keep_only(self, editable)


class InstrumentTypeFilterForm(forms.Form):
    mode = forms.ChoiceField(label=_("检定方式"), choices=_choices(VerificationMode.choices), required=False)
    q = forms.CharField(label=_("名称、编号或规程"), required=False, max_length=64)


class InstrumentTypeForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = InstrumentType
        fields = ["name_zh", "name_en", "category", "regulation", "verification_mode",
                  "verification_interval_months", "period_note", "typical_scope", "mandatory",
                  "catalogue_status", "source", "confidence", "notes"]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in
                   ["regulation", "period_note", "typical_scope", "catalogue_status", "source", "notes"]}


class InstrumentFilterForm(forms.Form):
    division = DivisionChoiceField(label=_("区划"), queryset=Division.objects.none(), required=False, to_field_name="code")
    type = forms.ModelChoiceField(label=_("器具种类"), queryset=InstrumentType.objects.all(), required=False,
                                  to_field_name="code")
    kind = forms.ChoiceField(label=_("场所类型"), choices=_choices(SiteKind.choices), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=_choices(InstrumentStatus.choices), required=False)
    q = forms.CharField(label=_("编号、公开码、单位或场所"), required=False, max_length=64)
    owner = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    site = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions.exclude(level="township")


class InstrumentForm(VersionedForm, forms.ModelForm):
    owner = forms.ModelChoiceField(label=_("使用单位"), queryset=Organization.objects.none())
    site = forms.ModelChoiceField(label=_("安装场所"), queryset=Site.objects.none())

    class Meta:
        model = Instrument
        fields = ["type", "serial_no", "manufacturer", "model", "pattern_approval_no", "accuracy_class",
                  "measuring_range", "owner", "site", "purpose", "install_date"]
        widgets = {"install_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, organizations=None, sites=None, editable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = organizations
        self.fields["site"].queryset = sites
        _keep_only(self, editable)

    def _get_validation_exclusions(self):
        """Leave the (type, manufacturer, serial) constraint to the service, whose conflict names the
        existing instrument's public code."""
        return super()._get_validation_exclusions() | {"serial_no"}


class InstrumentStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("新状态"), choices=InstrumentStatus.choices)
    effective_on = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("原因"), max_length=255, required=False)
