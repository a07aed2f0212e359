"""/api/v1/verification/: due-soon, overdue and never-verified lists, and the statistics per county
and type; each scoped to the caller, lists paged without a COUNT."""

import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from jiliang.errors import InvalidInput
from jiliang.pagination import api_page
from jiliang.verification import due, statistics
from jiliang.schemas import Cursor
from jiliang.verification.models import Conclusion

router = Router(tags=["verification: due and statistics"])


class Narrowing(Schema):
    division: str | None = Field(None, max_length=16, description="division code; its subtree is included")
    type: str | None = Field(None, max_length=16, description="catalogue code, e.g. MI06")
    cursor: Cursor = None
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=500)


class DueFilter(Narrowing):
    days: int | None = Field(None, ge=1, le=due.MAX_DUE_DAYS, description="due within this many days (default 30)")


class StandingOut(Schema):
    instrument_id: int
    public_code: str = Field(alias="instrument.public_code")
    type_code: str = Field(alias="instrument.type.code")
    type_name: str = Field(alias="instrument.type.name_zh")
    serial_no: str = Field(alias="instrument.serial_no")
    owner_id: int = Field(alias="instrument.owner_id")
    owner_name: str = Field(alias="instrument.owner.name")
    site_name: str = Field(alias="instrument.site.name")
    division_code: str = Field(alias="instrument.division.code")
    division_name: str = Field(alias="instrument.division.name")
    certificate_number: str = Field(alias="certificate.number")
    verified_on: datetime.date
    conclusion: Conclusion
    valid_until: datetime.date | None


class StandingPage(Schema):
    items: list[StandingOut]
    offset: int
    limit: int
    has_more: bool
    next_cursor: str | None = None


class UnverifiedOut(Schema):
    instrument_id: int = Field(alias="id")
    public_code: str
    type_code: str = Field(alias="type.code")
    type_name: str = Field(alias="type.name_zh")
    serial_no: str
    owner_id: int
    owner_name: str = Field(alias="owner.name")
    site_name: str = Field(alias="site.name")
    division_code: str = Field(alias="division.code")
    division_name: str = Field(alias="division.name")
    install_date: datetime.date | None


class UnverifiedPage(Schema):
    items: list[UnverifiedOut]
    offset: int
    limit: int
    has_more: bool
    next_cursor: str | None = None


def _paged(queryset, sort: str, filters: Narrowing):
    return api_page(queryset, sort, cursor=filters.cursor, offset=filters.offset, limit=filters.limit)


@router.get("verification/due-soon", response=StandingPage, summary="Instruments due for verification soon")
def list_due_soon(request, filters: Query[DueFilter]):
    queryset = due.due_soon(request.auth, within_days=filters.days, division_code=filters.division,
                            type_code=filters.type)
    return _paged(queryset, "valid_until", filters)


@router.get("verification/overdue", response=StandingPage, summary="Instruments overdue for verification")
def list_overdue(request, filters: Query[Narrowing]):
    queryset = due.overdue(request.auth, division_code=filters.division, type_code=filters.type)
    return _paged(queryset, "valid_until", filters)


@router.get("verification/failed-in-use", response=StandingPage,
            summary="Instruments still in use after failing their latest verification")
def list_failed_in_use(request, filters: Query[Narrowing]):
    queryset = due.failed_in_use(request.auth, division_code=filters.division, type_code=filters.type)
    return _paged(queryset, "-verified_on", filters)


@router.get("verification/never-verified", response=UnverifiedPage, summary="Instruments never verified")
def list_never_verified(request, filters: Query[Narrowing]):
    queryset = due.never_verified(request.auth, division_code=filters.division, type_code=filters.type)
    return _paged(queryset, "-id", filters)


class FiguresOut(Schema):
    instruments: int
    on_time: int = Field(description="covered by a verification certificate in force on the day")
    overdue: int
    failed: int = Field(description="latest verification failed, still in use")
    never_verified: int
    verifications: int = Field(description="certificates and failure notices in the period")
    failures: int
    verification_rate: float | None = Field(description="on_time / instruments")
    failure_rate: float | None = Field(description="failures / verifications")


class CountyOut(Schema):
    county_code: str
    county_name: str
    figures: FiguresOut


class RowOut(CountyOut):
    type_code: str
    type_name: str


class StatisticsOut(Schema):
    on: datetime.date
    since: datetime.date
    total: FiguresOut
    counties: list[CountyOut]
    rows: list[RowOut]


class StatisticsFilter(Schema):
    division: str | None = Field(None, max_length=16, description="division code; its subtree is included")
    type: str | None = Field(None, max_length=16, description="catalogue code, e.g. MI06")
    on: datetime.date | None = Field(None, description="the day (default today)")
    since: datetime.date | None = Field(None, description="start of the failure-rate period (default on - 365 days)")


@router.get("verification/statistics", response=StatisticsOut, summary="Verification statistics per county and type")
def get_statistics(request, filters: Query[StatisticsFilter]):
    on = filters.on or due.today()
    if filters.since is not None and filters.since > on:
        raise InvalidInput(_("统计起始日期不能晚于统计日期。"), {"since": [_("不能晚于统计日期")]})
    result = statistics.statistics(request.auth, on=on, since=filters.since, division_code=filters.division,
                                   type_code=filters.type)
    return {
        "on": result.on, "since": result.since, "total": result.total,
        "counties": [{"county_code": c.code, "county_name": c.name, "figures": f} for c, f in result.counties],
        "rows": [{"county_code": r.county.code, "county_name": r.county.name, "type_code": r.instrument_type.code,
                  "type_name": r.instrument_type.name_zh, "figures": r.figures} for r in result.rows],
    }
