"""Pages for the audit log and the caller's API tokens."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiliang.accounts import audit_labels, selectors, services
from jiliang.accounts.models import Role, TokenScope
from jiliang.errors import DomainError
from jiliang.ui.listing import ListColumn, Listing, render_listing
from jiliang.ui.widgets import DateInput

OVERSIGHT_ROLES = {Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.AUDITOR}


class AuditFilterForm(forms.Form):
    object_type = forms.ChoiceField(label=gettext_lazy("对象类型"), required=False,
                                    choices=lambda: [("", "—"), *audit_labels.object_type_choices()])
    object_id = forms.CharField(label=gettext_lazy("对象编号"), required=False, max_length=64)
    actor = forms.CharField(label=gettext_lazy("操作人"), required=False, max_length=150)
    action = forms.ChoiceField(label=gettext_lazy("操作"), required=False,
                               choices=lambda: [("", "—"), *audit_labels.action_choices()])
    since = forms.DateField(label=gettext_lazy("起始日期"), required=False, widget=DateInput)
    until = forms.DateField(label=gettext_lazy("截止日期"), required=False, widget=DateInput)


@login_required
def audit_list(request):
    if not (request.user.is_superuser or request.user.role in OVERSIGHT_ROLES):
        raise PermissionDenied(_("只有监管人员和审计人员可以查看审计日志。"))
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    listing = Listing(
        title=_("审计日志"),
        export_name="audit-log",
        default_sort="-at",
        filter_form=form,
        columns=[
            ListColumn(_("时间"), lambda e: timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), "at"),
            ListColumn(_("操作人"), lambda e: e.actor_name, "actor_name"),
            ListColumn(_("操作"), lambda e: audit_labels.action_display(e.action), "action"),
            ListColumn(_("对象类型"), lambda e: audit_labels.object_type_label(e.object_type), "object_type"),
            ListColumn(_("对象"), lambda e: e.object_repr),
            ListColumn(_("修改前"), lambda e: audit_labels.snapshot_display(e.object_type, e.before)),
            ListColumn(_("修改后"), lambda e: audit_labels.snapshot_display(e.object_type, e.after)),
        ],
    )
    criteria = {k: v for k, v in filters.items() if v}
    if "since" in criteria:
        criteria["since"] = _beijing_midnight(criteria["since"])
    if "until" in criteria:  # the day named is included
        criteria["until"] = _beijing_midnight(criteria["until"] + datetime.timedelta(days=1))
    queryset = selectors.audit_events(request.user, **criteria)
    return render_listing(request, listing, queryset)


def _beijing_midnight(day: datetime.date) -> datetime.datetime:
    """The start of ``day`` in the site's time zone, as the aware moment the audit times compare with."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("用途"), max_length=64)
    scopes = forms.MultipleChoiceField(label=gettext_lazy("权限范围"), choices=TokenScope.choices,
                                       widget=forms.CheckboxSelectMultiple)
    days = forms.IntegerField(label=gettext_lazy("有效期(天)"), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = self.fields["days"]
        days.initial = settings.JILIANG_API_TOKEN_DAYS
        days.widget.attrs["max"] = settings.JILIANG_API_TOKEN_MAX_DAYS
        days.validators.append(MaxValueValidator(settings.JILIANG_API_TOKEN_MAX_DAYS))


@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _token, new_token = services.issue_api_token(request.user, data["name"], scopes=data["scopes"],
                                                         days=data["days"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            form = TokenForm()
    return render(request, "accounts/tokens.html", {
        "tokens": selectors.api_tokens(request.user), "form": form, "new_token": new_token,
    })


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = get_object_or_404(selectors.api_tokens(request.user), pk=token_id)
    try:
        services.revoke_api_token(request.user, token)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:token-list")
