"""Run the registered rules over a recorded stream the way the live engine does, without a database.

Data-driven rules are evaluated every `data_step` over their own window; time-driven rules
(silence, due dates, open sessions) every `clock_step`, so they fire with no new message. Used by
the detection report on simulated data and by the end-to-end tests. Holds the stream in memory.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import fields, replace
from datetime import datetime, timedelta
from typing import Iterable, Mapping

from jiliang.monitoring.rules.meters import daily_use_of
from jiliang.monitoring.rules.registry import RULES, RuleSpec
from jiliang.monitoring.rules.thresholds import RuleBook
from jiliang.monitoring.rules.types import WINDOW_FIELD, DeviceProfile, Finding, Reading, Window, WorkOrder

_READING_FIELDS = {f.name for f in fields(Window)} - {"now", "profiles", "last_seen", "daily_use"}
_ROLLUP_SOURCES = ("meter_readings", "work_orders")  # what daily_use is computed from, as the rollups are


class _SiteRecord:
    """One site's items per Window field, in time order, with their times for bisection."""

    def __init__(self) -> None:
        self.items: dict[str, list] = defaultdict(list)
        self.times: dict[str, list[datetime]] = {}
        self.seen: dict[str, list[datetime]] = defaultdict(list)  # message times per device (not work orders)

    def freeze(self) -> None:
        for name, items in self.items.items():
            items.sort(key=lambda item: item.time)
            self.times[name] = [item.time for item in items]
        for moments in self.seen.values():
            moments.sort()

    def between(self, name: str, start: datetime, end: datetime) -> tuple:
        times = self.times.get(name, [])
        return tuple(self.items[name][bisect.bisect_left(times, start):bisect.bisect_right(times, end)])

    def last_seen(self, now: datetime) -> dict[str, datetime]:
        latest = {}
        for device_id, moments in self.seen.items():
            index = bisect.bisect_right(moments, now)
            if index:
                latest[device_id] = moments[index - 1]
        return latest


def replay(
    items: Iterable[Reading | WorkOrder],
    profiles: Mapping[str, DeviceProfile],
    rulebook: RuleBook,
    start: datetime,
    end: datetime,
    data_step: timedelta = timedelta(hours=6),
    clock_step: timedelta = timedelta(minutes=30),
    specs: Iterable[RuleSpec] | None = None,
) -> list[Finding]:
    """Findings of every rule at every checkpoint, each (rule, device, time) once."""
    sites: dict[str, _SiteRecord] = defaultdict(_SiteRecord)
    for item in items:
        record = sites[profiles[item.device_id].site_id]
        record.items[WINDOW_FIELD[type(item)]].append(item)
        if not isinstance(item, WorkOrder):
            record.seen[item.device_id].append(item.time)
    site_profiles: dict[str, dict[str, DeviceProfile]] = defaultdict(dict)
    for device_id, profile in profiles.items():
        site_profiles[profile.site_id][device_id] = profile
    chosen = list(specs if specs is not None else RULES.values())
    for record in sites.values():
        record.freeze()
    found: dict[tuple[str, str, datetime], Finding] = {}
    now = start
    while now < end:
        now = min(now + clock_step, end)
        data_due = (now - start) % data_step == timedelta(0) or now == end
        for site_id, members in site_profiles.items():
            record = sites[site_id]
            kinds = {p.kind for p in members.values()}
            last_seen = record.last_seen(now)
            for spec in chosen:
                if not (spec.time_driven or data_due) or not kinds.intersection(spec.device_kinds):
                    continue
                # Data-driven windows reach one step further back, so a pair of readings across the
                # previous checkpoint (register steps, totaliser gaps) is seen whole.
                since = now - spec.window_length(rulebook) - (timedelta(0) if spec.time_driven else data_step)
                readings = {name: record.between(name, since, now) for name in spec.inputs if name in _READING_FIELDS}
                window = Window(now=now, start=since, profiles=members, last_seen=last_seen, **readings)
                if "daily_use" in spec.inputs:
                    raw = {name: record.between(name, since, now) for name in _ROLLUP_SOURCES}
                    window = replace(window, daily_use=daily_use_of(replace(window, **raw)))
                for f in spec.evaluate(window, rulebook):
                    found.setdefault((f.rule_code, f.device_id, f.time), f)
    return list(found.values())
