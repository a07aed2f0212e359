"""USCC (GB 32100) and public-code pure logic: every example of uscc.md, and properties."""

import random
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc

from jiliang.registry import public_code, rules
from jiliang.registry.codes import check_uscc, make_uscc, normalise_uscc, organization_code_check_character

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALID_EXAMPLES = [  # ../shared/reference/uscc.md, "Examples"
    "91511902MA6A1B2C3B", "92511923L012345650", "93511921MA62TJ7K88", "125119004507123474",
    "91511903MA6QWE3R4T", "91110000600037341L",
]


@pytest.mark.parametrize("code", VALID_EXAMPLES)
def test_every_valid_example_of_the_reference_passes_both_checks(code):
    check = check_uscc(code)
    assert check.is_valid, check.error
    assert check.warnings == []


def test_a_wrong_check_character_names_the_expected_one():
    check = check_uscc("91511902MA6A1B2C3C")
    assert not check.is_valid
    assert "应为 B" in check.error and "实际为 C" in check.error


def test_a_forbidden_character_is_an_error():
    check = check_uscc("91511902MAIA1B2C3B")
    assert not check.is_valid and "I" in check.error


@pytest.mark.parametrize("raw", ["9151190", "91511902MA6A1B2C3B0"])
def test_a_wrong_length_is_an_error_naming_the_length(raw):
    check = check_uscc(raw)
    assert not check.is_valid and str(len(raw)) in check.error


@pytest.mark.parametrize(("body", "check"), [("00251805", "7"), ("00251807", "3"), ("00251808", "1"),
                                              ("00251809", "X")])
def test_the_organization_code_vectors_of_the_reference(body, check):
    assert organization_code_check_character(body) == check


def test_an_inner_organization_code_failure_is_a_warning_not_an_error():
    first17 = "91511902MA6A1B2C" + "9"  # inner check of MA6A1B2C is 3, not 9
    code = first17 + uscc.calc_check_digit(first17)
    check = check_uscc(code)
    assert check.is_valid
    assert check.warnings and "GB 11714" in check.warnings[0]


def test_spaces_and_lower_case_are_normalised():
    assert check_uscc(" 91511902ma6a1b2c3b ").code == "91511902MA6A1B2C3B"


@given(st.sampled_from(["91", "92", "93", "12"]), st.sampled_from(["511902", "511921", "511900"]),
       st.text(alphabet=string.digits + "ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))
def test_made_codes_are_valid_and_any_single_substitution_of_the_check_is_caught(category, division, body):
    code = make_uscc(category, division, body)
    check = check_uscc(code)
    assert check.is_valid and check.warnings == []
    for other in USCC_ALPHABET.replace(code[17], "")[:5]:
        assert not check_uscc(code[:17] + other).is_valid


seeds = st.integers(min_value=0, max_value=2**32)


@given(seeds)
def test_new_public_codes_are_valid_canonical_and_eleven_characters(seed):
    code = public_code.new_code(random.Random(seed).randrange)
    assert len(code) == public_code.LENGTH
    assert public_code.is_valid(code)
    assert public_code.normalize(code) == code


@given(seeds, st.integers(min_value=0, max_value=10), st.integers(min_value=1, max_value=31))
def test_every_single_character_substitution_is_detected(seed, position, shift):
    code = public_code.new_code(random.Random(seed).randrange)
    index = public_code.ALPHABET.index(code[position])
    wrong = code[:position] + public_code.ALPHABET[(index + shift) % 32] + code[position + 1:]
    assert not public_code.is_valid(wrong)


@given(seeds)
def test_what_people_type_normalises_back_to_the_code(seed):
    code = public_code.new_code(random.Random(seed).randrange)
    typed = public_code.grouped(code).lower().replace("0", "o").replace("1", "l")
    assert public_code.normalize(typed) == code


@given(st.text(alphabet=rules.SEARCH_ALPHABET, min_size=1, max_size=8),
       st.text(alphabet=rules.SEARCH_ALPHABET, max_size=8))
def test_every_key_with_a_prefix_lies_below_the_prefix_upper_bound(prefix, rest):
    upper = rules.prefix_upper_bound(prefix)
    key = prefix + rest
    assert key >= prefix
    assert upper is None or key < upper


def test_search_keys_ignore_case_spaces_and_dashes():
    assert rules.search_key("ab-12 3/x") == "AB123X"


@given(st.text())
def test_a_search_key_keeps_only_the_upper_case_letters_and_digits(text):
    assert rules.search_key(text) == "".join(c for c in text.upper() if c in rules.SEARCH_ALPHABET)


@given(st.lists(st.integers(min_value=0, max_value=31), min_size=10, max_size=10))
def test_a_code_from_fifty_bits_is_the_code_of_the_same_ten_draws(draws):
    number = 0
    for value in draws:
        number = number * 32 + value
    code = public_code.from_number(number)
    remaining = iter(draws)
    assert code == public_code.new_code(lambda bound: next(remaining))
    assert public_code.is_valid(code)


def full_width(text: str) -> str:
    """As a Chinese input method in full-width mode types it: ASCII letters and digits shifted to U+FF01.., the
    space to the ideographic space."""
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) for c in text)


def test_a_full_width_code_is_the_same_code():
    check = check_uscc(full_width("91511902ma6a1b2c3b"))
    assert check.is_valid, check.error
    assert check.code == "91511902MA6A1B2C3B"


def test_a_full_width_code_with_a_wrong_check_is_not_blamed_on_forbidden_letters():
    check = check_uscc(full_width("91511902MA6A1B2C3C"))
    assert "应为 B" in check.error and "I、O" not in check.error


def test_a_forbidden_letter_is_named_and_a_foreign_character_too():
    assert "不得含字母 O" in check_uscc("91511902MAOA1B2C3B").error
    assert "非法字符：#" in check_uscc("91511902MA#A1B2C3B").error


@pytest.mark.parametrize("raw", ["", "   ", None, "\u3000"])
def test_an_empty_code_is_answered_in_chinese(raw):
    assert check_uscc(raw).error == "请填写统一社会信用代码(18 位)"


@given(st.sampled_from(["91", "92", "93", "12"]), st.sampled_from(["511902", "511921", "511900"]),
       st.text(alphabet=string.digits + "ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8),
       st.lists(st.sampled_from([" ", "\u3000", "-", "\t"]), max_size=3), st.booleans(), st.booleans())
def test_any_typing_of_a_valid_code_normalises_to_it(category, division, body, separators, wide, lower):
    code = make_uscc(category, division, body)
    typed = code.lower() if lower else code
    typed = full_width(typed) if wide else typed
    for position, separator in enumerate(separators):
        cut = (position * 7) % len(typed)
        typed = typed[:cut] + separator + typed[cut:]
    assert normalise_uscc(typed) == code
    assert check_uscc(typed).is_valid


@given(st.text(max_size=40))
def test_any_text_gets_a_verdict_in_chinese_or_passes(text):
    check = check_uscc(text)
    assert check.code == normalise_uscc(check.code)
    assert check.is_valid or any("\u4e00" <= c <= "\u9fff" for c in check.error)
