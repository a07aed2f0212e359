"""Types shared by the API schemas of every app."""

from datetime import datetime, timedelta
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator

# Database ids are 64-bit; a larger number in a path or a filter is a client error, not a crash.
MAX_ID = 2**63 - 1
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _within_calendar(moment: datetime) -> datetime:
    """Dates the registry can hold: years 1900-2999 and real UTC offsets (at most 14 hours)."""
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > timedelta(hours=14):
        raise ValueError("time zone offset beyond ±14:00")
    if not 1900 <= moment.year <= 2999:
        raise ValueError("year outside 1900-2999")
    return moment


# The position a keyset-paged list goes on from: the ``next_cursor`` of the page before.
Cursor = Annotated[str | None, Field(max_length=512, description=(
    "next_cursor of the previous page: pages by keyset, as fast on the last page as on the first "
    "(offset is slow deep in a large list)"))]


def _written_out(value):
    """A bare number is no time: pydantic would read 0 as 1970-01-01 00:00 UTC."""
    if isinstance(value, int | float) and not isinstance(value, bool) or isinstance(value, str) and _is_number(value):
        raise ValueError("a time is written as ISO 8601, e.g. 2026-05-01T08:00:00+08:00, not a number")
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# A date-time the database can compare with, written out (ISO 8601), refused at the edge otherwise.
Moment = Annotated[datetime, BeforeValidator(_written_out), AfterValidator(_within_calendar)]


class ErrorOut(Schema):
    """The error body (api_contract.ERROR_SCHEMA), for a route that declares a status of its own (429)."""

    code: str
    message: str
    fields: dict[str, list[str]]
