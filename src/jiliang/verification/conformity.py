"""Conformity decisions against a maximum permissible error (MPE), under a stated decision rule.

Pure logic, no Django: exact decimal arithmetic, so that a decision at the limit is the same on every
machine. Two rules, both from JJF 1094-2002 (评定测量仪器计量特性) and ILAC-G8:

- ``simple_acceptance`` (the default): usable only when the expanded uncertainty U of the error is
  no more than one third of the MPE (U ≤ MPE/3, JJF 1094); the error is then compared with the MPE
  directly: conforming iff lower ≤ error ≤ upper.
- ``guarded_acceptance``: when U may be larger, the acceptance zone shrinks by U on each side:
  conforming iff lower + U ≤ error ≤ upper − U.

"MPE" in "U ≤ MPE/3" is the half-width of the tolerance zone, (upper − lower)/2, which is |MPE| for
the usual symmetric ±MPE and stays meaningful for an asymmetric one (a taximeter's −4 % … +1 %).

Either way a point whose error lies within U of a limit (|error − limit| ≤ U) is marked
``near_limit``: the verdict stands under the rule, but the measurement cannot tell it apart from the
other side of the limit, and the record says so.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

SIMPLE_ACCEPTANCE = "simple_acceptance"
GUARDED_ACCEPTANCE = "guarded_acceptance"
RULES = (SIMPLE_ACCEPTANCE, GUARDED_ACCEPTANCE)
DEFAULT_RULE = SIMPLE_ACCEPTANCE

RELATIVE_PERCENT = "relative_percent"
SCALE_INTERVAL = "scale_interval"
ABSOLUTE = "absolute"
ERROR_BASES = (RELATIVE_PERCENT, SCALE_INTERVAL, ABSOLUTE)

# Errors are kept (and decided) to six decimal places of their unit, the precision they are stored at;
# an error of 10^13 units or more is no measurement but a typing slip (and would not fit the column).
ERROR_QUANTUM = Decimal("0.000001")
ERROR_LIMIT = Decimal(10) ** 13


class ConformityError(ValueError):
    """Input the decision cannot be made on (a zero reference value, a negative uncertainty …)."""


class UncertaintyTooLarge(ConformityError):
    """Simple acceptance needs U ≤ MPE/3; with a larger U use guarded acceptance or a better standard."""


@dataclass(frozen=True)
class Mpe:
    lower: Decimal
    upper: Decimal

    def __post_init__(self):
        if self.lower > self.upper:
            raise ConformityError(f"MPE lower bound {self.lower} is above the upper bound {self.upper}")

    @property
    def half_width(self) -> Decimal:
        return (self.upper - self.lower) / 2


@dataclass(frozen=True)
class PointDecision:
    conforms: bool
    near_limit: bool


@dataclass(frozen=True)
class Decision:
    conforms: bool
    near_limit: bool
    points: tuple[PointDecision, ...]


def quantize(value: Decimal) -> Decimal:
    if abs(value) >= ERROR_LIMIT:
        raise ConformityError("the error is out of range")
    return value.quantize(ERROR_QUANTUM, rounding=ROUND_HALF_EVEN)


def error_of(nominal: Decimal, indicated: Decimal, basis: str, scale_interval: Decimal | None = None) -> Decimal:
    """The error of ``indicated`` against the reference value ``nominal``, in the MPE's unit:
    percent of the reference, multiples of the verification scale interval e, or absolute."""
    difference = indicated - nominal
    if basis == RELATIVE_PERCENT:
        if nominal == 0:
            raise ConformityError("a relative error needs a non-zero reference value")
        return quantize(difference / nominal * 100)
    if basis == SCALE_INTERVAL:
        if scale_interval is None or scale_interval <= 0:
            raise ConformityError("an error in e needs a positive verification scale interval e")
        return quantize(difference / scale_interval)
    if basis == ABSOLUTE:
        return quantize(difference)
    raise ConformityError(f"unknown error basis {basis!r}")


def uncertainty_allowed(uncertainty: Decimal, mpe: Mpe) -> bool:
    """Whether simple acceptance may be used: U ≤ MPE/3, compared without dividing."""
    return 3 * uncertainty <= mpe.half_width


def decide_point(error: Decimal, uncertainty: Decimal, mpe: Mpe, rule: str = DEFAULT_RULE) -> PointDecision:
    if uncertainty < 0:
        raise ConformityError("the expanded uncertainty cannot be negative")
    if rule == SIMPLE_ACCEPTANCE:
        if not uncertainty_allowed(uncertainty, mpe):
            raise UncertaintyTooLarge(
                f"U = {uncertainty} exceeds one third of the MPE half-width {mpe.half_width}"
            )
        conforms = mpe.lower <= error <= mpe.upper
    elif rule == GUARDED_ACCEPTANCE:
        conforms = mpe.lower + uncertainty <= error <= mpe.upper - uncertainty
    else:
        raise ConformityError(f"unknown decision rule {rule!r}")
    near_limit = min(abs(error - mpe.lower), abs(error - mpe.upper)) <= uncertainty
    return PointDecision(conforms=conforms, near_limit=near_limit)


def decide(points: list[tuple[Decimal, Decimal, Mpe]], rule: str = DEFAULT_RULE) -> Decision:
    """The verdict over all test points ``(error, U, mpe)``: conforming iff every point conforms.

    The verdict is near the limit when it rests on a point within U of a limit: for a pass, any
    point; for a fail, every failing point (a failure that is clear at one point is clear).
    """
    if not points:
        raise ConformityError("a decision needs at least one test point")
    decisions = tuple(decide_point(error, u, mpe, rule) for error, u, mpe in points)
    conforms = all(d.conforms for d in decisions)
    if conforms:
        near = any(d.near_limit for d in decisions)
    else:
        near = all(d.near_limit for d in decisions if not d.conforms)
    return Decision(conforms=conforms, near_limit=near, points=decisions)
