"""Verification statistics per county and instrument type, in the caller's scope.

For the in-use instruments under mandatory verification (``due`` defines each condition):

- **instruments**: how many;
- **verified on time**: covered on the day by a verification certificate in force;
- **overdue**: in use after the certificate's ``valid_until``;
- **failed**: the latest verification failed and the instrument is still in use;
- **never verified**: no certificate at all;
- **verification rate** = verified on time / instruments;
- **failure rate** = notices of failure / verifications (certificates and notices, corrections
  counted once) performed in the period, by default the 365 days up to the day.

Two grouped queries: instruments by (county, type) with their state, and certificates by
(division, type) over the period through the (division, type, date) index, their divisions folded
into county-level units in Python (registry.models.county_id_of).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q

from jiliang.accounts.access import scope
from jiliang.accounts.models import Division
from jiliang.registry.models import Instrument, InstrumentStatus, InstrumentType, county_id_of
from jiliang.verification import due
from jiliang.verification.models import Certificate, CertificateKind, CertificateStatus

DEFAULT_PERIOD_DAYS = 365
STATE = "verification_state__"


@dataclass
class Figures:
    instruments: int = 0
    on_time: int = 0
    overdue: int = 0
    failed: int = 0
    never_verified: int = 0
    verifications: int = 0
    failures: int = 0

    def add(self, other: "Figures") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def verification_rate(self) -> float | None:
        return self.on_time / self.instruments if self.instruments else None

    @property
    def failure_rate(self) -> float | None:
        return self.failures / self.verifications if self.verifications else None


@dataclass
class Row:
    county: Division
    instrument_type: InstrumentType
    figures: Figures


@dataclass
class Statistics:
    on: datetime.date
    since: datetime.date
    rows: list[Row]
    counties: list[tuple[Division, Figures]] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    as_of: datetime.datetime | None = None  # when read from the dashboard's stored figures; None: counted now


def statistics(user, *, on: datetime.date | None = None, since: datetime.date | None = None,
               division_code: str | None = None, type_code: str | None = None) -> Statistics:
    on = on or due.today()
    since = since or on - datetime.timedelta(days=DEFAULT_PERIOD_DAYS)
    instruments = due.narrow(scope(_instruments(), user), division_code, type_code, county_field="county_id")
    certificates = due.narrow(scope(performed(on, since), user), division_code, type_code,
                              type_field="instrument_type_id")
    return _count(instruments, certificates, on, since)


def whole_city(on: datetime.date) -> Statistics:
    """Every county's figures, unscoped: what the dashboard's scheduled job stores for every reader."""
    since = on - datetime.timedelta(days=DEFAULT_PERIOD_DAYS)
    return _count(_instruments(), performed(on, since), on, since)


def _instruments():
    return Instrument.objects.filter(status=InstrumentStatus.IN_USE, mandatory=True)


def performed(on: datetime.date, since: datetime.date):
    return Certificate.objects.filter(
        kind__in=(CertificateKind.VERIFICATION, CertificateKind.FAILURE_NOTICE),
        performed_on__gte=since, performed_on__lte=on,
    ).exclude(status=CertificateStatus.SUPERSEDED)


def _count(instruments, certificates, on: datetime.date, since: datetime.date) -> Statistics:
    cells: dict[tuple[int, int], Figures] = {}

    def cell(county_id: int, type_id: int) -> Figures:
        return cells.setdefault((county_id, type_id), Figures())

    for row in instruments.order_by().values("county_id", "type_id").annotate(
        instruments=Count("pk"),
        on_time=Count("pk", filter=due.on_time_condition(on, STATE)),
        overdue=Count("pk", filter=due.overdue_condition(on, STATE)),
        failed=Count("pk", filter=due.failed_condition(STATE)),
        never_verified=Count("pk", filter=Q(verification_state__isnull=True)),
    ):
        figures = cell(row["county_id"], row["type_id"])
        for name in ("instruments", "on_time", "overdue", "failed", "never_verified"):
            setattr(figures, name, getattr(figures, name) + row[name])

    for row in certificates.order_by().values("division_id", "instrument_type_id").annotate(
        verifications=Count("pk"), failures=Count("pk", filter=Q(kind=CertificateKind.FAILURE_NOTICE)),
    ):
        figures = cell(county_id_of(row["division_id"]), row["instrument_type_id"])
        figures.verifications += row["verifications"]
        figures.failures += row["failures"]

    types = InstrumentType.objects.in_bulk({type_id for _, type_id in cells})
    counties = Division.objects.in_bulk({county_id for county_id, _ in cells})
    rows = [Row(counties[county_id], types[type_id], figures) for (county_id, type_id), figures in cells.items()]
    return assemble(rows, on, since)


def assemble(rows: list[Row], on: datetime.date, since: datetime.date, as_of=None) -> Statistics:
    """The statistics of (county, type) rows: sorted, with each county's and the total figures."""
    by_county: dict[int, tuple[Division, Figures]] = {}
    total = Figures()
    for row in rows:
        by_county.setdefault(row.county.pk, (row.county, Figures()))[1].add(row.figures)
        total.add(row.figures)
    rows.sort(key=lambda r: (r.county.path, r.instrument_type.code))
    county_rows = sorted(by_county.values(), key=lambda c: c[0].path)
    return Statistics(on=on, since=since, rows=rows, counties=county_rows, total=total, as_of=as_of)
