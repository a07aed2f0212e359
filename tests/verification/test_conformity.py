"""The pure conformity module: properties of both decision rules, and decisions at and around every
limit of the cited MPE table."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiliang.verification import conformity
from jiliang.verification.conformity import (
    GUARDED_ACCEPTANCE,
    SIMPLE_ACCEPTANCE,
    ConformityError,
    Mpe,
    UncertaintyTooLarge,
    decide,
    decide_point,
    error_of,
)
from jiliang.verification.mpe_table import mpe_rows, parse_mpe

D = Decimal
STEP = conformity.ERROR_QUANTUM

decimals = st.decimals(min_value=-1000, max_value=1000, places=6, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=D("0.000001"), max_value=100, places=6, allow_nan=False, allow_infinity=False)


@st.composite
def mpes(draw):
    lower = draw(st.decimals(min_value=-100, max_value=0, places=6))
    upper = draw(st.decimals(min_value=0, max_value=100, places=6))
    if lower == upper:
        upper += 1
    return Mpe(lower, upper)


@st.composite
def allowed_uncertainty(draw, mpe):
    """A U with 3U <= half-width, the precondition of simple acceptance."""
    fraction = draw(st.decimals(min_value=0, max_value=1, places=4))
    return (mpe.half_width / 3 * fraction).quantize(STEP, rounding="ROUND_DOWN")


@given(st.data(), mpes(), decimals)
def test_simple_acceptance_compares_the_error_with_the_limits(data, mpe, error):
    u = data.draw(allowed_uncertainty(mpe))
    assert decide_point(error, u, mpe, SIMPLE_ACCEPTANCE).conforms == (mpe.lower <= error <= mpe.upper)


@given(st.data(), mpes(), decimals)
def test_guarded_acceptance_never_accepts_what_simple_acceptance_rejects(data, mpe, error):
    u = data.draw(allowed_uncertainty(mpe))
    if decide_point(error, u, mpe, GUARDED_ACCEPTANCE).conforms:
        assert decide_point(error, u, mpe, SIMPLE_ACCEPTANCE).conforms


@given(mpes(), decimals, positive)
def test_guarded_acceptance_keeps_u_away_from_both_limits(mpe, error, u):
    decision = decide_point(error, u, mpe, GUARDED_ACCEPTANCE)
    assert decision.conforms == (mpe.lower + u <= error <= mpe.upper - u)


@given(mpes(), decimals, positive, st.sampled_from([SIMPLE_ACCEPTANCE, GUARDED_ACCEPTANCE]))
def test_a_verdict_within_u_of_a_limit_says_so(mpe, error, u, rule):
    try:
        decision = decide_point(error, u, mpe, rule)
    except UncertaintyTooLarge:
        assert 3 * u > mpe.half_width
        return
    assert decision.near_limit == (min(abs(error - mpe.lower), abs(error - mpe.upper)) <= u)


@given(st.decimals(min_value=D("0.000001"), max_value=100, places=6), decimals, st.data())
def test_a_symmetric_mpe_judges_an_error_and_its_opposite_alike(limit, error, data):
    mpe = Mpe(-limit, limit)
    u = data.draw(allowed_uncertainty(mpe))
    for rule in (SIMPLE_ACCEPTANCE, GUARDED_ACCEPTANCE):
        assert decide_point(error, u, mpe, rule) == decide_point(-error, u, mpe, rule)


@given(positive, st.decimals(min_value=-10, max_value=10, places=6))
def test_simple_acceptance_allows_u_up_to_exactly_a_third_and_refuses_beyond(third, centre):
    mpe = Mpe(centre - 3 * third, centre + 3 * third)
    decide_point(centre, third, mpe, SIMPLE_ACCEPTANCE)
    with pytest.raises(UncertaintyTooLarge):
        decide_point(centre, third + STEP, mpe, SIMPLE_ACCEPTANCE)


@given(st.lists(st.tuples(decimals, st.decimals(min_value=0, max_value=D("0.1"), places=6)), min_size=1, max_size=8))
def test_the_overall_verdict_is_the_conjunction_of_the_points(points):
    mpe = Mpe(D(-1), D(1))
    decision = decide([(error, u, mpe) for error, u in points])
    assert decision.conforms == all(-1 <= error <= 1 for error, _u in points)
    failing = [p for p in decision.points if not p.conforms]
    if decision.conforms:
        assert decision.near_limit == any(p.near_limit for p in decision.points)
    else:
        assert decision.near_limit == all(p.near_limit for p in failing)


def test_a_clear_failure_is_not_near_the_limit_even_if_another_point_is():
    mpe = Mpe(D("-0.3"), D("0.3"))
    decision = decide([(D("0.29"), D("0.05"), mpe), (D("0.9"), D("0.05"), mpe)])
    assert not decision.conforms and not decision.near_limit
    marginal = decide([(D("0.32"), D("0.05"), mpe)])
    assert not marginal.conforms and marginal.near_limit


def test_errors_in_each_unit():
    assert error_of(D("20.000"), D("20.060"), conformity.RELATIVE_PERCENT) == D("0.3")
    assert error_of(D("3"), D("2"), conformity.RELATIVE_PERCENT) == D("-33.333333")
    assert error_of(D("500"), D("500.4"), conformity.SCALE_INTERVAL, D("0.2")) == D("2")
    assert error_of(D("60"), D("64.5"), conformity.ABSOLUTE) == D("4.5")
    with pytest.raises(ConformityError):
        error_of(D(0), D(1), conformity.RELATIVE_PERCENT)
    with pytest.raises(ConformityError):
        error_of(D(1), D(2), conformity.SCALE_INTERVAL)
    with pytest.raises(ConformityError):
        error_of(D("0.000001"), D("1000000000"), conformity.RELATIVE_PERCENT)
    with pytest.raises(ConformityError):
        decide_point(D(0), D(-1), Mpe(D(-1), D(1)))
    with pytest.raises(ConformityError):
        Mpe(D(1), D(-1))
    with pytest.raises(ConformityError):
        decide([])


@pytest.mark.parametrize(("text", "bounds"), [
    ("±0.30", (D("-0.30"), D("0.30"))),
    ("0.10", (D("-0.10"), D("0.10"))),
    ("-4.0 to +1.0", (D("-4.0"), D("1.0"))),
    ("±0.5 (repeatability 0.25)", (D("-0.5"), D("0.5"))),
    ("", (None, None)),
])
def test_the_table_s_mpe_texts(text, bounds):
    assert parse_mpe(text) == bounds


ACTIVE_ROWS = [row for row in mpe_rows() if row["active"]]


def test_every_row_names_its_regulation_clause_source_and_confidence():
    rows = mpe_rows()
    assert len(rows) == 62 and len(ACTIVE_ROWS) == 32  # 22 editable defaults ship inactive
    for row in rows:
        assert row["regulation"] and row["clause"] and row["confidence"] and row["type_codes"], row["key"]
        assert row["lower"] is not None or not row["active"], row["key"]


@pytest.mark.parametrize("row", ACTIVE_ROWS, ids=[row["key"] for row in ACTIVE_ROWS])
def test_decisions_at_and_around_each_limit_of_the_table(row):
    mpe = Mpe(row["lower"], row["upper"])
    u = (mpe.half_width / 10).quantize(STEP)
    for limit, outward in ((mpe.upper, STEP), (mpe.lower, -STEP)):
        at_limit = decide_point(limit, u, mpe)
        assert at_limit.conforms and at_limit.near_limit
        assert decide_point(limit - outward, u, mpe).conforms
        beyond = decide_point(limit + outward, u, mpe)
        assert not beyond.conforms and beyond.near_limit
        assert not decide_point(limit + outward * 10**7, u, mpe).near_limit  # far beyond: a clear failure
        assert not decide_point(limit, u, mpe, GUARDED_ACCEPTANCE).conforms
    centre = decide_point((mpe.lower + mpe.upper) / 2, u, mpe)
    assert centre.conforms and not centre.near_limit
