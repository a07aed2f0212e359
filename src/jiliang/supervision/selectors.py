"""Reads of double-random supervision. A reader's lists start from ``scope``; the draw's own reads
(candidates, conflicts, the sealing checkpoint) work on a plan the caller was already allowed to
draw; the public reads return only what is published (draws that were made, results published),
with personal data masked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from itertools import chain

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from jiliang.accounts.access import scope
from jiliang.accounts.masking import mask_personal_data
from jiliang.accounts.models import Division, User
from jiliang.credit.weights import default_grade
from jiliang.ledger import selectors as ledger
from jiliang.ledger.entries import EntryError, document_digest, parse_entry
from jiliang.ledger.models import SignedCheckpoint
from jiliang.ledger.note import parse_note
from jiliang.monitoring.models import TERMINAL_STATES, Alert
from jiliang.registry.models import Instrument, OrganizationStatus, Site
from jiliang.supervision import draw as draws
from jiliang.supervision import reference
from jiliang.supervision.models import (
    Checklist,
    ConflictDeclaration,
    Draw,
    Evidence,
    InspectionPlan,
    InspectionTask,
    TaskStatus,
)

def _sites_in_scope(plan: InspectionPlan):
    division = Division.objects.get(pk=plan.division_id)
    sites = Site.objects.filter(division_id__in=division.subtree_ids(),
                                organization__status=OrganizationStatus.ACTIVE)
    if plan.site_kinds:
        sites = sites.filter(kind__in=plan.site_kinds)
    type_ids = list(plan.instrument_types.values_list("pk", flat=True))
    if type_ids:
        sites = sites.filter(Exists(Instrument.objects.filter(site=OuterRef("pk"), type_id__in=type_ids)))
    return sites


def candidates(plan: InspectionPlan) -> list[tuple[int, int, str]]:
    """The businesses a plan may draw (those with a site in its divisions, of its site kinds and
    using its instrument types) as (id, open alerts, credit grade), by id; the grade is the data
    file's default when none is computed, as ``credit.selectors.grades_for``. Plain tuples: a named
    tuple's constructor, run 100,000 times, took four times as long as building the list.

    One scan of the sites with their grade joined; open alerts are few and read on their own: no
    list of 100,000 ids is sent back to the database. Unordered: the sites' default order (by name)
    would make the database sort 100,000 names only for the ids to be sorted here."""
    default = default_grade()
    grades = dict(_sites_in_scope(plan).order_by().values_list("organization_id", "organization__credit_grade__grade"))
    open_alerts = dict(
        Alert.objects.exclude(state__in=TERMINAL_STATES)
        .values_list("site__organization_id")
        .annotate(n=Count("pk"))
    )
    return [(pk, open_alerts.get(pk, 0), grade or default) for pk, grade in sorted(grades.items())]


def site_per_organization(plan: InspectionPlan, organization_ids: list[int]) -> dict[int, Site]:
    """The site each drawn business is inspected at: its first in-scope site."""
    chosen: dict[int, Site] = {}
    for site in _sites_in_scope(plan).filter(organization_id__in=organization_ids).order_by("pk"):
        chosen.setdefault(site.organization_id, site)
    return chosen


def conflicts(organization_ids: Collection[int], inspector_ids: list[int]) -> dict[int, set[int]]:
    """Inspectors who may not inspect each business: a declared relation, bound to that same
    organization, or one of the pair who inspected it last time. Read from the inspectors' side
    (a pool is a few dozen people) and kept for the businesses in ``organization_ids``."""
    latest = (InspectionTask.objects.filter(organization_id=OuterRef("inspectiontask__organization_id"))
              .order_by("-created_at", "-pk").values("pk")[:1])
    rows = chain(
        ConflictDeclaration.objects.filter(inspector_id__in=inspector_ids).values_list("organization_id",
                                                                                       "inspector_id"),
        User.objects.filter(pk__in=inspector_ids, organization__isnull=False).values_list("organization_id", "pk"),
        InspectionTask.inspectors.through.objects.filter(user_id__in=inspector_ids, inspectiontask_id=Subquery(latest))
        .values_list("inspectiontask__organization_id", "user_id"),
    )
    barred: dict[int, set[int]] = defaultdict(set)
    for organization_id, inspector_id in rows:
        if organization_id in organization_ids:
            barred[organization_id].add(inspector_id)
    return dict(barred)


def sealing_checkpoint(plan_id: int) -> tuple[int, SignedCheckpoint] | None:
    """The log index of a plan's commitment and the first checkpoint signed after it, or None
    while the sequencer has not integrated the commitment or signed a checkpoint covering it."""
    index = ledger.latest_index_of(draws.COMMITMENT_KIND, f"plan-{plan_id}")
    if index is None:
        return None
    checkpoint = SignedCheckpoint.objects.filter(size__gt=index).order_by("size").first()
    return None if checkpoint is None else (index, checkpoint)


def checklist_for(site_kind: str) -> list[dict]:
    row = Checklist.objects.filter(site_kind=site_kind).first()
    return list(row.items) if row else reference.default_checklist(site_kind)


# --- Lists of a signed-in reader -----------------------------------------------------------------


def plans_for(user):
    return scope(InspectionPlan.objects.select_related("division"), user).annotate(
        task_count=Count("tasks"),
        done_count=Count("tasks", filter=~Q(tasks__status=TaskStatus.OPEN)),
        published_count=Count("tasks", filter=Q(tasks__status=TaskStatus.PUBLISHED)),
    )


def tasks_for(user, *, plan: InspectionPlan | None = None, status: str = ""):
    tasks = scope(InspectionTask.objects.select_related("organization", "site", "division", "plan"), user)
    if plan is not None:
        tasks = tasks.filter(plan=plan)
    if status:
        tasks = tasks.filter(status=status)
    return tasks


def conflict_declarations(user):
    """The declared relations of the inspectors the reader may see, newest first."""
    return scope(ConflictDeclaration.objects.select_related("inspector", "organization"), user).order_by(
        "-declared_at", "-pk")


def evidence_for(user):
    """The evidence of the tasks the reader may see (``tasks_for``)."""
    return Evidence.objects.filter(task__in=tasks_for(user)).select_related("task__division")


def my_tasks(user):
    """An inspector's own tasks, the open ones first."""
    return tasks_for(user).filter(inspectors=user).order_by("status", "created_at", "pk")


# --- Public reads and verification ---------------------------------------------------------------


def public_draws():
    return Draw.objects.filter(result__isnull=False).select_related("plan", "plan__division").order_by("-drawn_at")


def public_results():
    return (InspectionTask.objects.filter(status=TaskStatus.PUBLISHED)
            .select_related("organization", "site", "plan").order_by("-published_at"))


def masked_summary(task: InspectionTask) -> str:
    """A published result's text with phone and ID numbers masked."""
    return mask_personal_data(task.summary)


@dataclass(frozen=True)
class Verification:
    match: bool
    checks: list[tuple[str, bool]]  # (what was checked, held)


def verify_draw(record: Draw) -> Verification:
    """Recompute a draw from its public data: the inputs' digest on the log at the committed index,
    the seed from the first checkpoint signed after it, and the draw from both."""
    plan_id = record.plan_id
    checks: list[tuple[str, bool]] = []
    inputs_sha256 = draws.document_digest(record.inputs)
    inputs_ok = inputs_sha256 == record.inputs_sha256
    checks.append(("inputs", inputs_ok))
    index = ledger.latest_index_of(draws.COMMITMENT_KIND, f"plan-{plan_id}")
    try:
        entry = parse_entry(ledger.entry_at(index)) if index is not None else None
    except (EntryError, ledger.NotInLogError):
        entry = None
    logged = entry is not None and index == record.commitment_index and \
        entry.sha256 == document_digest(draws.commitment_record(plan_id, record.inputs_sha256))
    checks.append(("log", logged))
    first = SignedCheckpoint.objects.filter(size__gt=index or 0).order_by("size").first() if logged else None
    seeded = first is not None and parse_note(bytes(first.note)).text == record.checkpoint_text
    checks.append(("checkpoint", seeded))
    drawn = draws.verify(record.inputs, record.checkpoint_text, record.result or {}, inputs_sha256)
    checks.append(("draw", drawn))
    return Verification(all(ok for _, ok in checks), checks)
