"""Reads of the public portal: what anyone may see without signing in (institutions are shared records)."""

import base64
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from jiliang.ledger import selectors as ledger
from jiliang.ledger.models import Cosignature, SignedCheckpoint
from jiliang.portal import coverage
from jiliang.registry.models import InstrumentType
from jiliang.verification.models import AuthorisationScope, Certificate, Institution, MeasurementStandard
from jiliang.verification.services import LEDGER_KIND


def authorised_institutions() -> QuerySet[Institution]:
    """Institutions holding an authorisation in force today, each with those authorisations, their
    instrument types and divisions prefetched (four queries whatever the number of rows)."""
    today = timezone.localdate()
    in_force = AuthorisationScope.objects.filter(valid_from__lte=today, valid_until__gte=today)
    return (
        Institution.objects.filter(authorisations__in=in_force).distinct()
        .prefetch_related(Prefetch("authorisations", queryset=in_force.prefetch_related(
            "instrument_types", "divisions"), to_attr="in_force"))
        .order_by("name")
    )


@dataclass(frozen=True)
class LogState:
    """What the transparency-log page says about the published checkpoint (None fields: none yet)."""

    size: int
    root_hash: str  # base64, as the checkpoint note writes it
    signed_at: object
    cosigned_by: list[str]
    witnesses: int
    quorum: int


def log_state() -> LogState | None:
    published = ledger.published_checkpoint()
    if published is None:
        return None
    size = published.checkpoint.size
    signed = SignedCheckpoint.objects.filter(size=size).first()
    return LogState(
        size=size,
        root_hash=base64.b64encode(published.checkpoint.root_hash).decode(),
        signed_at=signed.created_at if signed else None,
        cosigned_by=sorted(Cosignature.objects.filter(checkpoint__size=size, witness__in=ledger.witness_names())
                           .values_list("witness", flat=True)),
        witnesses=len(ledger.witness_names()),
        quorum=settings.JILIANG_LEDGER_WITNESS_QUORUM,
    )


def log_index_of_certificate(number: str) -> int | None:
    """The log index of the latest entry about the certificate with this number; None when there is no
    such certificate or it is not integrated yet. Says nothing else about the certificate."""
    ids = Certificate.objects.filter(number=number.strip()).order_by().values_list("pk", flat=True)
    indices = [index for pk in ids if (index := ledger.latest_index_of(LEDGER_KIND, str(pk))) is not None]
    return max(indices, default=None)


def public_standards() -> QuerySet[MeasurementStandard]:
    """The public measurement standards in service (a national root is the chain's end, not a city service)."""
    return (MeasurementStandard.objects.filter(is_public=True, in_service=True, is_national_root=False)
            .select_related("institution").prefetch_related("instrument_types").order_by("institution__name", "name"))


def standards_coverage(standards) -> list[coverage.Coverage]:
    covered = {t.code for standard in standards for t in standard.instrument_types.all()}
    types = InstrumentType.objects.order_by("code").values_list("code", "category")
    return coverage.coverage(types, covered)
