"""Pages of the due lists (due soon, overdue, failed in use, never verified) and the statistics,
all in the signed-in user's scope; the lists filter by division and type and export like any list."""

import dataclasses

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext as _

from jiliang.accounts import selectors as account_selectors
from jiliang.accounts.models import Role
from jiliang.dashboard.selectors import stored, stored_statistics
from jiliang.registry.views import instrument_bulk_action, instrument_bulk_actions
from jiliang.ui.listing import BulkAction, ListColumn, Listing, render_listing
from jiliang.verification import due, statistics
from jiliang.verification.due_forms import DueSoonForm, NarrowingForm


@instrument_bulk_action
def _request_verification(user) -> BulkAction | None:
    """An owner requests verification of the ticked instruments."""
    if user.role == Role.OWNER and user.organization_id:
        return BulkAction(_("报检所选器具"), reverse("verification:request-create-many"), "bulk-request")
    return None


def _instrument_url(instrument_id: int) -> str:
    return reverse("registry:instrument-detail", args=[instrument_id])


def _instrument_columns(path: str = "") -> list[ListColumn]:
    """The instrument's own columns; ``path`` reaches the instrument from the row ("instrument.")."""

    def get(name: str):
        def value(row):
            for step in f"{path}{name}".split("."):
                row = getattr(row, step)
            return row
        return value

    return [
        ListColumn(_("公开码"), get("public_code"), link=True),
        ListColumn(_("器具种类"), get("type.name_zh")),
        ListColumn(_("出厂编号"), get("serial_no")),
        ListColumn(_("使用单位"), get("owner.name")),
        ListColumn(_("安装场所"), get("site.name")),
        ListColumn(_("所在区划"), get("division.name")),
    ]


def _standing_listing(request, title: str, export_name: str, form, queryset, default_sort: str,
                      days: ListColumn | None = None):
    listing = Listing(
        title=title,
        export_name=export_name,
        default_sort=default_sort,
        filter_form=form,
        detail_url=lambda state: _instrument_url(state.instrument_id),
        bulk_actions=instrument_bulk_actions(request.user), bulk_key=lambda state: state.instrument_id,
        columns=[
            *_instrument_columns("instrument."),
            ListColumn(_("最近检定"), lambda state: state.verified_on),
            ListColumn(_("证书编号"), lambda state: state.certificate.number),
            ListColumn(_("有效期至"), lambda state: state.valid_until, "valid_until"),
            *([days] if days else []),
        ],
    )
    return render_listing(request, listing, queryset)


def _days_column(header: str, sign: int) -> ListColumn:
    """Days left (sign 1) or days overdue (sign -1) counted from today."""
    today = due.today()
    return ListColumn(header, lambda state: sign * (state.valid_until - today).days)


@login_required
def due_soon(request):
    form = DueSoonForm(request.GET or None, divisions=account_selectors.jurisdiction_divisions(request.user))
    narrowing = form.narrowing()
    title = _("%(days)d 天内到期的强检器具") % {"days": due.due_days(narrowing["within_days"])}
    return _standing_listing(request, title, "due-soon", form, due.due_soon(request.user, **narrowing),
                             "valid_until", _days_column(_("剩余天数"), 1))


@login_required
def overdue(request):
    form = NarrowingForm(request.GET or None, divisions=account_selectors.jurisdiction_divisions(request.user))
    return _standing_listing(request, _("超期未检的强检器具"), "overdue", form,
                             due.overdue(request.user, **form.narrowing()), "valid_until",
                             _days_column(_("超期天数"), -1))


@login_required
def failed_in_use(request):
    form = NarrowingForm(request.GET or None, divisions=account_selectors.jurisdiction_divisions(request.user))
    return _standing_listing(request, _("检定不合格仍在用的器具"), "failed-in-use", form,
                             due.failed_in_use(request.user, **form.narrowing()), "-verified_on")


@login_required
def never_verified(request):
    form = NarrowingForm(request.GET or None, divisions=account_selectors.jurisdiction_divisions(request.user))
    listing = Listing(
        title=_("从未检定的强检器具"),
        export_name="never-verified",
        default_sort="-id",
        filter_form=form,
        detail_url=lambda instrument: _instrument_url(instrument.pk),
        bulk_actions=instrument_bulk_actions(request.user),
        columns=[*_instrument_columns(), ListColumn(_("安装日期"), lambda instrument: instrument.install_date)],
    )
    return render_listing(request, listing, due.never_verified(request.user, **form.narrowing()))


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _figures(figures: statistics.Figures) -> dict:
    return {"f": figures, "verification_rate": _percent(figures.verification_rate),
            "failure_rate": _percent(figures.failure_rate)}


@login_required
def statistics_page(request):
    form = NarrowingForm(request.GET or None, divisions=account_selectors.jurisdiction_divisions(request.user))
    narrowing = form.narrowing()
    parts = (narrowing["division_code"], narrowing["type_code"])
    # The job's figures: the heading and the tables rendered once per scope, language and run.
    page = stored(request.user, "statistics-page", lambda: _stored_page(request.user, narrowing), *parts)
    if page is None:  # counted live (a township, institution staff, before the job's first run)
        page = due.cached(request.user, "statistics-live", lambda: _page(statistics.statistics(request.user, **narrowing)),
                          get_language(), *parts)
    heading, tables = page
    return render(request, "verification_due/statistics.html", {"form": form, "result": heading, "tables": tables})


def _stored_page(user, narrowing: dict) -> tuple[statistics.Statistics, str] | None:
    result = stored_statistics(user, **narrowing)
    return None if result is None else _page(result)


def _page(result: statistics.Statistics) -> tuple[statistics.Statistics, str]:
    """What the page keeps in the cache: the heading's dates and the rendered tables, not the figures
    (reading back ~450 rows of figures with their counties and types was a fifth of its CPU time)."""
    heading = dataclasses.replace(result, rows=[], counties=[], total=statistics.Figures())
    return heading, _statistics_tables(result)


def _statistics_tables(result: statistics.Statistics) -> str:
    return render_to_string("verification_due/statistics_tables.html", {
        "total": _figures(result.total),
        "counties": [{"county": county, **_figures(figures)} for county, figures in result.counties],
        "rows": [{"county": row.county, "type": row.instrument_type, **_figures(row.figures)} for row in result.rows],
    })
