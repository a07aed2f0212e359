from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.models import Division, DivisionLevel
from jiliang.enforcement import reference
from jiliang.enforcement.models import CaseStage, ComplaintKind, ComplaintState, ComplaintSubject
from jiliang.ui.widgets import DateInput


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); the service checks each."""

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


class ComplaintForm(forms.Form):
    """The public form: what, where (a registered site found by its name, or a typed address with
    its county), when, the instrument's public code, photos and, optionally, who."""

    kind = forms.ChoiceField(label=_("类别"), choices=ComplaintKind.choices, initial=ComplaintKind.REPORT,
                             widget=forms.RadioSelect)
    subject = forms.ChoiceField(label=_("问题类型"), choices=[("", "—")] + list(ComplaintSubject.choices))
    description = forms.CharField(label=_("发生了什么"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    site_search = forms.CharField(label=_("搜索经营场所"), max_length=64, required=False,
                                  help_text=_("输入加油站、市场、商店的名称，点“搜索场所”后选择。"))
    site = forms.TypedChoiceField(label=_("经营场所"), required=False, coerce=int, empty_value=None, choices=[])
    address = forms.CharField(label=_("或填写地址"), max_length=255, required=False)
    division = forms.ModelChoiceField(label=_("所在区县"), required=False, to_field_name="code", queryset=Division.objects.filter(
        level__in=[DivisionLevel.COUNTY]).order_by("code"), help_text=_("填写地址时必选。"))
    occurred_on = forms.DateField(label=_("发生日期"), widget=DateInput)
    instrument_code = forms.CharField(label=_("器具公开码"), max_length=16, required=False,
                                      help_text=_("计量器具二维码卡片上的编码，可不填。"))
    photos = MultipleFileField(label=_("照片"), required=False, widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}),
                             help_text=_("最多 5 张 JPEG 或 PNG 图片，每张不超过 5 MB。"))
    name = forms.CharField(label=_("您的姓名"), max_length=64, required=False,
                           help_text=_("可匿名。留下的身份信息加密保存，只有承办人可见。"))
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    captcha_answer = forms.CharField(label=_("验证问题"), max_length=8, required=False)
    captcha_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, sites=(), captcha_question: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "—")] + [(s.pk, f"{s.name}（{s.address or s.division.name}）") for s in sites]
        self.fields["division"].label_from_instance = lambda d: d.name
        if captcha_question:
            self.fields["captcha_answer"].label = _("验证问题：%(q)s") % {"q": captcha_question}
            self.fields["captcha_answer"].required = True
        else:
            del self.fields["captcha_answer"], self.fields["captcha_token"]


class TrackForm(forms.Form):
    code = forms.CharField(label=_("查询码"), max_length=32)


class ComplaintActionForm(forms.Form):
    state = forms.ChoiceField(label=_("处理"), choices=[])
    note = forms.CharField(label=_("处理结果(告知举报人)"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [(s, ComplaintState(s).label) for s in allowed]


class CaseForm(forms.Form):
    title = forms.CharField(label=_("案由"), max_length=200)
    discovered_on = forms.DateField(label=_("发现日期"), widget=DateInput)
    late_reason = forms.CharField(label=_("逾期理由"), max_length=255, required=False)


class AdvanceForm(forms.Form):
    stage = forms.ChoiceField(label=_("进入阶段"), choices=[])
    on = forms.DateField(label=_("日期"), widget=DateInput, required=False)
    hearing_requested = forms.BooleanField(label=_("当事人要求听证"), required=False)
    late_reason = forms.CharField(label=_("逾期理由"), max_length=255, required=False)
    note = forms.CharField(label=_("说明"), max_length=255, required=False)

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s, CaseStage(s).label) for s in stages]


class DecisionForm(forms.Form):
    basis = forms.ChoiceField(label=_("处罚依据"), choices=[])
    facts = forms.CharField(label=_("违法事实"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    warning = forms.BooleanField(label=_("警告"), required=False)
    confiscation = forms.BooleanField(label=_("没收计量器具和违法所得"), required=False)
    fine_amount = forms.DecimalField(label=_("罚款金额(元)"), required=False, min_value=0, max_digits=12, decimal_places=2)
    seal_broken = forms.BooleanField(label=_("涉案器具铅封破坏(须重新检定)"), required=False)
    late_reason = forms.CharField(label=_("逾期理由"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["basis"].choices = [("", "—")] + [
            (b.key, f"{b.title}（{b.citation}）") for b in reference.bases().values()]


class EvidenceForm(forms.Form):
    name = forms.CharField(label=_("证据名称"), max_length=128)
    file = forms.FileField(label=_("文件(PDF、JPEG、PNG)"))


class CommitmentForm(forms.Form):
    signer_name = forms.CharField(label=_("签署人姓名"), max_length=64)
    agree = forms.BooleanField(label=_("我已阅读并承诺遵守以上内容"))


class NominationForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("使用单位"), coerce=int, choices=[])
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2999)
    reason = forms.CharField(label=_("推荐理由"), max_length=255)

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.pk, o.name) for o in organizations]


class ReferenceForm(forms.Form):
    """An edit of a reference value, with the hidden version of the values the editor read: a save
    after someone else's is refused naming what changed (``jiliang.concurrency``)."""

    version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=512)


class DeadlineForm(ReferenceForm):
    # Whole numbers only; the range is the service's to name, as the API's is.
    n = forms.IntegerField(label=_("期限（日）"))
    extension = forms.IntegerField(label=_("可延长（日）"), required=False,
                                   help_text=_("经负责人批准可延长的日数；不可延长的期限不显示此项。"))
    note = forms.CharField(label=_("修改说明"), max_length=255, required=False)

    def __init__(self, *args, extendable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not extendable:
            del self.fields["extension"]


class LegalBasisForm(ReferenceForm):
    title = forms.CharField(label=_("违法行为"), max_length=255, required=False)
    law_article = forms.CharField(label=_("法律条款"), max_length=128, required=False,
                                  help_text=_("如：中华人民共和国计量法 第二十六条"))
    rules_article = forms.CharField(label=_("实施细则条款"), max_length=128, required=False)
    warning = forms.BooleanField(label=_("可警告"), required=False)
    confiscation = forms.BooleanField(label=_("可没收"), required=False)
    fine_min = forms.DecimalField(label=_("罚款下限（元）"), max_digits=12, decimal_places=2)
    fine_max = forms.DecimalField(label=_("罚款上限（元）"), max_digits=12, decimal_places=2)
    fine_note = forms.CharField(label=_("处罚说明"), max_length=255, required=False)
    note = forms.CharField(label=_("修改说明"), max_length=255, required=False)


class ManualCaseForm(CaseForm):
    """立案 by hand: the party by its credit code, the place and the instrument as the officer
    reads them on site, and optionally a person responsible."""

    uscc = forms.CharField(label=_("当事人统一社会信用代码"), max_length=18)
    site_name = forms.CharField(label=_("经营场所名称"), max_length=128, required=False,
                                help_text=_("须为该当事人已登记的场所，可留空。"))
    instrument_code = forms.CharField(label=_("涉案器具公开码"), max_length=32, required=False,
                                      help_text=_("器具二维码卡片上的编码，可留空。"))
    party_name = forms.CharField(label=_("其他当事人姓名"), max_length=128, required=False)
    party_role = forms.CharField(label=_("其他当事人身份"), max_length=64, required=False)
    party_id_number = forms.CharField(label=_("其他当事人证件号码"), max_length=32, required=False)

    field_order = ["uscc", "site_name", "instrument_code", "title", "discovered_on", "late_reason",
                   "party_name", "party_role", "party_id_number"]
