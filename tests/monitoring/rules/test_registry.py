"""Every rule of monitoring.md is registered, described in both languages, and has cited thresholds."""

import copy

import pytest

from jiliang.monitoring.rules import registry
from jiliang.monitoring.rules.thresholds import THRESHOLD_TYPES, load_document, rulebook_from_document
from jiliang.monitoring.rules.types import DeviceKind, Window

CODES = [f"FD-{i:02d}" for i in range(1, 14)] + [f"MT-{i:02d}" for i in range(1, 12)] + [f"CP-{i:02d}" for i in range(1, 9)]


def test_all_rules_are_registered_with_thresholds_and_descriptions(rulebook):
    assert sorted(registry.RULES) == sorted(CODES) == sorted(THRESHOLD_TYPES)
    for code, spec in registry.RULES.items():
        assert spec.description_zh and spec.description_en
        assert spec.window_length(rulebook).total_seconds() >= 0


def test_every_threshold_is_cited_with_confidence_and_unconfirmed_ones_are_editable():
    document = load_document()
    for code, rule in document["rules"].items():
        for name, entry in rule["thresholds"].items():
            assert entry["source"], (code, name)
            assert entry["confidence"] in ("cited", "verify", "proposed"), (code, name)
            assert entry["editable_default"] is (entry["confidence"] != "cited"), (code, name)


def test_rules_for_a_device_kind(rulebook):
    nozzle_rules = {spec.code for spec in registry.rules_for_kind(DeviceKind.NOZZLE)}
    assert {f"FD-{i:02d}" for i in range(1, 14)} - {"FD-07"} <= nozzle_rules
    assert {spec.code for spec in registry.rules_for_kind("charger")} >= {f"CP-{i:02d}" for i in range(1, 9)}


def test_an_edited_copy_changes_behaviour(at):
    from jiliang.monitoring.rules.types import DeviceProfile, DispenserTransaction

    document = copy.deepcopy(load_document())
    document["version"] = "2025.1-bazhong-1"
    document["rules"]["FD-06"]["thresholds"]["amount_tolerance_yuan"]["value"] = 1.0
    edited = rulebook_from_document(document)
    tx = DispenserTransaction("N1", 1, at(), 60, 40.0, 4000, 100.0, 7.5, 300.5, 0.0, 40.0, 20.0)
    w = Window(now=at(), profiles={"N1": DeviceProfile("N1", DeviceKind.NOZZLE, "S1")}, transactions=(tx,))
    assert edited.version == "2025.1-bazhong-1"
    assert registry.RULES["FD-06"].evaluate(w, edited) == []
    assert registry.RULES["FD-06"].evaluate(w, rulebook_from_document(load_document()))


@pytest.mark.parametrize("code", CODES)
def test_every_rule_runs_on_an_empty_window(rulebook, at, code):
    assert registry.RULES[code].evaluate(Window(now=at()), rulebook) == []
