"""How long a device may stay quiet: its expected reporting interval (configured, or learned from its
own history) and the part of a silence that counts (opening hours, statutory holidays).

A dispenser that reports when it sells, a meter that reads every 15 minutes and one that uploads a
batch at night all look silent for different lengths of time when nothing is wrong. Judging each
against one fixed interval raised most of the false alarms of issue 15; here each device is judged
against what it declared or showed it does.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Iterable, Mapping

from jiliang.monitoring.rules.common import local_date, open_time_between
from jiliang.monitoring.rules.holidays import is_statutory_holiday
from jiliang.monitoring.rules.types import DeviceProfile

DAY = timedelta(days=1)
ALL_DAY = (0, 24)
LEARNING_DAYS = 14  # history a learned interval looks back on
LEARNING_MIN_DAYS = 3  # fewer days with reports teach nothing yet: the interval stays unknown


def expected_interval(profile: DeviceProfile) -> timedelta | None:
    """The longest of the configured and the learned interval: a device that declared 15 minutes
    but uploads hourly is judged by what it does; one that declared a daily heartbeat keeps it."""
    known = [i for i in (profile.report_interval, profile.learned_interval) if i is not None]
    return max(known) if known else None


def counted_hours(profile: DeviceProfile, interval: timedelta | None) -> tuple[int, int] | None:
    """Local hours in which a silence counts: the opening hours of a device that reports more often
    than daily (a closed station sells nothing); every hour of a day for a daily reporter with opening
    hours; None (all time, holidays too) for a device that is always on."""
    if profile.opening_hours is None:
        return None
    return profile.opening_hours if interval is not None and interval < DAY else ALL_DAY


def counted_silence(last_seen: datetime, now: datetime, profile: DeviceProfile, interval: timedelta | None, *,
                    site_heard: bool = False) -> timedelta:
    """The part of the silence since `last_seen` in which the device is expected to report.

    A business with opening hours may close over a statutory holiday, so a station shut for Spring
    Festival is not a communication loss; but when another device of its site was heard since
    (`site_heard`), the site is open and the holiday counts like any day.
    """
    return open_time_between(last_seen, now, counted_hours(profile, interval), holidays_off=not site_heard)


def site_heard_since(latest: Mapping[str, datetime], profiles: Mapping[str, DeviceProfile], device_id: str) -> bool:
    """Whether the device's site is open on the holiday: another device of it was last heard on a
    statutory holiday after the device's own last message."""
    site, since = profiles[device_id].site_id, latest[device_id]
    return any(other != device_id and moment > since and profiles[other].site_id == site
               and is_statutory_holiday(local_date(moment))
               for other, moment in latest.items() if other in profiles)


def daily_longest_gaps(times: Iterable[datetime], profile: DeviceProfile) -> dict[date, timedelta]:
    """Longest gap between consecutive messages, counted in opening hours (when the device has
    them), per local day the gap ends on."""
    longest: dict[date, timedelta] = defaultdict(timedelta)
    for before, after in pairwise(sorted(set(times))):
        gap = open_time_between(before, after, profile.opening_hours)
        day = local_date(after)
        longest[day] = max(longest[day], gap)
    return dict(longest)


def learned_interval(times: Iterable[datetime], profile: DeviceProfile) -> timedelta | None:
    """The device's own rhythm: the median over the days of each day's longest counted gap.

    A day's longest gap is what the device does on that day (the quiet night of a 24-hour station,
    the hours between a meter's batch uploads); the median keeps one outage or one busy day from
    moving it. None until the device has shown LEARNING_MIN_DAYS days.
    """
    longest = daily_longest_gaps(times, profile)
    if len(longest) < LEARNING_MIN_DAYS:
        return None
    learned = statistics.median_low(sorted(longest.values()))
    return learned if learned > timedelta(0) else None
