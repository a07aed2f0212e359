"""Alert persistence as a pure state machine: raise, escalate while the condition persists, clear after it ends.

The Django side keeps one AlertState per (rule, device) and feeds it the severity each evaluation
observed (None when the rule did not fire); the transitions it returns become audited events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from jiliang.monitoring.rules.thresholds import Persistence
from jiliang.monitoring.rules.types import Severity


class Transition(StrEnum):
    RAISED = "raised"
    ESCALATED = "escalated"
    CLEARED = "cleared"


@dataclass(frozen=True)
class AlertState:
    severity: Severity | None = None  # None: no standing alert
    condition_since: datetime | None = None  # start of the current uninterrupted condition
    normal_since: datetime | None = None  # when the condition stopped, while waiting to clear

    @property
    def active(self) -> bool:
        return self.severity is not None


INACTIVE = AlertState()


def advance(state: AlertState, observed: Severity | None, now: datetime, policy: Persistence) -> tuple[AlertState, Transition | None]:
    """One evaluation's outcome applied to the standing alert.

    A warning that has held for `escalate_after` becomes critical; an active alert clears once the
    condition has been absent for `clear_after` (a return before then keeps the alert and its age).
    """
    if observed is None:
        if not state.active:
            return state, None
        normal_since = state.normal_since or now
        if now - normal_since >= policy.clear_after:
            return INACTIVE, Transition.CLEARED
        return replace(state, normal_since=normal_since), None
    if not state.active:
        return AlertState(severity=observed, condition_since=now), Transition.RAISED
    persisted = now - state.condition_since >= policy.escalate_after
    if state.severity == Severity.WARNING and (observed == Severity.CRITICAL or persisted):
        return replace(state, severity=Severity.CRITICAL, normal_since=None), Transition.ESCALATED
    return replace(state, normal_since=None), None
