from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.monitoring.models import AlertState, DeviceKind, Severity
from jiliang.ui.widgets import DateInput, DateTimeInput, DivisionChoiceField, blank_first
from jiliang.verification.models import Institution
from jiliang.monitoring.rules.registry import RULES


class AlertFilterForm(forms.Form):
    division = DivisionChoiceField(label=_("区划"), queryset=None, required=False, to_field_name="code")
    state = forms.ChoiceField(label=_("状态"), choices=blank_first(AlertState.choices), required=False)
    severity = forms.ChoiceField(label=_("级别"), choices=blank_first(Severity.choices), required=False)
    rule = forms.ChoiceField(label=_("规则"), required=False,
                             choices=blank_first((code, f"{code} {spec.description_zh}") for code, spec in RULES.items()))
    active = forms.ChoiceField(label=_("持续中"), required=False,
                               choices=[("", "—"), ("1", _("是")), ("0", _("否"))])
    mine = forms.BooleanField(label=_("只看指派给我的"), required=False)

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions.exclude(level="township")


class DeviceFilterForm(forms.Form):
    division = DivisionChoiceField(label=_("区划"), queryset=None, required=False, to_field_name="code")
    kind = forms.ChoiceField(label=_("设备类型"), choices=blank_first(DeviceKind.choices), required=False)
    q = forms.CharField(label=_("编号或名称"), required=False, max_length=64)

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions.exclude(level="township")


class TransitionForm(forms.Form):
    state = forms.ChoiceField(label=_("处置"), choices=AlertState.choices)
    note = forms.CharField(label=_("说明"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name or obj.username}（{obj.division.name if obj.division_id else '—'}）"


class AssignForm(forms.Form):
    prefix = "assign"  # three follow-up forms share the alert page: their fields need distinct ids
    assignee = PersonChoiceField(label=_("承办人"), queryset=None, required=False)
    due_at = forms.DateTimeField(label=_("办理期限"), required=False, widget=DateTimeInput())
    note = forms.CharField(label=_("交办意见"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people.select_related("division")


class NoteForm(forms.Form):
    prefix = "note"
    note = forms.CharField(label=_("备注"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class VerificationRequestForm(forms.Form):
    prefix = "request"
    institution = forms.ModelChoiceField(label=_("检定机构"), queryset=Institution.objects.order_by("name"),
                                         required=False)
    preferred_date = forms.DateField(label=_("希望检定日期"), required=False, widget=DateInput())
    note = forms.CharField(label=_("报检附言"), required=False, max_length=300)
