"""The pure score and grade: decay, bounds, monotonicity, and the explanation adding up."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiliang.credit import scoring

TODAY = dt.date(2026, 12, 6)
SCALE = scoring.Scale(base_score=80, min_score=0, max_score=100, thresholds={"A": 90, "B": 75, "C": 60})
WEIGHTS = {
    "good": scoring.Weight(5, 365),
    "bad": scoring.Weight(-15, 730),
    "forever": scoring.Weight(-25, None),
    "petty": scoring.Weight(-3, 180, cap=12),
}

events = st.lists(st.tuples(st.sampled_from(sorted(WEIGHTS)),
                            st.dates(min_value=dt.date(2015, 1, 1), max_value=TODAY)), max_size=30)


def test_no_events_scores_the_base_and_its_grade():
    assert scoring.grade_of([], WEIGHTS, SCALE, TODAY) == (80, "B")


def test_an_event_halves_every_half_life():
    assert scoring.score([("bad", TODAY)], WEIGHTS, SCALE, TODAY) == 65
    assert scoring.score([("bad", TODAY - dt.timedelta(days=730))], WEIGHTS, SCALE, TODAY) == 72.5
    assert scoring.score([("bad", TODAY - dt.timedelta(days=1460))], WEIGHTS, SCALE, TODAY) == 76.25
    assert scoring.score([("forever", TODAY - dt.timedelta(days=3650))], WEIGHTS, SCALE, TODAY) == 55


def test_grade_thresholds_are_inclusive():
    assert [SCALE.grade(s) for s in (100, 90, 89.99, 75, 74.99, 60, 59.99, 0)] == list("AABBCCDD")


@given(events)
def test_score_stays_within_bounds_and_grade_matches_it(history):
    value, grade = scoring.grade_of(history, WEIGHTS, SCALE, TODAY)
    assert 0 <= value <= 100
    assert grade == SCALE.grade(value)


@given(events)
def test_the_explanation_adds_up_to_the_score(history):
    lines = scoring.explain(history, WEIGHTS, TODAY)
    assert len(lines) == len(history)
    kinds = scoring.by_kind(lines, WEIGHTS)
    assert sorted(kinds) == sorted({kind for kind, _day in history})
    unclamped = round(80 + sum(counted for _sum, counted in kinds.values()), 2)
    assert scoring.score(history, WEIGHTS, SCALE, TODAY) == pytest.approx(min(max(unclamped, 0), 100), abs=0.01)


@given(st.integers(min_value=0, max_value=300))
def test_a_capped_kind_never_counts_more_than_its_cap(count):
    history = [("petty", TODAY)] * count
    assert scoring.score(history, WEIGHTS, SCALE, TODAY) == 80 - min(3 * count, 12)


@given(events, st.dates(min_value=dt.date(2015, 1, 1), max_value=TODAY))
def test_a_bad_event_never_raises_the_score_nor_a_good_one_lowers_it(history, day):
    before = scoring.score(history, WEIGHTS, SCALE, TODAY)
    assert scoring.score([*history, ("bad", day)], WEIGHTS, SCALE, TODAY) <= before
    assert scoring.score([*history, ("good", day)], WEIGHTS, SCALE, TODAY) >= before


@given(st.sampled_from(sorted(WEIGHTS)), st.integers(min_value=0, max_value=5000), st.integers(min_value=1, max_value=500))
def test_an_event_weighs_less_as_it_ages(kind, age, later):
    young = scoring.decayed(WEIGHTS[kind], age)
    old = scoring.decayed(WEIGHTS[kind], age + later)
    assert abs(old) <= abs(young)


def test_unknown_kinds_count_nothing():
    assert scoring.score([("unheard_of", TODAY)], WEIGHTS, SCALE, TODAY) == 80
    assert scoring.explain([("unheard_of", TODAY)], WEIGHTS, TODAY) == []
