"""The Chinese public-holiday calendar as the rules read it (法定节假日), from chinese-calendar.

Households travel and businesses close over Spring Festival, National Day and the other statutory
holidays; a rule on consumption must not read those days as a lasting drop. The library carries
the State Council's yearly schedule (2004–2026 in the pinned 1.11.0); for a year it does not know,
no day counts as a holiday, and a newer release of the library brings the next year.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=4096)
def is_statutory_holiday(day: date) -> bool:
    """Whether `day` is a day off of a statutory holiday (not an ordinary weekend)."""
    try:
        off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # a year the pinned calendar does not cover yet
        return False
    return off and name is not None
