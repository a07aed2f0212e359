from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from jiliang.concurrency import VersionedForm
from jiliang.accounts.models import Division
from jiliang.registry.codes import normalise_uscc
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
from jiliang.ui.widgets import (
    AutocompleteSelect,
    DateInput,
    DivisionChoiceField,
    MapPicker,
    SearchableChoiceField,
    blank_first,
)

ORGANIZATION_CHOICES = reverse_lazy("api:organization-choices")
SITE_CHOICES = reverse_lazy("api:site-choices")


def _keep_only(form: forms.Form, editable) -> None:
    if editable is not None:
        for name in list(form.fields):
            if name not in editable and name != "version":
                del form.fields[name]


class OrganizationFilterForm(forms.Form):
    division = DivisionChoiceField(label=_("区划"), queryset=Division.objects.none(), required=False, to_field_name="code")
    status = forms.ChoiceField(label=_("状态"), choices=blank_first(OrganizationStatus.choices), required=False)
    q = forms.CharField(label=_("名称或代码"), required=False, max_length=64)

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions.exclude(level="township")


class OrganizationForm(VersionedForm, forms.ModelForm):
    # Longer than the 18 characters stored: the service normalises spaces and full-width input first.
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=40)
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

    def clean_uscc(self) -> str:
        return normalise_uscc(self.cleaned_data["uscc"])


class SiteFilterForm(forms.Form):
    division = DivisionChoiceField(label=_("区划"), queryset=Division.objects.none(), required=False, to_field_name="code")
    kind = forms.ChoiceField(label=_("场所类型"), choices=blank_first(SiteKind.choices), required=False)
    q = forms.CharField(label=_("名称或地址"), required=False, max_length=64)

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions.exclude(level="township")


class SiteForm(VersionedForm, forms.ModelForm):
    organization = SearchableChoiceField(label=_("经营单位"), queryset=Organization.objects.none(),
                                         widget=AutocompleteSelect(ORGANIZATION_CHOICES))
    division = DivisionChoiceField(label=_("所在区划"), queryset=Division.objects.none())

    class Meta:
        model = Site
        fields = ["organization", "name", "kind", "division", "address", "latitude", "longitude"]
        widgets = {"longitude": MapPicker()}

    def __init__(self, *args, organizations=None, divisions=None, editable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["division"].queryset = divisions
        if self.instance.pk:
            del self.fields["organization"]  # another operator makes it another site
        _keep_only(self, editable)


class InstrumentTypeFilterForm(forms.Form):
    mode = forms.ChoiceField(label=_("检定方式"), choices=blank_first(VerificationMode.choices), required=False)
    q = forms.CharField(label=_("名称、编号或规程"), required=False, max_length=64)


class InstrumentTypeForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = InstrumentType
        # The English name, research sources, confidence and notes are the admin's (back office).
        fields = ["name_zh", "category", "regulation", "verification_mode", "verification_interval_months",
                  "period_note", "typical_scope", "mandatory", "catalogue_status"]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in
                   ["regulation", "period_note", "typical_scope", "catalogue_status"]}


class InstrumentFilterForm(forms.Form):
    division = DivisionChoiceField(label=_("区划"), queryset=Division.objects.none(), required=False, to_field_name="code")
    type = forms.ModelChoiceField(label=_("器具种类"), queryset=InstrumentType.objects.all(), required=False,
                                  to_field_name="code")
    kind = forms.ChoiceField(label=_("场所类型"), choices=blank_first(SiteKind.choices), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=blank_first(InstrumentStatus.choices), required=False)
    q = forms.CharField(label=_("编号、公开码、单位或场所"), required=False, max_length=64)
    owner = forms.IntegerField(label=_("使用单位"), required=False, min_value=1, widget=forms.HiddenInput)
    site = forms.IntegerField(label=_("安装场所"), required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions.exclude(level="township")


class InstrumentForm(VersionedForm, forms.ModelForm):
    owner = SearchableChoiceField(label=_("使用单位"), queryset=Organization.objects.none(),
                                  widget=AutocompleteSelect(ORGANIZATION_CHOICES))
    site = SearchableChoiceField(label=_("安装场所"), queryset=Site.objects.none(),
                                 widget=AutocompleteSelect(SITE_CHOICES, depends_on="owner", param="organization"))
    other_operator_confirmed = forms.BooleanField(
        label=_("确认安装在其他单位经营的场所"), required=False,
        help_text=_("场所的经营单位不是使用单位时(如集贸市场摊位、租赁设备)须勾选。"))

    class Meta:
        model = Instrument
        fields = ["type", "serial_no", "manufacturer", "model", "pattern_approval_no", "accuracy_class",
                  "measuring_range", "owner", "site", "other_operator_confirmed", "purpose", "install_date"]
        widgets = {"install_date": DateInput}

    def __init__(self, *args, organizations=None, sites=None, editable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = organizations
        self.fields["site"].queryset = sites
        _keep_only(self, editable)  # an owner picks among its own sites: nothing to confirm

    def _get_validation_exclusions(self):
        """Leave the (type, manufacturer, serial) constraint to the service, whose conflict names the
        existing instrument's public code."""
        return super()._get_validation_exclusions() | {"serial_no"}


class InstrumentStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("新状态"), choices=InstrumentStatus.choices)
    effective_on = forms.DateField(label=_("生效日期"), widget=DateInput)
    reason = forms.CharField(label=_("原因"), max_length=255, required=False)
