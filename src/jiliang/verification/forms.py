from decimal import Decimal

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.models import Division, User
from jiliang.concurrency import VersionedForm
from jiliang.registry.models import InstrumentType
from jiliang.ui.widgets import AutocompleteSelect, DateInput, DivisionChoiceField, SearchableChoiceField, blank_first
from jiliang.verification import mpe_words
from jiliang.verification.models import (
    CalibrationResult,
    CertificateKind,
    CertificateStatus,
    DecisionRule,
    Institution,
    MeasurementStandard,
    MpeRule,
    QualificationKind,
    RequestStatus,
    VerificationKind,
)


class TypeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name_zh}"


class InstitutionForm(VersionedForm, forms.ModelForm):
    division = DivisionChoiceField(label=_("所在区划"), queryset=Division.objects.all(), required=False,
                                   help_text=_("省外机构(如国家计量院)留空。"))

    class Meta:
        model = Institution
        fields = ["name", "kind", "uscc", "division", "address", "certificate_prefix"]


class AuthorisationForm(forms.Form):
    authorisation_no = forms.CharField(label=_("授权证书编号"), max_length=64)
    issued_by = forms.CharField(label=_("授权机关"), max_length=128, required=False)
    instrument_types = TypeChoiceField(label=_("授权器具种类"), queryset=InstrumentType.objects.all())
    divisions = forms.ModelMultipleChoiceField(label=_("授权区域"), queryset=Division.objects.exclude(level="township"))
    valid_from = forms.DateField(label=_("有效期自"), widget=DateInput)
    valid_until = forms.DateField(label=_("有效期至"), widget=DateInput)


class QualificationForm(forms.Form):
    user = forms.ModelChoiceField(label=_("人员"), queryset=User.objects.none())
    instrument_type = forms.ModelChoiceField(label=_("器具种类"), queryset=InstrumentType.objects.all())
    kind = forms.ChoiceField(label=_("资格类别"), choices=QualificationKind.choices)
    certificate_no = forms.CharField(label=_("资格证书编号"), max_length=64, required=False)
    valid_from = forms.DateField(label=_("有效期自"), widget=DateInput)
    valid_until = forms.DateField(label=_("有效期至"), widget=DateInput)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff


class StandardForm(VersionedForm, forms.ModelForm):
    instrument_types = TypeChoiceField(label=_("可检器具种类"), queryset=InstrumentType.objects.all(), required=False)

    class Meta:
        model = MeasurementStandard
        fields = ["name", "approval_no", "approval_valid_until", "instrument_types", "measuring_range", "accuracy",
                  "is_public", "in_service"]
        widgets = {"approval_valid_until": DateInput}


class CalibrationForm(forms.Form):
    calibrating_institution = forms.ModelChoiceField(label=_("校准机构"), queryset=Institution.objects.all())
    reference_standard = SearchableChoiceField(
        label=_("上级计量标准"), queryset=MeasurementStandard.objects.select_related("institution"), required=False,
        widget=AutocompleteSelect(reverse_lazy("api:standard-choices")))
    certificate_no = forms.CharField(label=_("校准证书编号"), max_length=64)
    calibrated_on = forms.DateField(label=_("校准日期"), widget=DateInput)
    valid_until = forms.DateField(label=_("有效期至"), widget=DateInput)
    result = forms.ChoiceField(label=_("校准结论"), choices=CalibrationResult.choices)
    uncertainty = forms.CharField(label=_("测量不确定度"), max_length=128, required=False)
    notes = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)


class MpeRuleForm(VersionedForm, forms.ModelForm):
    instrument_types = TypeChoiceField(label=_("适用器具种类"), queryset=InstrumentType.objects.all())

    class Meta:
        model = MpeRule
        # ``applies_to`` keeps the researched wording; ``verification_kind`` is what decides.
        fields = ["instrument_types", "regulation", "clause", "accuracy_class", "verification_kind", "quantity",
                  "condition", "error_basis", "lower", "upper", "unit", "source", "confidence", "notes", "active"]
        widgets = {"source": forms.Textarea(attrs={"rows": 2}), "notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"unit": _("误差的单位：相对误差填 % 或 ‰，检定分度值填 e，绝对误差填量的单位(如 s、min、kPa、mL)。"),
                      "source": _("核实所依据的文本(规程原文、公告等)；未经核实的数值请在可信度中注明“待核实默认值”。")}


class MpeRuleFilterForm(forms.Form):
    type = forms.ModelChoiceField(label=_("器具种类"), queryset=InstrumentType.objects.all(), required=False,
                                  to_field_name="code")


def _codes(text: str) -> list[str]:
    return [code for code in text.replace(",", " ").split() if code]


class BulkRequestForm(forms.Form):
    """A request for instruments ticked on a list (they travel as ``ids``)."""

    institution = forms.ModelChoiceField(label=_("检定机构"), queryset=Institution.objects.all())
    preferred_date = forms.DateField(label=_("希望检定日期"), widget=DateInput, required=False)
    note = forms.CharField(label=_("报检说明"), max_length=500, required=False)


class RequestForm(BulkRequestForm):
    field_order = ["institution", "instrument_codes", "preferred_date", "note"]
    instrument_codes = forms.CharField(
        label=_("报检器具公开码"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000,
        help_text=_("每行一个公开码，或以空格、逗号分隔。"),
    )

    def clean_instrument_codes(self) -> list[str]:
        codes = _codes(self.cleaned_data["instrument_codes"])
        if len(codes) > 200:
            raise forms.ValidationError(_("一次最多报检 200 台器具。"))
        return codes


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=blank_first(RequestStatus.choices), required=False)


class AcceptForm(forms.Form):
    scheduled_for = forms.DateField(label=_("安排检定日期"), widget=DateInput)
    response = forms.CharField(label=_("机构答复"), max_length=500, required=False)


class RejectForm(forms.Form):
    response = forms.CharField(label=_("不予受理原因"), max_length=500)


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("确认执行此操作"))


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("复核意见"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


Measured = {"max_digits": 20, "decimal_places": 6, "min_value": -(Decimal(10) ** 12), "max_value": Decimal(10) ** 12}


class RuleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        types = "、".join(t.code for t in obj.instrument_types.all())
        grade = _("%(cls)s级") % {"cls": obj.accuracy_class} if obj.accuracy_class else ""
        return " ".join(part for part in (obj.key, types, mpe_words.quantity_zh(obj.quantity), grade,
                                          str(obj.get_verification_kind_display())) if part)


class PointForm(forms.Form):
    """One test point (one row of the record form's table): its rule, the reference (nominal) and
    indicated values or the error read directly, U with k, and the unit the values are in."""

    mpe_rule = RuleChoiceField(label=_("允许误差规则"), to_field_name="key", required=False,
                               queryset=MpeRule.objects.filter(active=True).prefetch_related("instrument_types"),
                               empty_label=_("— 校准(不判定) —"))
    nominal = forms.DecimalField(label=_("标准值"), required=False, **Measured)
    indicated = forms.DecimalField(label=_("示值"), required=False, **Measured)
    error = forms.DecimalField(label=_("误差"), required=False, **Measured)
    expanded_uncertainty = forms.DecimalField(label=_("扩展不确定度 U"), min_value=0, max_digits=20,
                                              decimal_places=6, max_value=Decimal(10) ** 12)
    coverage_factor = forms.DecimalField(label=_("包含因子 k"), initial=Decimal("2"), min_value=Decimal("0.01"),
                                         max_value=10, max_digits=4, decimal_places=2)
    unit = forms.CharField(label=_("单位"), max_length=16, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # the table's header is the visible label of each cell
            field.widget.attrs["aria-label"] = field.label
            field.help_text = ""

    def clean(self):
        data = super().clean()
        if data.get("error") is None and (data.get("nominal") is None or data.get("indicated") is None):
            self.add_error("error", _("请填写标准值和示值，或直接填写误差。"))
        return data


PointFormSet = forms.formset_factory(PointForm, extra=0, min_num=1, validate_min=True, max_num=200,
                                     validate_max=True)


def rule_bounds() -> dict[str, dict]:
    """What the record form's script needs to show a verdict per row as it is typed: each active
    rule's bounds, error basis and unit (the server decides again on save)."""
    return {rule.key: {"lower": str(rule.lower), "upper": str(rule.upper), "basis": rule.error_basis,
                       "unit": rule.unit}
            for rule in MpeRule.objects.filter(active=True, lower__isnull=False)}


class VerificationForm(forms.Form):
    instrument_code = forms.CharField(label=_("器具公开码"), max_length=32)
    kind = forms.ChoiceField(label=_("检定类别"), choices=VerificationKind.choices, initial=VerificationKind.PERIODIC)
    performed_on = forms.DateField(label=_("检定日期"), widget=DateInput)
    verifier = forms.ModelChoiceField(label=_("检定员"), queryset=User.objects.none())
    checker = forms.ModelChoiceField(label=_("核验员"), queryset=User.objects.none())
    standards = forms.ModelMultipleChoiceField(label=_("使用的计量标准"), queryset=MeasurementStandard.objects.none())
    decision_rule = forms.ChoiceField(label=_("判定规则"), choices=DecisionRule.choices,
                                      initial=DecisionRule.SIMPLE_ACCEPTANCE)
    accuracy_class = forms.CharField(label=_("准确度等级"), max_length=16, required=False)
    scale_interval = forms.DecimalField(label=_("检定分度值 e"), max_digits=20, decimal_places=6, min_value=Decimal(
        "0.000001"), max_value=Decimal(10) ** 12, required=False)
    k_factor = forms.DecimalField(label=_("脉冲当量 K（脉冲/升）"), max_digits=12, decimal_places=4,
                                  min_value=Decimal("0.0001"), max_value=Decimal(10) ** 8 - 1, required=False,
                                  help_text=_("加油机检定时确认的脉冲当量；其他器具留空。"))
    temperature_c = forms.DecimalField(label=_("环境温度(℃)"), max_digits=5, decimal_places=1, min_value=-100,
                                       max_value=200, required=False)
    humidity_pct = forms.DecimalField(label=_("相对湿度(%)"), max_digits=4, decimal_places=1, min_value=0,
                                      max_value=100, required=False)
    environment_note = forms.CharField(label=_("其他环境条件"), max_length=255, required=False)
    remarks = forms.CharField(label=_("备注"), max_length=500, required=False)

    def __init__(self, *args, staff=None, standards=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["verifier"].queryset = staff
        self.fields["checker"].queryset = staff
        self.fields["standards"].queryset = standards


class CorrectionForm(VerificationForm):
    reason = forms.CharField(label=_("更正原因"), max_length=500)


class CertificateFilterForm(forms.Form):
    number = forms.CharField(label=_("证书编号"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("证书类别"), choices=blank_first(CertificateKind.choices), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=blank_first(CertificateStatus.choices), required=False)


class InstitutionFilterForm(forms.Form):
    q = forms.CharField(label=_("名称"), max_length=64, required=False)


class ChainForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput, required=False)
