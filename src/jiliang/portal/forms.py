from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.portal.models import TaskStatus
from jiliang.portal.services import LIMITS


class TaskReportForm(forms.Form):
    status = forms.ChoiceField(label=_("进展状态"), choices=TaskStatus.choices)
    department = forms.CharField(label=_("填报部门"), max_length=LIMITS["department"])
    progress = forms.CharField(label=_("进展情况"), max_length=LIMITS["progress"], widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.CharField(label=_("佐证材料"), max_length=LIMITS["evidence"], widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("文件名称和文号、会议纪要、网址等可供核查的依据。"))
