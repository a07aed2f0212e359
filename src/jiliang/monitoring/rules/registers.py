"""Consumption from cumulative registers: deltas that survive shuffled batches, first readings and resets.

Only the steps between consecutive readings (after ordering and de-duplication) are booked. A step
that goes down is not consumption (reverse flow, replacement, tamper: MT-02 judges it), except that
after a recorded meter replacement the new register counts from zero. A step larger than the
meter can physically pass (Qmax × Δt) is not booked either (MT-06 flags it): a reset-and-recover
must never book a lifetime total as one day's use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Iterable, Sequence

from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME, exceeds, ordered
from jiliang.monitoring.rules.types import MeterReading

# Buckets (hours, local days) are aligned to local midnight.
_BUCKET_ORIGIN = datetime(2000, 1, 1, tzinfo=CHINA_STANDARD_TIME)


@dataclass(frozen=True)
class RegisterStep:
    before: MeterReading
    after: MeterReading
    booked: float  # consumption this step contributes (0 when it cannot be booked)
    status: str  # "ok", "decrease", "replacement" or "over_range"

    @property
    def delta(self) -> float:
        return self.after.register - self.before.register

    @property
    def duration(self) -> timedelta:
        return self.after.time - self.before.time


def classify_step(before: MeterReading, after: MeterReading, qmax_per_hour: float | None, replaced: bool) -> RegisterStep:
    delta = after.register - before.register
    if delta < 0:
        # After a replacement the new register started from zero: what it shows now was used since.
        if replaced:
            return RegisterStep(before, after, after.register, "replacement")
        return RegisterStep(before, after, 0.0, "decrease")
    hours = (after.time - before.time).total_seconds() / 3600
    if qmax_per_hour is not None and exceeds(delta, qmax_per_hour * hours):
        return RegisterStep(before, after, 0.0, "over_range")
    return RegisterStep(before, after, delta, "ok")


def register_steps(readings: Iterable[MeterReading], qmax_per_hour: float | None = None, replacements: Sequence[datetime] = ()) -> list[RegisterStep]:
    """Steps between consecutive readings of one meter, each with what it books and why."""
    return [
        classify_step(before, after, qmax_per_hour, any(before.time <= moment <= after.time for moment in replacements))
        for before, after in pairwise(ordered(readings))
    ]


def total_consumption(readings: Iterable[MeterReading], qmax_per_hour: float | None = None, replacements: Sequence[datetime] = ()) -> float:
    return sum(step.booked for step in register_steps(readings, qmax_per_hour, replacements))


def bucket_start(moment: datetime, bucket: timedelta) -> datetime:
    return _BUCKET_ORIGIN + ((moment - _BUCKET_ORIGIN) // bucket) * bucket


def spread_over_buckets(start: datetime, end: datetime, amount: float, bucket: timedelta) -> Iterable[tuple[datetime, float]]:
    """Split an amount used evenly between start and end over the buckets it spans."""
    if end <= start:
        yield bucket_start(end, bucket), amount
        return
    span = (end - start).total_seconds()
    cursor = start
    while cursor < end:
        first = bucket_start(cursor, bucket)
        edge = min(first + bucket, end)
        yield first, amount * (edge - cursor).total_seconds() / span
        cursor = edge


def consumption_by_bucket(steps: Iterable[RegisterStep], bucket: timedelta) -> dict[datetime, float]:
    """Consumption per bucket (hour, local day), each step spread over the time it covers."""
    totals: dict[datetime, float] = defaultdict(float)
    for step in steps:
        for start, share in spread_over_buckets(step.before.time, step.after.time, step.booked, bucket):
            totals[start] += share
    return dict(totals)


def covered_buckets(steps: Sequence[RegisterStep], bucket: timedelta) -> set[datetime]:
    """Buckets wholly inside the readings' span and touched only by steps no longer than a bucket.

    Their totals are measured; a bucket inside a long gap only gets an even share of it.
    """
    if not steps:
        return set()
    first, last = steps[0].before.time, steps[-1].after.time
    measured: set[datetime] = set()
    spread: set[datetime] = set()
    for step in steps:
        target = measured if step.duration <= bucket else spread
        target.update(start for start, _ in spread_over_buckets(step.before.time, step.after.time, 0.0, bucket))
    return {start for start in measured - spread if first <= start and start + bucket <= last}
