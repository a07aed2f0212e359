"""Chinese names for the MPE and catalogue reference rows' research wording (issue 12, defect 9)."""

import csv
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiliang.registry.catalogue import CATALOGUE_FILE
from jiliang.registry.regulations import regulation_references
from jiliang.verification import mpe_words, units
from jiliang.verification.mpe_table import mpe_rows

ENGLISH_WORD = re.compile(r"\b[a-z]{3,}\b")


def _rows(path):
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("rule", mpe_rows(), ids=lambda rule: rule["key"])
def test_every_reference_rule_reads_in_chinese(rule):
    """As stored (mpe_rows: a rule without a test point names its instrument) and as the pages show it."""
    shown = [mpe_words.quantity_zh(rule["quantity"]), mpe_words.condition_zh(rule["condition"]),
             mpe_words.applies_to_zh(rule["applies_to"]), mpe_words.clause_zh(rule["clause"]),
             regulation_references(rule["regulation"])]
    assert not [text for text in shown if ENGLISH_WORD.search(text)]
    # A unit is a symbol ("min", "kWh"), the same in Chinese text, or a word of the table.
    assert units.is_known(rule["unit"]) or not ENGLISH_WORD.search(mpe_words.unit_zh(rule["unit"]))


@pytest.mark.parametrize("row", _rows(CATALOGUE_FILE), ids=lambda row: row["id"])
def test_every_catalogue_regulation_reads_as_its_references(row):
    shown = regulation_references(row["verification_regulation"])
    assert not ENGLISH_WORD.search(shown)
    assert "in force" not in shown and "unverified" not in shown


def test_a_regulation_keeps_its_title_and_drops_what_it_replaced():
    assert regulation_references("JJG 443-2023 燃油加油机(试行), issued 2023-12-21, in force 2024-05-01 "
                                 "(replaced JJG 443-2015)") == "JJG 443-2023 燃油加油机(试行)"
    assert regulation_references("unverified") == "未核实" and regulation_references("") == ""


@given(st.text(max_size=120))
def test_any_regulation_text_gives_references_or_a_chinese_word(text):
    shown = regulation_references(text)
    assert shown in ("", "未核实") or all(part.startswith("JJ") for part in shown.split("；"))


@given(st.text(max_size=60))
def test_an_unknown_wording_is_shown_as_stored(text):
    if text.strip() not in mpe_words.QUANTITIES:
        assert mpe_words.quantity_zh(text) == text
