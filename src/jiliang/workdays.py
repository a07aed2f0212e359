"""Working-day arithmetic on the Chinese calendar (工作日), for statutory deadlines.

Deadlines in law count working days (工作日): publishing an inspection result within 20 working
days (双随机、一公开), answering a complaint. A working day is what the State Council's yearly
schedule says: weekdays, less the statutory holidays, plus the make-up working days (调休) that fall
on a weekend. chinese-calendar carries that schedule for the years it knows; for a year it does not
know yet, Monday to Friday count, and a newer release of the library brings the next year.

Counting convention: the start day itself is never counted, so ``add_working_days(d, n)`` is the
n-th working day after ``d``, and ``working_days_between(d, add_working_days(d, n)) == n``.
Pure Python; no Django import.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

_DAY = timedelta(days=1)


@lru_cache(maxsize=8192)
def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day (a make-up Saturday is; a holiday Monday is not)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the pinned calendar does not cover
        return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start`` (before it for a negative n; ``start`` for 0)."""
    step = _DAY if n >= 0 else -_DAY
    day, left = start, abs(n)
    while left:
        day += step
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(a: date, b: date) -> int:
    """Working days after ``a`` up to and including ``b`` (negative when ``b`` is before ``a``)."""
    if b < a:
        return -working_days_between(b, a)
    return sum(1 for offset in range(1, (b - a).days + 1) if is_working_day(a + offset * _DAY))
