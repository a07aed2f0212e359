from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.credit.models import Grade, ObjectionState
from jiliang.ui.widgets import DivisionChoiceField, blank_first


class GradeFilterForm(forms.Form):
    division = DivisionChoiceField(label=_("区划"), queryset=None, required=False, to_field_name="code")
    grade = forms.ChoiceField(label=_("信用等级"), choices=blank_first(Grade.choices), required=False)
    q = forms.CharField(label=_("单位名称或信用代码"), required=False, max_length=64)

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions.exclude(level="township")


class ObjectionFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), choices=blank_first(ObjectionState.choices), required=False)


class ObjectionForm(forms.Form):
    reason = forms.CharField(label=_("异议理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


class DecisionForm(forms.Form):
    accept = forms.ChoiceField(label=_("处理结果"), widget=forms.RadioSelect,
                               choices=[("1", _("采纳异议（撤销该记录）")), ("0", _("驳回异议"))])
    decision = forms.CharField(label=_("处理意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                               max_length=2000, help_text=_("驳回时必须填写理由。"))


class WeightForm(forms.Form):
    # Text, not number fields: the service names a value that is not a number, as the API does.
    points = forms.CharField(label=_("分值"), max_length=16, help_text=_("正数加分，负数扣分，-100 至 100。"))
    half_life_days = forms.CharField(label=_("半衰期（天）"), max_length=8, required=False,
                                     help_text=_("每过这么多天影响减半；留空表示不衰减。"))
    cap = forms.CharField(label=_("累计上限（分）"), max_length=8, required=False,
                          help_text=_("同类记录合计最多加或扣这么多分；留空表示不设上限。"))
    note = forms.CharField(label=_("修改说明"), max_length=255, required=False)
