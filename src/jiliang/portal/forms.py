from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.portal.models import TaskStatus
from jiliang.portal.plan import plan
from jiliang.portal.services import LIMITS


class TaskReportForm(forms.Form):
    status = forms.ChoiceField(label=_("进展状态"), choices=TaskStatus.choices)
    department = forms.CharField(label=_("填报部门"), max_length=LIMITS["department"])
    progress = forms.CharField(label=_("进展情况"), max_length=LIMITS["progress"], widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.CharField(label=_("佐证材料"), max_length=LIMITS["evidence"], widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("文件名称和文号、会议纪要、网址等可供核查的依据。"))

    def __init__(self, *args, for_department: bool = False, **kwargs):
        """A department's reporter reports for its own department: no department to type."""
        super().__init__(*args, **kwargs)
        if for_department:
            del self.fields["department"]


class DepartmentAccountForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=64)
    department = forms.ChoiceField(label=_("所属部门"), choices=lambda: [(name, name) for name in plan().departments()])
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput(render_value=False),
                               help_text=_("交给部门联络人；首次登录时须修改。"))
