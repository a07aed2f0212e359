"""The pure alert state machine: raise, escalate while the condition persists, clear after it ends (§6.8)."""

from datetime import timedelta

from jiliang.monitoring.rules.persistence import INACTIVE, Transition, advance
from jiliang.monitoring.rules.thresholds import Persistence
from jiliang.monitoring.rules.types import Severity

POLICY = Persistence(escalate_after=timedelta(minutes=1), clear_after=timedelta(minutes=5))
W, C = Severity.WARNING, Severity.CRITICAL


def run(at, steps):
    """steps: (seconds, observed) → the transitions in order."""
    state, transitions = INACTIVE, []
    for seconds, observed in steps:
        state, transition = advance(state, observed, at(seconds=seconds), POLICY)
        transitions.append(transition)
    return state, transitions


def test_warning_persisting_one_minute_escalates(at):
    state, transitions = run(at, [(0, W), (59, W), (60, W)])
    assert transitions == [Transition.RAISED, None, Transition.ESCALATED] and state.severity is C


def test_clears_only_after_the_clear_time_of_normal(at):
    state, transitions = run(at, [(0, W), (10, None), (10 + 299, None), (10 + 300, None)])
    assert transitions == [Transition.RAISED, None, None, Transition.CLEARED] and not state.active


def test_condition_back_before_clearing_keeps_the_alert_and_its_age(at):
    state, transitions = run(at, [(0, W), (20, None), (40, W), (60, W)])
    assert transitions == [Transition.RAISED, None, None, Transition.ESCALATED]


def test_critical_observation_escalates_at_once_and_data_quality_never_escalates(at):
    assert run(at, [(0, W), (1, C)])[1] == [Transition.RAISED, Transition.ESCALATED]
    state, transitions = run(at, [(0, Severity.DATA_QUALITY), (3600, Severity.DATA_QUALITY)])
    assert transitions == [Transition.RAISED, None] and state.severity is Severity.DATA_QUALITY


def test_message_at_timeout_ends_consistently_cleared(at):
    """#7909: comm loss raised at timeout, the message that arrives then ends the condition, and it clears."""
    state, transitions = run(at, [(600, W), (601, None), (601 + 300, None)])
    assert transitions[-1] is Transition.CLEARED and state == INACTIVE


from datetime import datetime, timezone  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_T0 = datetime(2025, 3, 1, tzinfo=timezone.utc)


@given(st.lists(st.tuples(st.integers(1, 400), st.sampled_from([W, C, None])), max_size=40))
def test_an_alert_clears_exactly_when_the_condition_has_been_absent_for_the_clear_time(steps):
    """Against a plain model of the policy: active from the first observation, cleared at the first
    evaluation at least `clear_after` after the condition was last seen (a return resets the wait)."""
    state, moment, normal_from = INACTIVE, _T0, None
    for gap, observed in steps:
        moment += timedelta(seconds=gap)
        was_active = state.active
        state, transition = advance(state, observed, moment, POLICY)
        if observed is not None:
            assert state.active and (transition is Transition.RAISED) == (not was_active)
            normal_from = None
        elif was_active:
            normal_from = normal_from or moment
            cleared = moment - normal_from >= POLICY.clear_after
            assert (transition is Transition.CLEARED) == cleared and state.active == (not cleared)
        else:
            assert transition is None and not state.active
