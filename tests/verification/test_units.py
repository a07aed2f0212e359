"""Units of test points (units.py, point_units.py, pure) and their check on a verification: compatible
units converted (s and min, mL and L, ‰ and %, mmHg and kPa), incompatible ones refused naming the
row's unit."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiliang.verification import point_units, services, units
from jiliang.verification.models import MpeRule, RuleKind

from .conftest import point

D = Decimal
JSON = "application/json"


@pytest.mark.parametrize(("value", "source", "target", "expected"), [
    ("90", "s", "min", "1.5"), ("3", "分钟", "秒", "180"), ("500", "mL", "L", "0.5"), ("2", "升", "毫升", "2000"),
    ("5", "‰", "%", "0.5"), ("1.5", "%", "‰", "15"), ("750.06", "mmHg", "kPa", "100.00"),
    ("1", "kWh", "千瓦时", "1"), ("2.5", "m³/h", "L/min", "41.666667"),
])
def test_compatible_units_are_converted(value, source, target, expected):
    assert units.convert(D(value), source, target).quantize(D(expected)) == D(expected)


@pytest.mark.parametrize(("source", "target"), [("s", "L"), ("kPa", "%"), ("dB", "%"), ("e", "%"), ("kg", "e")])
def test_incompatible_units_are_refused(source, target):
    with pytest.raises(units.UnitError):
        units.convert(D(1), source, target)


@pytest.mark.parametrize("text", ["foo bar", "m3/h", "%LEL", "abc(", "元"])
def test_unknown_units_are_refused(text):
    assert not units.is_known(text)
    with pytest.raises(units.UnitError):
        units.parse(text)


def test_a_difference_converts_without_the_offset():
    assert units.convert(D(1), "℃", "K") == D("274.15")
    assert units.convert_difference(D(1), "℃", "K") == D(1)


PAIRS = st.sampled_from([("s", "min"), ("mL", "L"), ("‰", "%"), ("kPa", "mmHg"), ("g", "kg"), ("min", "h")])
VALUES = st.decimals(min_value=-10**6, max_value=10**6, places=3, allow_nan=False, allow_infinity=False)


@given(PAIRS, VALUES)
def test_converting_there_and_back_gives_the_value(pair, value):
    source, target = pair
    back = units.convert(units.convert(value, source, target), target, source)
    assert abs(back - value) <= D("1e-9")


@given(PAIRS, VALUES, VALUES)
def test_a_difference_converts_like_the_values_it_is_the_difference_of(pair, first, second):
    source, target = pair
    converted = units.convert(first, source, target) - units.convert(second, source, target)
    assert abs(units.convert_difference(first - second, source, target) - converted) <= D("1e-9")


@given(st.decimals(min_value=1, max_value=1000, places=3), st.integers(min_value=-500, max_value=500))
def test_a_relative_error_is_the_same_in_any_unit_of_the_reading(nominal, shift):
    indicated = nominal * (1 + D(shift) / 10000)
    rule = point_units.RuleUnit("relative_percent", "%")
    in_litres = point_units.in_rule_unit(point_units.Row(D("0.01"), nominal, indicated, unit="L"), rule)
    in_millilitres = point_units.in_rule_unit(
        point_units.Row(D("0.01"), nominal * 1000, indicated * 1000, unit="mL"), rule)
    assert in_litres == in_millilitres


@given(VALUES, st.decimals(min_value=0, max_value=100, places=3))
def test_a_stored_value_turns_back_into_the_typed_one(error, uncertainty):
    rule = point_units.RuleUnit("absolute", "min")
    stored_error, stored_u = point_units.in_rule_unit(point_units.Row(uncertainty, error=error, unit="s"), rule)
    assert abs(point_units.as_typed(stored_error, "min", "s") - error) <= D("0.0001")
    assert abs(point_units.as_typed(stored_u, "min", "s") - uncertainty) <= D("0.0001")


def test_rows_in_other_units_are_brought_to_the_rules_unit():
    clock = point_units.RuleUnit("absolute", "min")
    assert point_units.in_rule_unit(point_units.Row(D("6"), D("0"), D("90"), unit="s"), clock) == (D("1.5"), D("0.1"))
    permille = point_units.RuleUnit("relative_percent", "‰")
    assert point_units.in_rule_unit(point_units.Row(D("0.1"), D("20"), D("20.02"), unit="L"), permille) == (
        D("1"), D("0.1"))  # +1 ‰; U typed in the rule's ‰ because L is no ratio
    assert point_units.in_rule_unit(point_units.Row(D("0.01"), error=D("0.5"), unit="%"), permille) == (D("5"), D("0.1"))
    with pytest.raises(point_units.PointProblem) as problem:
        point_units.in_rule_unit(point_units.Row(D("1"), D("0"), D("1"), unit="kWh"), clock)
    assert (problem.value.field, problem.value.reason) == ("unit", point_units.DIMENSION)
    with pytest.raises(point_units.PointProblem) as problem:
        point_units.in_rule_unit(point_units.Row(D("0.01"), error=D("0.5"), unit="L"), permille)
    assert problem.value.reason == point_units.RATIO


def _clock_rule(world) -> MpeRule:
    """A clock-time error in minutes, as JJG 1148-2022 states it for subsequent verification."""
    return services.create_mpe_rule(world.city, instrument_types=[world.dispenser], regulation="JJG 1148-2022",
                                    clause="5.2", quantity="时钟示值误差", error_basis="absolute", unit="min",
                                    lower=D("-3"), upper=D("3"), verification_kind=RuleKind.ANY)


def test_a_verification_converts_compatible_units_and_refuses_others(world, api_client):
    rule = _clock_rule(world)
    seconds = services.PointInput(expanded_uncertainty=D("6"), mpe_rule=rule, nominal=D("0"), indicated=D("150"),
                                  unit="s")
    certificate = world.record(points=(seconds, point(world.rule(), "20.000", "20.020")))
    clock = certificate.verification.test_points.get(position=1)
    assert (clock.error, clock.error_unit, clock.expanded_uncertainty, clock.unit) == (D("2.5"), "min", D("0.1"), "s")
    assert clock.conforms

    payload = {
        "instrument_id": world.make_instrument().pk, "kind": "periodic", "performed_on": str(certificate.performed_on),
        "verifier_id": world.verifier.pk, "checker_id": world.checker.pk, "standard_ids": [world.standard.pk],
        "points": [{"mpe_rule_id": rule.pk, "nominal": "0", "indicated": "1", "unit": "kWh",
                    "expanded_uncertainty": "0.1"},
                   {"mpe_rule_id": world.rule().pk, "nominal": "20", "indicated": "20.01", "unit": "毫升",
                    "expanded_uncertainty": "0.05"},
                   {"mpe_rule_id": world.rule().pk, "error": "0.5", "unit": "L", "expanded_uncertainty": "0.05"},
                   {"mpe_rule_id": world.rule().pk, "nominal": "20", "indicated": "20.01", "unit": "斤两",
                    "expanded_uncertainty": "0.05"}],
    }
    response = api_client(world.verifier).post("/api/v1/verifications", payload, content_type=JSON)
    assert response.status_code == 422, response.content
    fields = response.json()["fields"]
    assert set(fields) == {"points.1.unit", "points.3.unit", "points.4.unit"}
    assert "kWh" in fields["points.1.unit"][0] and "min" in fields["points.1.unit"][0]
    assert "斤两" in fields["points.4.unit"][0]
