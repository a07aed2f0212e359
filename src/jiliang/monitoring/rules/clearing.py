"""When a rule that found nothing has found its condition gone (issue 15 item 2).

A standing alert clears only when its rule has run and found the condition gone. A run that found
nothing is an answer only if its window held the device's data after the last finding, enough of
it that a persisting condition would have been found again: a meter that uploads the day's hourly
readings hours late sends its heartbeat at once, and a clock turn in between sees a day whose
readings have not come (one alert per upload before). Otherwise the run is no answer, not "gone".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from jiliang.monitoring.rules.types import DailyUse, Window

# Fields a device fills only when something happens: their absence is the normal state, so the
# device's last message of any kind says how far its data reach.
OCCASIONAL = frozenset({"events", "work_orders", "parameter_changes", "component_identities", "tank_deliveries"})
NOT_DATA = frozenset({"profiles"})


def item_time(item) -> datetime:
    """The moment up to which an item tells about its device (a rolled-up day: its end)."""
    return item.day + timedelta(days=1) if isinstance(item, DailyUse) else item.time


def data_reach(window: Window, device_id: str, inputs: tuple[str, ...], time_driven: bool) -> datetime | None:
    """How far the device's data that the rule reads reach in the window (None: none there).

    A rule on ratings and due dates alone reads no data: every run of it is an answer. A rule on
    silence reads the device's last message; so does a rule on what is sent only when it happens."""
    read = set(inputs) - NOT_DATA
    if not read:
        return window.now
    steady = read - OCCASIONAL
    if time_driven or not steady:
        return window.last_seen.get(device_id)
    return max((item_time(item) for name in steady for item in getattr(window, name) if item.device_id == device_id),
               default=None)


def recurrence(window_length: timedelta, time_driven: bool) -> timedelta:
    """How much data after the last finding shows a condition gone: a rule on data needs its whole
    window of them (a persisting condition would be in it again); for silence, any later message."""
    return timedelta(0) if time_driven else window_length


def found_gone(last_finding: datetime, reach: datetime | None, needed: timedelta) -> bool:
    """Whether a run that found nothing says the condition is gone: its data reach past the last
    finding, by ``needed``."""
    return reach is not None and reach > last_finding and reach - last_finding >= needed
