"""Reads of double-random supervision. A reader's lists start from ``scope``; the draw's own reads
(candidates, conflicts, the sealing checkpoint) work on a plan the caller was already allowed to
draw; the public reads return only what is published (draws that were made, results published),
with personal data masked."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from jiliang.accounts.access import scope
from jiliang.accounts.masking import mask_personal_data
from jiliang.accounts.models import Division, User
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
    InspectionPlan,
    InspectionTask,
    TaskStatus,
)

@dataclass(frozen=True)
class Found:
    organization_id: int
    open_alerts: int


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


def candidate_organizations(plan: InspectionPlan):
    """The ids of the businesses a plan may draw (a subquery): those with a site in its divisions,
    of its site kinds and using its instrument types."""
    return _sites_in_scope(plan).values("organization_id")


def candidates(plan: InspectionPlan) -> list[Found]:
    """The businesses a plan may draw, by id, with their open alerts."""
    organization_ids = sorted(set(_sites_in_scope(plan).values_list("organization_id", flat=True)))
    open_alerts = dict(
        Alert.objects.filter(site__organization_id__in=candidate_organizations(plan))
        .exclude(state__in=TERMINAL_STATES)
        .values_list("site__organization_id")
        .annotate(n=Count("pk"))
    )
    return [Found(pk, open_alerts.get(pk, 0)) for pk in organization_ids]


def site_per_organization(plan: InspectionPlan, organization_ids: list[int]) -> dict[int, Site]:
    """The site each drawn business is inspected at: its first in-scope site."""
    chosen: dict[int, Site] = {}
    for site in _sites_in_scope(plan).filter(organization_id__in=organization_ids).order_by("pk"):
        chosen.setdefault(site.organization_id, site)
    return chosen


def conflicts(organization_ids, inspector_ids: list[int]) -> dict[int, set[int]]:
    """Inspectors who may not inspect each business (ids, or a subquery of them): a declared
    relation, bound to that same organization, or one of the pair who inspected it last time."""
    barred: dict[int, set[int]] = defaultdict(set)
    declared = ConflictDeclaration.objects.filter(organization_id__in=organization_ids,
                                                  inspector_id__in=inspector_ids)
    for organization_id, inspector_id in declared.values_list("organization_id", "inspector_id"):
        barred[organization_id].add(inspector_id)
    for inspector_id, organization_id in User.objects.filter(
        pk__in=inspector_ids, organization_id__in=organization_ids
    ).values_list("pk", "organization_id"):
        barred[organization_id].add(inspector_id)
    last_task = {}
    for task_id, organization_id in (InspectionTask.objects.filter(organization_id__in=organization_ids)
                                     .order_by("organization_id", "-created_at", "-pk")
                                     .values_list("pk", "organization_id")):
        last_task.setdefault(organization_id, task_id)
    through = InspectionTask.inspectors.through.objects.filter(inspectiontask_id__in=last_task.values(),
                                                               user_id__in=inspector_ids)
    owner_of = {task_id: organization_id for organization_id, task_id in last_task.items()}
    for task_id, inspector_id in through.values_list("inspectiontask_id", "user_id"):
        barred[owner_of[task_id]].add(inspector_id)
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
    inputs_ok = draws.document_digest(record.inputs) == record.inputs_sha256
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
    drawn = draws.verify(record.inputs, record.checkpoint_text, record.result or {})
    checks.append(("draw", drawn))
    return Verification(all(ok for _, ok in checks), checks)
