"""Forms of the supervision pages: a plan, the inspector's record, evidence, an alert's task."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.registry.forms import ORGANIZATION_CHOICES
from jiliang.registry.models import Organization, SiteKind
from jiliang.supervision import draw as draws
from jiliang.supervision import reference
from jiliang.supervision.models import FindingKind, TaskResult, TaskStatus
from jiliang.ui.widgets import AutocompleteSelect, DateInput, SearchableChoiceField

FINDING_ROWS = 3


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person):
        return f"{person.display_name or person.username}（{person.division.name if person.division else ''}）"


class PlanForm(forms.Form):
    name = forms.CharField(label=_("计划名称"), max_length=128)
    division = forms.ModelChoiceField(label=_("抽查区划"), queryset=None, empty_label=None)
    site_kinds = forms.MultipleChoiceField(label=_("场所类型"), choices=SiteKind.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text=_("不选表示全部类型。"))
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput())
    draw_count = forms.IntegerField(label=_("抽取家数"), min_value=1, required=False)
    draw_percent = forms.IntegerField(label=_("抽取比例(%)"), min_value=1, max_value=100, required=False,
                                      help_text=_("抽取家数与抽取比例填写其中一项。"))
    inspectors = PeopleField(label=_("执法检查人员名录"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, divisions, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions
        self.fields["inspectors"].queryset = people
        ratios = reference.default_grade_ratios()
        for grade in draws.GRADES:
            self.fields[f"grade_{grade}"] = forms.IntegerField(
                label=_("%(grade)s类权重(%%)") % {"grade": grade}, min_value=0, max_value=100,
                initial=ratios[grade])
        self.fields["grade_D"].help_text = _("四个等级合计须为100%；默认值可修改，修改记入审计日志。")
        self.fields["alert_weight"] = forms.IntegerField(
            label=_("每条在办预警加权(%)"), min_value=0, initial=reference.default_value("alert_weight"))
        self.fields["alert_cap"] = forms.IntegerField(
            label=_("预警加权上限(条)"), min_value=0, initial=reference.default_value("alert_cap"))

    def grade_ratios(self) -> dict[str, int]:
        return {grade: self.cleaned_data[f"grade_{grade}"] for grade in draws.GRADES}


ANSWERS = [("yes", _("符合")), ("no", _("不符合")), ("na", _("不适用"))]


class TaskForm(forms.Form):
    """The inspector's record: one radio group per checklist item, up to three findings, the result."""

    inspected_on = forms.DateField(label=_("检查日期"), widget=DateInput())
    result = forms.ChoiceField(label=_("检查结果"), choices=TaskResult.choices, widget=forms.RadioSelect)
    rectify_by = forms.DateField(label=_("整改期限"), widget=DateInput(), required=False,
                                 help_text=_("责令限期整改时必填。"))
    summary = forms.CharField(label=_("检查情况"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=2000)
    late_reason = forms.CharField(label=_("逾期立案理由"), max_length=255, required=False,
                                  help_text=_("移送立案时，自发现问题起已超过15个工作日立案期限的，须写明理由。"))

    def __init__(self, *args, checklist, instruments, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        for item in checklist:
            self.fields[f"answers.{item['code']}"] = forms.ChoiceField(
                label=item["text"], choices=ANSWERS, widget=forms.RadioSelect, required=item.get("required", False))
        instrument_choices = [("", _("（未备案器具填出厂编号）"))] + [
            (i.pk, f"{i.type.name_zh} {i.serial_no}") for i in instruments]
        for n in range(FINDING_ROWS):
            self.fields[f"findings.{n}.kind"] = forms.ChoiceField(
                label=_("问题%(n)s 类型") % {"n": n + 1}, required=False,
                choices=[("", _("（无）"))] + list(FindingKind.choices))
            self.fields[f"findings.{n}.instrument"] = forms.TypedChoiceField(
                label=_("问题%(n)s 器具") % {"n": n + 1}, choices=instrument_choices, coerce=int, required=False,
                empty_value=None)
            self.fields[f"findings.{n}.serial_no"] = forms.CharField(
                label=_("问题%(n)s 出厂编号") % {"n": n + 1}, max_length=64, required=False)
        order = ["inspected_on"] + [f"answers.{i['code']}" for i in checklist] + [
            f"findings.{n}.{part}" for n in range(FINDING_ROWS) for part in ("kind", "instrument", "serial_no")
        ] + ["result", "rectify_by", "late_reason", "summary"]
        self.order_fields(order)

    def answers(self) -> dict[str, str]:
        return {item["code"]: self.cleaned_data[f"answers.{item['code']}"]
                for item in self.checklist if self.cleaned_data.get(f"answers.{item['code']}")}

    def findings(self) -> list[dict]:
        return [
            {"kind": self.cleaned_data[f"findings.{n}.kind"], "instrument": self.cleaned_data[f"findings.{n}.instrument"],
             "serial_no": self.cleaned_data[f"findings.{n}.serial_no"]}
            for n in range(FINDING_ROWS) if self.cleaned_data.get(f"findings.{n}.kind")
        ]


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("现场照片或文件"), help_text=_("JPEG、PNG图片或PDF，最大5 MB。"),
                           widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf",
                                                                  "capture": "environment"}))


class AlertTaskForm(forms.Form):
    inspectors = PeopleField(label=_("检查人员（两名）"), queryset=None, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("转办说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].queryset = people


class ConflictForm(forms.Form):
    """回避申报: an inspector's relation with a business, so that no draw sends them there."""

    inspector = forms.ModelChoiceField(label=_("执法检查人员"), queryset=None)
    organization = SearchableChoiceField(label=_("使用单位"), queryset=Organization.objects.none(),
                                         widget=AutocompleteSelect(ORGANIZATION_CHOICES))
    reason = forms.CharField(label=_("回避事由"), max_length=255, help_text=_("如近亲属在该单位任职、曾在该单位任职等。"))

    def __init__(self, *args, people, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = people
        self.fields["inspector"].label_from_instance = lambda person: person.display_name or person.username
        self.fields["organization"].queryset = organizations


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(TaskStatus.choices))


class ChecklistForm(forms.Form):
    """A site kind's checklist as rows of (text, required); three blank rows add items, and a row
    whose text is cleared is dropped. Each item keeps its code (the key of the answers) hidden; a
    new item gets the next free ``itemN``."""

    BLANK_ROWS = 3

    def __init__(self, *args, items: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = len(items) + self.BLANK_ROWS
        for n in range(self.rows):
            item = items[n] if n < len(items) else {}
            self.fields[f"items.{n}.code"] = forms.CharField(
                max_length=32, required=False, initial=item.get("code", ""), widget=forms.HiddenInput)
            self.fields[f"items.{n}.text"] = forms.CharField(
                label=_("第%(n)s项 内容") % {"n": n + 1}, max_length=255, required=False, initial=item.get("text", ""))
            self.fields[f"items.{n}.required"] = forms.BooleanField(
                label=_("第%(n)s项 必填") % {"n": n + 1}, required=False, initial=item.get("required", False))

    def items(self) -> list[dict]:
        data = self.cleaned_data
        kept = [n for n in range(self.rows) if data[f"items.{n}.text"].strip()]
        taken = {data[f"items.{n}.code"].strip() for n in kept} - {""}
        items = []
        for n in kept:
            code = data[f"items.{n}.code"].strip()
            if not code:
                code = next(f"item{k}" for k in range(1, self.rows + len(taken) + 2) if f"item{k}" not in taken)
                taken.add(code)
            items.append({"code": code, "text": data[f"items.{n}.text"].strip(),
                          "required": data[f"items.{n}.required"]})
        return items
