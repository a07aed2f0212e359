"""Registry pages: lists, details and forms, all scoped to the signed-in user."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.cache import cache_control
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang import concurrency
from jiliang.accounts import audit, audit_labels
from jiliang.accounts import selectors as account_selectors
from jiliang.accounts.access import may, require
from jiliang.accounts.models import Role
from jiliang.errors import DomainError
from jiliang.registry import labels, public_code, rules, selectors, services
from jiliang.registry.forms import (
    InstrumentFilterForm,
    InstrumentForm,
    InstrumentStatusForm,
    InstrumentTypeFilterForm,
    InstrumentTypeForm,
    OrganizationFilterForm,
    OrganizationForm,
    SiteFilterForm,
    SiteForm,
)
from jiliang.registry.models import Instrument, Organization, Site
from jiliang.registry.regulations import regulation_references
from jiliang.ui.forms import apply_domain_error
from jiliang.ui.listing import BulkAction, ListColumn, Listing, render_listing, selected_ids

LABELS_PER_SHEET = 200


def object_history(user, instance) -> list[dict]:
    events = account_selectors.audit_events(user, object_type=instance._meta.label, object_id=str(instance.pk))
    return [
        {"at": e.at, "actor_name": e.actor_name, "action": audit_labels.action_display(e.action),
         "changes": audit_labels.field_names(e.object_type, audit.changed_fields(e.before, e.after))}
        for e in events[:50]
    ]


def _changes(form) -> dict:
    """What the user changed on an edit form, and the version it was read at, for the update service."""
    return concurrency.edits(form)


def _form_page(request, form, write, done, title: str, cancel_url: str):
    """A create or edit page: on a valid POST run ``write()`` (one service call) and go to the page
    ``done(its result)`` names; a refusal lands on the form's fields; otherwise show the form."""
    if request.method == "POST" and form.is_valid():
        try:
            result = write()
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return redirect(done(result))
    return render(request, "ui/form.html", {"form": form, "title": title, "cancel_url": cancel_url})


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
            ListColumn(_("状态"), lambda o: o.get_status_display(), "status", status=lambda o: o.status),
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
    return _form_page(
        request, form, lambda: services.create_organization(request.user, **form.cleaned_data),
        lambda organization: reverse("registry:organization-detail", args=[organization.pk]),
        _("登记使用单位"), reverse("registry:organization-list"),
    )


@login_required
def organization_edit(request, pk: int):
    organization = get_object_or_404(selectors.organizations(request.user), pk=pk)
    require(request.user, "change", organization)
    editable = services.OWNER_EDITABLE_FIELDS if request.user.role == "owner" else None
    divisions = account_selectors.jurisdiction_divisions(request.user)
    # The form edits a copy so that a refused change never touches the instance we re-render.
    form = OrganizationForm(request.POST or None, instance=Organization.objects.get(pk=pk),
                            divisions=divisions, editable=editable)
    detail = reverse("registry:organization-detail", args=[pk])
    return _form_page(
        request, form, lambda: services.update_organization(request.user, organization, **_changes(form)),
        lambda _saved: detail, _("修改使用单位：%(name)s") % {"name": organization.name}, detail,
    )


def _yes_no(value: bool) -> str:
    return _("是") if value else _("否")


# ---------------------------------------------------------------------------------------------
# Sites

@login_required
def site_list(request):
    divisions = account_selectors.jurisdiction_divisions(request.user)
    form = SiteFilterForm(request.GET or None, divisions=divisions)
    filters = form.cleaned_data if form.is_valid() else {}
    division = filters.get("division")
    queryset = selectors.sites(
        request.user, division_code=division.code if division else None, kind=filters.get("kind") or None,
        text=filters.get("q") or None,
    )
    actions = []
    if request.user.is_superuser or request.user.role in {Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.OWNER}:
        actions.append((_("登记场所"), reverse("registry:site-create")))
    listing = Listing(
        title=_("经营场所"),
        export_name="sites",
        default_sort="name",
        filter_form=form,
        actions=actions,
        detail_url=lambda site: reverse("registry:site-detail", args=[site.pk]),
        columns=[
            ListColumn(_("场所名称"), lambda site: site.name, "name", link=True),
            ListColumn(_("场所类型"), lambda site: site.get_kind_display(), "kind"),
            ListColumn(_("经营单位"), lambda site: site.organization.name),
            ListColumn(_("所在区划"), lambda site: site.division.name),
            ListColumn(_("地址"), lambda site: site.address),
        ],
    )
    return render_listing(request, listing, queryset)


@login_required
def site_detail(request, pk: int):
    site = get_object_or_404(selectors.sites(request.user), pk=pk)
    actions = [(_("场所内器具"), reverse("registry:instrument-list") + f"?site={pk}")]
    if may(request.user, "change", site):
        actions.append((_("修改"), reverse("registry:site-edit", args=[pk])))
    fields = [
        (_("场所名称"), site.name),
        (_("场所类型"), site.get_kind_display()),
        (_("经营单位"), site.organization.name),
        (_("所在区划"), site.division.name),
        (_("地址"), site.address),
        (_("纬度"), site.latitude),
        (_("经度"), site.longitude),
    ]
    return render(request, "ui/detail.html", {
        "title": site.name, "fields": fields, "actions": actions, "history": object_history(request.user, site),
    })


def _own_organization(user, instance, field: str) -> dict:
    """A new record of an owner's starts with the owner's own organization chosen in ``field``."""
    return {field: user.organization_id} if instance is None and user.role == Role.OWNER else {}


def _site_form(request, instance=None, editable=None) -> SiteForm:
    return SiteForm(
        request.POST or None, instance=instance, editable=editable,
        initial=_own_organization(request.user, instance, "organization"),
        organizations=selectors.organizations(request.user),
        divisions=account_selectors.jurisdiction_divisions(request.user),
    )


@login_required
def site_create(request):
    form = _site_form(request)
    return _form_page(
        request, form, lambda: services.create_site(request.user, **form.cleaned_data),
        lambda site: reverse("registry:site-detail", args=[site.pk]), _("登记经营场所"), reverse("registry:site-list"),
    )


@login_required
def site_edit(request, pk: int):
    site = get_object_or_404(selectors.sites(request.user), pk=pk)
    require(request.user, "change", site)
    editable = services.OWNER_SITE_EDITABLE_FIELDS if request.user.role == Role.OWNER else None
    form = _site_form(request, instance=Site.objects.get(pk=pk), editable=editable)
    detail = reverse("registry:site-detail", args=[pk])
    return _form_page(
        request, form, lambda: services.update_site(request.user, site, **_changes(form)),
        lambda _saved: detail, _("修改经营场所：%(name)s") % {"name": site.name}, detail,
    )


# ---------------------------------------------------------------------------------------------
# The instrument type catalogue

@login_required
def instrument_type_list(request):
    form = InstrumentTypeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.instrument_types(request.user, text=filters.get("q") or None, mode=filters.get("mode") or None)
    listing = Listing(
        title=_("强制管理计量器具目录"),
        export_name="instrument-types",
        default_sort="code",
        filter_form=form,
        detail_url=lambda t: reverse("registry:instrument-type-detail", args=[t.code]),
        columns=[
            ListColumn(_("目录编号"), lambda t: t.code, "code", link=True),
            ListColumn(_("名称"), lambda t: t.name_zh, "name_zh"),
            ListColumn(_("检定规程"), lambda t: regulation_references(t.regulation)),
            ListColumn(_("检定方式"), lambda t: t.get_verification_mode_display()),
            ListColumn(_("检定周期/使用年限(月)"), lambda t: t.verification_interval_months),
            ListColumn(_("实施强制检定"), lambda t: _yes_no(t.mandatory)),
        ],
    )
    return render_listing(request, listing, queryset)


@login_required
def instrument_type_detail(request, code: str):
    instrument_type = get_object_or_404(selectors.instrument_types(request.user), code=code)
    actions = [(_("该种类器具"), reverse("registry:instrument-list") + f"?type={instrument_type.code}")]
    if may(request.user, "change", instrument_type):
        actions.append((_("修改"), reverse("registry:instrument-type-edit", args=[code])))
    if request.user.is_superuser:  # the admin checks the research: every stored text with its sources
        fields = [(field.verbose_name, getattr(instrument_type, field.name)) for field in instrument_type._meta.fields
                  if field.name not in {"id", "verification_mode", "mandatory", "updated_at"}]
    else:
        fields = [(_("目录编号"), instrument_type.code), (_("名称"), instrument_type.name_zh),
                  (_("检定规程"), regulation_references(instrument_type.regulation)),
                  (_("检定周期/使用年限(月)"), instrument_type.verification_interval_months),
                  (_("典型用途"), instrument_type.typical_scope)]
    fields += [(_("检定方式"), instrument_type.get_verification_mode_display()),
               (_("实施强制检定"), _yes_no(instrument_type.mandatory))]
    return render(request, "ui/detail.html", {
        "title": str(instrument_type), "fields": fields, "actions": actions,
        "history": object_history(request.user, instrument_type),
    })


@login_required
def instrument_type_edit(request, code: str):
    instrument_type = get_object_or_404(selectors.instrument_types(request.user), code=code)
    require(request.user, "change", instrument_type)
    form = InstrumentTypeForm(request.POST or None, instance=selectors.instrument_types(request.user).get(code=code))
    detail = reverse("registry:instrument-type-detail", args=[code])
    return _form_page(
        request, form, lambda: services.update_instrument_type(request.user, instrument_type, **_changes(form)),
        lambda _saved: detail, _("修改器具种类：%(name)s") % {"name": instrument_type}, detail,
    )


# ---------------------------------------------------------------------------------------------
# Instruments

# What other apps offer for instruments ticked on a list (verification: request their verification);
# each function returns the action for a user, or None. Registered at start-up, like the home cards.
_INSTRUMENT_BULK_ACTIONS: list[Callable[[object], BulkAction | None]] = []


def instrument_bulk_action(function: Callable[[object], BulkAction | None]):
    _INSTRUMENT_BULK_ACTIONS.append(function)
    return function


def instrument_bulk_actions(user) -> list[BulkAction]:
    """What ``user`` may do with instruments ticked on a list: the other apps' actions, then print
    their labels."""
    offered = [action for action in (function(user) for function in _INSTRUMENT_BULK_ACTIONS) if action]
    return offered + [BulkAction(_("打印所选标签"), reverse("registry:instrument-labels"), "bulk-labels")]


@login_required
def instrument_list(request):
    divisions = account_selectors.jurisdiction_divisions(request.user)
    form = InstrumentFilterForm(request.GET or None, divisions=divisions)
    filters = form.cleaned_data if form.is_valid() else {}
    division, instrument_type = filters.get("division"), filters.get("type")
    queryset = selectors.instruments(
        request.user, division_code=division.code if division else None,
        type_code=instrument_type.code if instrument_type else None, kind=filters.get("kind") or None,
        status=filters.get("status") or None, owner_id=filters.get("owner"), site_id=filters.get("site"),
        text=filters.get("q") or None,
    )
    actions = []
    if request.user.is_superuser or request.user.role in {Role.CITY_REGULATOR, Role.COUNTY_REGULATOR, Role.OWNER}:
        actions.append((_("登记器具"), reverse("registry:instrument-create")))
    listing = Listing(
        title=_("计量器具"),
        export_name="instruments",
        default_sort="-id",
        filter_form=form,
        actions=actions,
        detail_url=lambda i: reverse("registry:instrument-detail", args=[i.pk]),
        bulk_actions=instrument_bulk_actions(request.user),
        columns=[
            ListColumn(_("公开码"), lambda i: i.public_code, "public_code", link=True),
            ListColumn(_("器具种类"), lambda i: i.type.name_zh),
            ListColumn(_("出厂编号"), lambda i: i.serial_no, "serial_no"),
            ListColumn(_("制造单位"), lambda i: i.manufacturer),
            ListColumn(_("使用单位"), lambda i: i.owner.name),
            ListColumn(_("安装场所"), lambda i: i.site.name),
            ListColumn(_("所在区划"), lambda i: i.division.name),
            ListColumn(_("用途"), lambda i: i.get_purpose_display()),
            ListColumn(_("强制检定"), lambda i: _yes_no(i.mandatory)),
            ListColumn(_("状态"), lambda i: i.get_status_display(), "status", status=lambda i: i.status),
            ListColumn(_("安装日期"), lambda i: i.install_date, "install_date"),
        ],
    )
    return render_listing(request, listing, queryset)


@login_required
def instrument_detail(request, pk: int):
    instrument = get_object_or_404(selectors.instruments(request.user), pk=pk)
    actions = [(_("打印标签"), reverse("registry:instrument-label", args=[pk])),
               (_("公开页面"), reverse("registry-public:card", args=[instrument.public_code]))]
    if may(request.user, "change", instrument):
        actions.append((_("修改"), reverse("registry:instrument-edit", args=[pk])))
    if may(request.user, "change_status", instrument) and rules.STATUS_TRANSITIONS[instrument.status]:
        actions.append((_("变更状态"), reverse("registry:instrument-status", args=[pk])))
    fields = [
        (_("公开码"), public_code.grouped(instrument.public_code)),
        (_("器具种类"), str(instrument.type)),
        (_("出厂编号"), instrument.serial_no),
        (_("制造单位"), instrument.manufacturer),
        (_("型号规格"), instrument.model),
        (_("型式批准编号"), instrument.pattern_approval_no),
        (_("准确度等级"), instrument.accuracy_class),
        (_("测量范围"), instrument.measuring_range),
        (_("使用单位"), instrument.owner.name),
        (_("安装场所"), instrument.site.name),
        (_("所在区划"), instrument.division.name),
        (_("用途"), instrument.get_purpose_display()),
        (_("强制检定"), _yes_no(instrument.mandatory)),
        (_("状态"), instrument.get_status_display()),
        (_("状态日期"), instrument.status_since),
        (_("安装日期"), instrument.install_date),
    ]
    return render(request, "registry/instrument_detail.html", {
        "title": f"{instrument.type.name_zh} {instrument.serial_no}", "fields": fields, "actions": actions,
        "status": (instrument.status, instrument.get_status_display()), "subtitle": instrument.public_code,
        "instrument": instrument, "status_changes": selectors.status_changes(request.user, instrument),
        "history": object_history(request.user, instrument),
    })


def _instrument_form(request, instance=None, editable=None) -> InstrumentForm:
    return InstrumentForm(
        request.POST or None, instance=instance, editable=editable,
        initial=_own_organization(request.user, instance, "owner"),
        organizations=selectors.organizations(request.user), sites=selectors.sites(request.user),
    )


@login_required
def instrument_create(request):
    form = _instrument_form(request)
    return _form_page(
        request, form, lambda: services.create_instrument(request.user, **form.cleaned_data),
        lambda instrument: reverse("registry:instrument-detail", args=[instrument.pk]),
        _("登记计量器具"), reverse("registry:instrument-list"),
    )


@login_required
def instrument_edit(request, pk: int):
    instrument = get_object_or_404(selectors.instruments(request.user), pk=pk)
    require(request.user, "change", instrument)
    editable = services.OWNER_INSTRUMENT_EDITABLE_FIELDS if request.user.role == Role.OWNER else None
    form = _instrument_form(request, instance=Instrument.objects.get(pk=pk), editable=editable)
    detail = reverse("registry:instrument-detail", args=[pk])
    return _form_page(
        request, form, lambda: services.update_instrument(request.user, instrument, **_changes(form)),
        lambda _saved: detail, _("修改计量器具：%(code)s") % {"code": instrument.public_code}, detail,
    )


@login_required
def instrument_status(request, pk: int):
    instrument = get_object_or_404(selectors.instruments(request.user), pk=pk)
    require(request.user, "change_status", instrument)
    form = InstrumentStatusForm(request.POST or None, initial={"effective_on": timezone.localdate()})
    detail = reverse("registry:instrument-detail", args=[pk])
    return _form_page(
        request, form, lambda: services.change_instrument_status(request.user, instrument, **form.cleaned_data),
        lambda _saved: detail, _("变更器具状态：%(code)s") % {"code": instrument.public_code}, detail,
    )


def _label_page(request, instruments, back_url: str):
    def public_url(code: str) -> str:
        return request.build_absolute_uri(reverse("registry-public:card", args=[code]))
    return render(request, "registry/label.html",
                  {"labels": labels.labels(instruments, public_url), "back_url": back_url})


@login_required
def instrument_label(request, pk: int):
    """The printable ID card: the QR code of the public page, the public code, the type."""
    instrument = get_object_or_404(selectors.instruments(request.user), pk=pk)
    return _label_page(request, [instrument], reverse("registry:instrument-detail", args=[pk]))


@login_required
def instrument_labels(request):
    """A sheet of ID cards for the instruments ticked on a list (at most one page of them)."""
    chosen = selectors.instruments(request.user).filter(pk__in=selected_ids(request, LABELS_PER_SHEET))
    return _label_page(request, chosen.order_by("pk"), reverse("registry:instrument-list"))


# ---------------------------------------------------------------------------------------------
# The public ID card: anonymous, nothing personal

def public_card(request, code: str):
    """What a QR label opens. An unknown code says plainly that no such instrument is registered."""
    card = selectors.public_card(code)
    return render(request, "registry/public_card.html",
                  {"card": card, "code": code, "grouped_code": public_code.grouped(card.public_code) if card else ""},
                  status=200 if card else 404)


@cache_control(public=True, max_age=86400)
def public_qr(request, code: str):
    card = selectors.public_card(code)
    if card is None:
        raise Http404
    url = request.build_absolute_uri(reverse("registry-public:card", args=[card.public_code]))
    return HttpResponse(labels.qr_svg(url), content_type="image/svg+xml")
