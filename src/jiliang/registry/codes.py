"""Unified social credit codes (统一社会信用代码, GB 32100-2015). Pure logic, no Django.

The mod-31 check character comes from python-stdnum; the organization code embedded in positions
9-17 (GB 11714-1997, mod 11) is checked too, but only as a warning: whether every issued code
passes that inner check is not confirmed (see data/uscc.md).
"""

import unicodedata
from dataclasses import dataclass, field

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

ORGANIZATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ALPHABET_36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
FORBIDDEN_LETTERS = "IOZSV"


@dataclass(frozen=True)
class UsccCheck:
    code: str
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return self.error is None


def organization_code_check_character(body: str) -> str:
    """GB 11714-1997 check character of an 8-character organization code body."""
    total = sum(ALPHABET_36.index(c) * w for c, w in zip(body, ORGANIZATION_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def normalise_uscc(raw: str | None) -> str:
    """The code as typed, in the form it is stored: a Chinese input method types full-width
    characters (ＡＢＣ１２３), which NFKC folds to ASCII; spaces and hyphens go, letters are upper-cased."""
    folded = unicodedata.normalize("NFKC", raw or "")
    kept = "".join(c for c in folded if not c.isspace() and c != "-").upper()
    return unicodedata.normalize("NFKC", kept)  # upper-casing can decompose (ǰ -> J̌)


def _format_error(code: str) -> str:
    forbidden = sorted({c for c in code if c in FORBIDDEN_LETTERS})
    if forbidden:
        return f"统一社会信用代码不得含字母 {'、'.join(forbidden)}(GB 32100 不用 I、O、Z、S、V)"
    foreign = sorted({c for c in code if c not in USCC_ALPHABET})
    if foreign:
        return f"统一社会信用代码含有非法字符：{'、'.join(foreign)}"
    return "统一社会信用代码前 8 位应为数字(登记管理部门、机构类别和行政区划码)"


def check_uscc(raw: str | None) -> UsccCheck:
    """Validate a USCC; the error names what is wrong, e.g. the expected check character."""
    code = normalise_uscc(raw)
    if not code:
        return UsccCheck(code, "请填写统一社会信用代码(18 位)")
    try:
        stdnum_uscc.validate(code)
    except InvalidLength:
        return UsccCheck(code, f"统一社会信用代码应为 18 位，实际为 {len(code)} 位")
    except InvalidFormat:
        return UsccCheck(code, _format_error(code))
    except InvalidChecksum:
        expected = stdnum_uscc.calc_check_digit(code[:17])
        return UsccCheck(code, f"统一社会信用代码校验位错误：第 18 位应为 {expected}，实际为 {code[17]}")
    warnings = []
    body, check = code[8:16], code[16]
    if all(c in ALPHABET_36 for c in body):
        expected_inner = organization_code_check_character(body)
        if expected_inner != check:
            warnings.append(
                f"内嵌组织机构代码(GB 11714)校验位应为 {expected_inner}，实际为 {check}；请核对"
            )
    return UsccCheck(code, None, warnings)


def make_uscc(category: str, division_code: str, organization_body: str) -> str:
    """Build a valid USCC (both check characters) from a 2-character category ("91" enterprise),
    a 6-digit division code and an 8-character organization code body; for demo and seed data."""
    inner = organization_body + organization_code_check_character(organization_body)
    first17 = category + division_code + inner
    return first17 + stdnum_uscc.calc_check_digit(first17)
