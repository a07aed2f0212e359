"""Registry pages: lists, details and forms, all scoped to the signed-in user."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts import selectors as account_selectors
from jiliang.accounts.access import may, require
from jiliang.errors import DomainError
from jiliang.registry import selectors, services
from jiliang.registry.forms import OrganizationFilterForm, OrganizationForm
from jiliang.registry.models import Organization
from jiliang.ui.listing import ListColumn, Listing, render_listing


def object_history(user, instance) -> list[dict]:
    events = account_selectors.audit_events(user, object_type=instance._meta.label, object_id=str(instance.pk))
    return [
        {"at": e.at, "actor_name": e.actor_name, "action": e.action,
         "changes": audit.changed_fields(e.before, e.after)}
        for e in events[:50]
    ]


def apply_domain_error(form, error: DomainError) -> None:
    for name, problems in error.fields.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)
    if not error.fields:
        form.add_error(None, error.message)


@login_required
def organization_list(request):
    divisions = account_selectors.jurisdiction_divisions(request.user)
    form = OrganizationFilterForm(request.GET or None, divisions=divisions)
    filters = form.cleaned_data if form.is_valid() else {}
    division = filters.get("division")
    queryset = selectors.organizations(
        request.user, division_code=division.code if division else None,
        status=filters.get("status") or None, text=filters.get("q") or None,
    )
    actions = []
    if may(request.user, "create", Organization(division_id=request.user.division_id)):
        actions.append((_("登记使用单位"), reverse("registry:organization-create")))
    listing = Listing(
        title=_("使用单位"),
        export_name="organizations",
        default_sort="name",
        filter_form=form,
        actions=actions,
        detail_url=lambda o: reverse("registry:organization-detail", args=[o.pk]),
        columns=[
            ListColumn(_("单位名称"), lambda o: o.name, "name", link=True),
            ListColumn(_("统一社会信用代码"), lambda o: o.uscc, "uscc"),
            ListColumn(_("所属区划"), lambda o: o.division.name),
            ListColumn(_("行业"), lambda o: o.industry),
            ListColumn(_("联系人"), lambda o: o.contact_name),
            ListColumn(_("联系电话"), lambda o: o.masked_contact_phone),
            ListColumn(_("状态"), lambda o: o.get_status_display(), "status"),
        ],
    )
    return render_listing(request, listing, queryset)


@login_required
def organization_detail(request, pk: int):
    organization = get_object_or_404(selectors.organizations(request.user), pk=pk)
    actions = []
    if may(request.user, "change", organization):
        actions.append((_("修改"), reverse("registry:organization-edit", args=[pk])))
    fields = [
        (_("单位名称"), organization.name),
        (_("统一社会信用代码"), organization.uscc),
        (_("法定代表人"), organization.legal_representative),
        (_("联系人"), organization.contact_name),
        (_("联系电话"), organization.masked_contact_phone),
        (_("所属区划"), organization.division.name),
        (_("住所"), organization.address),
        (_("行业"), organization.industry),
        (_("状态"), organization.get_status_display()),
    ]
    return render(request, "ui/detail.html", {
        "title": organization.name, "fields": fields, "actions": actions,
        "history": object_history(request.user, organization),
    })


@login_required
def organization_create(request):
    divisions = account_selectors.jurisdiction_divisions(request.user)
    form = OrganizationForm(request.POST or None, divisions=divisions)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            organization = services.create_organization(request.user, **data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return redirect("registry:organization-detail", pk=organization.pk)
    return render(request, "ui/form.html", {
        "form": form, "title": _("登记使用单位"), "cancel_url": reverse("registry:organization-list"),
    })


@login_required
def organization_edit(request, pk: int):
    organization = get_object_or_404(selectors.organizations(request.user), pk=pk)
    require(request.user, "change", organization)
    editable = services.OWNER_EDITABLE_FIELDS if request.user.role == "owner" else None
    divisions = account_selectors.jurisdiction_divisions(request.user)
    # The form edits a copy so that a refused change never touches the instance we re-render.
    form = OrganizationForm(request.POST or None, instance=Organization.objects.get(pk=pk),
                            divisions=divisions, editable=editable)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.update_organization(request.user, organization, **changes)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return redirect("registry:organization-detail", pk=pk)
    return render(request, "ui/form.html", {
        "form": form, "title": _("修改使用单位：%(name)s") % {"name": organization.name},
        "cancel_url": reverse("registry:organization-detail", args=[pk]),
    })
