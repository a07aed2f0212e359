"""Types shared by the API schemas of every app."""

from typing import Annotated

from ninja import Field

# Database ids are 64-bit; a larger number in a path or a filter is a client error, not a crash.
MAX_ID = 2**63 - 1
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
