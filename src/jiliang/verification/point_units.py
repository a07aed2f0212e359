"""A test point's error and uncertainty in its rule's unit. Pure, no Django.

A row is typed as the verifier reads it: a reference (nominal) and an indicated value in the row's
unit (the error is computed from them), or an error read directly, and the expanded uncertainty U. The decision compares the error and
U with the rule's bounds, which are in the rule's unit, so both are brought there:

- an absolute error (``absolute``): the row's unit must measure what the rule's does (seconds and
  minutes, mL and L, kPa and mmHg); the difference and U are converted to the rule's unit;
- a relative error (``relative_percent``): the ratio needs no unit, so the row's unit is the
  reading's, any known unit; the error comes out in % and is converted to the rule's (‰ or %). A
  directly typed error and U are in the row's unit when that is a ratio (‰, %), else in the rule's;
- an error in scale intervals (``scale_interval``): computed with e; U is in e.

In short: a typed error and U are in the row's unit when that measures what the rule's unit does,
else in the rule's unit; ``as_typed`` turns a stored value back (a correction starts from it).

A unit that is unknown, or of another dimension, is a ``PointProblem`` naming the row's ``unit``.
"""

from dataclasses import dataclass
from decimal import Decimal

from jiliang.verification import conformity, units


UNKNOWN, DIMENSION, RATIO, MISSING, SCALE = "unknown", "dimension", "ratio", "missing", "scale"


class PointProblem(ValueError):
    """A row that cannot be brought to its rule's unit: ``field`` names the row's field at fault and
    ``reason`` says why (UNKNOWN unit, other DIMENSION, not a RATIO, values MISSING)."""

    def __init__(self, field: str, reason: str, message: str):
        super().__init__(message)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Row:
    uncertainty: Decimal
    nominal: Decimal | None = None
    indicated: Decimal | None = None
    error: Decimal | None = None
    unit: str = ""


@dataclass(frozen=True)
class RuleUnit:
    basis: str
    unit: str
    scale_interval: Decimal | None = None


def _has_reading(row: Row) -> bool:
    """Whether the error comes from the reference and indicated values (else it was typed)."""
    return row.nominal is not None and row.indicated is not None


def _row_unit(row: Row) -> str:
    unit = row.unit.strip()
    if unit and not units.is_known(unit):
        raise PointProblem("unit", UNKNOWN, f"unknown unit {unit!r}")
    return unit


def _convert(value: Decimal, source: str, target: str) -> Decimal:
    try:
        return conformity.quantize(units.convert_difference(value, source, target))
    except units.UnitError as exc:
        raise PointProblem("unit", DIMENSION, str(exc)) from exc


def _absolute(row: Row, unit: str, rule: RuleUnit) -> tuple[Decimal, Decimal]:
    source = unit or rule.unit
    if not units.same_dimension(source, rule.unit):
        raise PointProblem("unit", DIMENSION, f"{source!r} does not measure what {rule.unit!r} does")
    difference = row.indicated - row.nominal if _has_reading(row) else row.error
    return _convert(difference, source, rule.unit), _convert(row.uncertainty, source, rule.unit)


def _relative(row: Row, unit: str, rule: RuleUnit) -> tuple[Decimal, Decimal]:
    ratio_unit = unit if unit and units.is_dimensionless(unit) else rule.unit
    if _has_reading(row):
        percent = conformity.error_of(row.nominal, row.indicated, conformity.RELATIVE_PERCENT)
        error = _convert(percent, units.PERCENT, rule.unit)
    elif unit and ratio_unit != unit:
        raise PointProblem("unit", RATIO, f"a relative error is a ratio (% or ‰), not {unit!r}")
    else:
        error = _convert(row.error, ratio_unit, rule.unit)
    return error, _convert(row.uncertainty, ratio_unit, rule.unit)


def in_rule_unit(row: Row, rule: RuleUnit | None) -> tuple[Decimal, Decimal]:
    """(error, U) of the row in the rule's unit; without a rule (a calibration), in the row's.
    Raises PointProblem (a unit) or conformity.ConformityError (a value the error cannot come from)."""
    if row.error is None and not _has_reading(row):
        raise PointProblem("error", MISSING, "neither an error nor both nominal and indicated values")
    unit = _row_unit(row)
    if rule is None:
        error = row.indicated - row.nominal if _has_reading(row) else row.error
        return conformity.quantize(error), conformity.quantize(row.uncertainty)
    if rule.basis == conformity.ABSOLUTE:
        return _absolute(row, unit, rule)
    if rule.basis == conformity.RELATIVE_PERCENT:
        return _relative(row, unit, rule)
    error = row.error
    if _has_reading(row):
        error = conformity.error_of(row.nominal, row.indicated, rule.basis, rule.scale_interval)
    return conformity.quantize(error), conformity.quantize(row.uncertainty)


def as_typed(value: Decimal, rule_unit: str, row_unit: str) -> Decimal:
    """A stored error or U (in the rule's unit) in the unit the row typed it in: the row's unit when
    that measures what the rule's does, else the rule's — the inverse of ``in_rule_unit``."""
    row_unit, rule_unit = row_unit.strip(), rule_unit.strip()
    if not row_unit or row_unit == rule_unit or not units.is_known(row_unit) or not units.is_known(rule_unit):
        return value
    if not units.same_dimension(row_unit, rule_unit):
        return value
    return conformity.quantize(units.convert_difference(value, rule_unit, row_unit))


def rule_unit_problem(basis: str, unit: str) -> str | None:
    """Why ``unit`` cannot be the unit of a rule's error of ``basis`` (SCALE: not e; UNKNOWN; RATIO:
    a relative error in a unit that is no ratio), or None."""
    unit = unit.strip()
    if basis == conformity.SCALE_INTERVAL:
        return None if unit == units.SCALE_INTERVAL else SCALE
    if unit == units.SCALE_INTERVAL or not units.is_known(unit):
        return UNKNOWN
    if basis == conformity.RELATIVE_PERCENT and not units.is_dimensionless(unit):
        return RATIO
    return None
