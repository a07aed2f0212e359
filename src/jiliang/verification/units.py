"""Units of MPE rules and test points, checked and converted with pint. Pure, no Django.

A rule states its error in a unit ("%", "‰", "s", "min", "kPa", "e"); a test point is typed in the
unit its reading has ("L", "mL", "mmHg", "秒"). The point's unit must have the rule's dimension
where the error is absolute; compatible units are converted exactly (Decimal arithmetic), and an
incompatible or unknown unit is refused. ``e`` (the verification scale interval of a weighing
instrument) is no unit pint knows — pint's ``e`` is the elementary charge — so it is kept apart.

Chinese names that verifiers type (秒, 分钟, 升, 毫升, 千帕, 毫米汞柱 …) are defined here; ‰ is pint's
permille.
"""

import functools
from decimal import Decimal

import pint

SCALE_INTERVAL = "e"
PERCENT = "%"

# Chinese unit names and symbols pint lacks, in pint's definition syntax.
DEFINITIONS = (
    "秒 = second", "分钟 = minute", "分 = minute", "小时 = hour",
    "升 = liter", "毫升 = milliliter", "立方米 = meter ** 3",
    "千克 = kilogram", "公斤 = kilogram", "克 = gram", "毫克 = milligram", "吨 = tonne",
    "米 = meter", "毫米 = millimeter", "千米 = kilometer", "公里 = kilometer",
    "帕 = pascal", "千帕 = kilopascal", "兆帕 = megapascal", "毫米汞柱 = mmHg",
    "千瓦时 = kilowatt_hour", "度电 = kilowatt_hour",
    "屈光度 = 1 / meter",
)
# Symbols pint's parser cannot read, spelt the way it can.
_SPELLINGS = {"‰": "permille", "℃": "degC", "·": "*", "（": "(", "）": ")"}


class UnitError(ValueError):
    """A unit that is unknown, or that cannot be converted to the one asked for."""


@functools.cache
def registry() -> pint.UnitRegistry:
    units = pint.UnitRegistry(non_int_type=Decimal)
    for definition in DEFINITIONS:
        units.define(definition)
    return units


def _spelt(text: str) -> str:
    for symbol, spelling in _SPELLINGS.items():
        text = text.replace(symbol, spelling)
    return text.strip()


@functools.lru_cache(maxsize=512)
def parse(text: str) -> pint.Unit:
    """The pint unit of ``text`` ("" is dimensionless); raises UnitError for an unknown one."""
    if text.strip() == SCALE_INTERVAL:
        raise UnitError(f"{text!r} is the verification scale interval, not a physical unit")
    try:
        return registry().parse_units(_spelt(text))
    except Exception as exc:  # pint's parser tokenises the text as Python: any kind of error can come out
        raise UnitError(f"unknown unit {text!r}") from exc


def is_known(text: str) -> bool:
    if text.strip() == SCALE_INTERVAL:
        return True
    try:
        parse(text)
    except UnitError:
        return False
    return True


def same_dimension(first: str, second: str) -> bool:
    """Whether the two units measure the same kind of quantity (s and min; mL and L; ‰ and %)."""
    if SCALE_INTERVAL in (first.strip(), second.strip()):
        return first.strip() == second.strip()
    return parse(first).dimensionality == parse(second).dimensionality


def is_dimensionless(text: str) -> bool:
    return text.strip() != SCALE_INTERVAL and parse(text).dimensionless


def _quantity(value: Decimal, unit: str):
    return registry().Quantity(value, parse(unit))


def convert(value: Decimal, source: str, target: str) -> Decimal:
    """A reading of ``value`` in ``source`` expressed in ``target`` (offsets included: °C to K)."""
    if source.strip() == target.strip():
        return value
    if not same_dimension(source, target):
        raise UnitError(f"{source!r} cannot be converted to {target!r}")
    try:
        return Decimal(_quantity(value, source).to(parse(target)).magnitude)
    except (pint.errors.PintError, TypeError, ArithmeticError) as exc:  # TypeError: logarithmic units (dB)
        raise UnitError(f"{source!r} cannot be converted to {target!r}") from exc


def convert_difference(value: Decimal, source: str, target: str) -> Decimal:
    """A difference (an error, an uncertainty) of ``value`` in ``source`` expressed in ``target``:
    the scale of the conversion without its offset, so that 1 °C of error is 1 K, not 274.15 K."""
    if source.strip() == target.strip():
        return value
    return convert(value, source, target) - convert(Decimal(0), source, target)
