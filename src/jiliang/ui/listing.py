"""The list page pattern every app reuses: filter form, sortable columns, pages, export.

A view builds a ``Listing`` (columns, sorts, a filter form) and calls ``render_listing`` with the
scoped queryset; ``?sort=``, the pages (``?after=CURSOR``, ``?before=CURSOR``, ``?page=last``) and
``?export=csv|xlsx`` work the same on every list. Pages go by keyset (``pagination.keyset_page``),
so the last page of a million rows costs what the first does; the pager offers first, previous,
next and last, and no row numbers (they would need the COUNT keyset paging avoids).

An export of more than ``JILIANG_BACKGROUND_ROWS`` rows is a background task (jobs.services): the
request queues it and leads to the task's page. The jobs process runs it by calling the same view
again as the task's starter, with an ``ExportTarget`` on the request, so the rows are the ones the
page would have exported (same filters, same scope, checked again at run time) and written to the
task's folder rather than streamed.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang import exports
from jiliang.errors import InvalidInput
from jiliang.jobs import services as tasks
from jiliang.jobs.models import BackgroundTask, TaskKind
from jiliang.pagination import InvalidCursor, KeysetPage, keyset_page

PAGE_PARAMETERS = ("after", "before", "page", "offset")  # "offset": links saved before keyset paging


@dataclass(frozen=True)
class ListColumn:
    header: str
    value: Callable[[object], object]
    sort_key: str | None = None  # the ORM field this column sorts by, when sortable
    link: bool = False  # the cell links to the row's detail page
    status: Callable[[object], str] | None = None  # the state's code: the cell shows a coloured tag


@dataclass(frozen=True)
class BulkAction:
    """A button above a list that acts on the ticked rows: it posts their keys as ``ids`` to ``url``
    (a write asks for its details and confirms on the page it leads to)."""

    label: str
    url: str
    testid: str = ""


@dataclass
class Listing:
    title: str
    columns: list[ListColumn]
    export_name: str
    default_sort: str
    filter_form: forms.Form | None = None
    actions: list[tuple[str, str]] = field(default_factory=list)  # (label, url) buttons above the table
    detail_url: Callable[[object], str] | None = None
    bulk_actions: list[BulkAction] = field(default_factory=list)  # with any, each row gets a checkbox
    bulk_key: Callable[[object], object] = lambda row: row.pk  # what a ticked row sends as ``ids``

    def sort_keys(self) -> set[str]:
        keys = {c.sort_key for c in self.columns if c.sort_key}
        return keys | {f"-{k}" for k in keys}


def selected_ids(request, limit: int = 500) -> list[int]:
    """The row keys a bulk action posted (``ids``), as integers; anything else is ignored."""
    values = request.POST.getlist("ids") if request.method == "POST" else request.GET.getlist("ids")
    return list(dict.fromkeys(int(v) for v in values if v.isdigit() and len(v) < 19))[:limit]


def _query_without(request, *names: str) -> str:
    params = [(k, v) for k, v in request.GET.items() if k not in names and v != ""]
    return urlencode(params)


def _keyset_page(request, queryset, sort: str) -> KeysetPage:
    """The page the request asks for; a cursor of another sort order (or an edited one) gives the
    first page rather than an error."""
    size = settings.JILIANG_PAGE_SIZE
    try:
        return keyset_page(queryset, sort, size, after=request.GET.get("after") or None,
                           before=request.GET.get("before") or None, last=request.GET.get("page") == "last")
    except InvalidCursor:
        return keyset_page(queryset, sort, size)


def _pager(request, page: KeysetPage) -> dict:
    """The pager's links (query strings), each None where it would lead nowhere."""
    query = _query_without(request, *PAGE_PARAMETERS, "export")

    def link(parameters: str) -> str:
        return f"?{query}&{parameters}" if query else f"?{parameters}"

    return {
        "first": f"?{query}" if page.previous_cursor else None,
        "previous": link(urlencode({"before": page.previous_cursor})) if page.previous_cursor else None,
        "next": link(urlencode({"after": page.next_cursor})) if page.next_cursor else None,
        "last": link("page=last") if page.next_cursor else None,
    }


def render_listing(request, listing: Listing, queryset, template: str = "ui/list.html", extra_context: dict | None = None):
    sort = request.GET.get("sort") or listing.default_sort
    if sort not in listing.sort_keys():
        sort = listing.default_sort
    queryset = queryset.order_by(sort, "pk")
    export = request.GET.get("export")
    if export in {"csv", "xlsx"}:
        return _export(request, listing, queryset, export)
    page = _keyset_page(request, queryset, sort)
    rows = [
        {"cells": [c.value(item) for c in listing.columns],
         "statuses": [c.status(item) if c.status else None for c in listing.columns],
         "url": listing.detail_url(item) if listing.detail_url else None,
         "key": listing.bulk_key(item) if listing.bulk_actions else None}
        for item in page.items
    ]
    for row in rows:  # what the template shows: each cell with the state code its tag is coloured by
        row["display"] = list(zip(row["cells"], row.pop("statuses"), strict=True))
    context = {
        "listing": listing,
        "page": page,
        "rows": rows,
        "pager": _pager(request, page),
        "sort": sort,
        "sort_keep": [("sort", sort)] if request.GET.get("sort") else [],
        "headers": [
            {"title": c.header, "link": c.link, "sort_key": c.sort_key,
             "next_sort": (c.sort_key if sort != c.sort_key else f"-{c.sort_key}") if c.sort_key else None,
             "active": sort.lstrip("-") == c.sort_key, "descending": sort.startswith("-")}
            for c in listing.columns
        ],
        "query_without_sort": _query_without(request, "sort", *PAGE_PARAMETERS, "export"),
        "query_without_export": _query_without(request, "export", *PAGE_PARAMETERS),
        **(extra_context or {}),
    }
    return render(request, template, context)


@dataclass
class ExportTarget:
    """Where a background export writes (set on the request by ``run_export_task``)."""

    directory: Path
    progress: Callable[[str, int, int | None], None]
    result_file: str = ""
    result_name: str = ""
    rows: int = 0

    def write(self, fmt: str, name: exports.ExportName, columns: list, queryset) -> None:
        total = queryset.count()
        self.progress("export", 0, total)

        def seen(count: int) -> None:
            self.rows = count
            self.progress("export", count, total)

        rows = exports.counted(queryset.iterator(chunk_size=2000), seen)
        exports.write_file(self.directory / f"result.{fmt}", fmt, name, columns, rows)
        self.result_file, self.result_name = f"result.{fmt}", f"{name.title}.{fmt}"


def _export(request, listing: Listing, queryset, fmt: str):
    rows = queryset[: settings.JILIANG_EXPORT_MAX_ROWS]
    day = f"{timezone.localdate():%Y%m%d}"
    name = exports.ExportName(f"{listing.title}-{day}", f"{listing.export_name}-{day}")
    columns = [(c.header, c.value) for c in listing.columns]
    target = getattr(request, "export_target", None)
    if target is not None:
        target.write(fmt, name, columns, rows)
        return HttpResponse(status=204)
    threshold = settings.JILIANG_BACKGROUND_ROWS
    if queryset[: threshold + 1].count() > threshold:
        title = _("导出%(title)s(%(format)s)") % {"title": listing.title, "format": "Excel" if fmt == "xlsx" else "CSV"}
        task = tasks.start(request.user, TaskKind.EXPORT, title,
                           {"page": request.path, "query": _query_without(request, *PAGE_PARAMETERS), "format": fmt})
        return redirect("tasks:detail", task.pk)
    respond = exports.csv_response if fmt == "csv" else exports.xlsx_response
    return respond(name, columns, rows.iterator(chunk_size=2000))


def run_export_task(task: BackgroundTask, progress) -> tasks.Outcome:
    """The background export's handler (jobs.services.HANDLERS): the list's view, called again as
    the task's starter, writes the file instead of answering with it."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = task.params["page"]
    request.GET = QueryDict(task.params["query"])
    request.META.update({"SERVER_NAME": "jobs", "SERVER_PORT": "80"})
    request.user = task.started_by
    request.export_target = target = ExportTarget(tasks.task_dir(task.pk), progress)
    match = resolve(request.path_info)
    match.func(request, *match.args, **match.kwargs)
    if not target.result_file:
        raise InvalidInput(_("该列表现在不能由您导出(权限或页面已变化)。"))
    return tasks.Outcome({"rows": target.rows}, target.result_file, target.result_name)
