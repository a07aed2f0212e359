"""The pure draw: reproducible, fair to the weights, never sending a conflicted inspector."""

import hashlib
import hmac
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.supervision.draw import (
    GRADES,
    DrawError,
    Inputs,
    Weighting,
    draw_businesses,
    run,
    seed_from_checkpoint,
    uniform_from,
    verify,
)
from jiliang.ledger.entries import document_digest

EVEN = Weighting({"A": 25, "B": 25, "C": 25, "D": 25})
CHECKPOINT = "ledger.bazhong.example/jiliang\n7\nq3Z9nS0KxH4u1mNpd0T2W7vC6o9S5fV3k2c8YbLh0aE=\n"


def _seed(i: int) -> bytes:
    return hashlib.sha256(str(i).encode()).digest()


def _inputs(n_candidates=20, count=5, inspectors=6, conflicts=None, weighting=EVEN, grades=None):
    return Inputs(
        plan="P1",
        count=count,
        candidates=[weighting.candidate(str(i), (grades or "ABCD")[i % len(grades or "ABCD")], i % 3)
                    for i in range(n_candidates)],
        weighting=weighting,
        inspectors=[f"u{i}" for i in range(inspectors)],
        conflicts=conflicts or {},
    )


candidate_lists = st.lists(
    st.tuples(st.integers(0, 10_000), st.sampled_from(GRADES), st.integers(0, 5)),
    min_size=3, max_size=40, unique_by=lambda t: t[0],
)


@st.composite
def draw_inputs(draw):
    weighting = Weighting({"A": 10, "B": 20, "C": 30, "D": 40}, alert_weight=50, alert_cap=4)
    candidates = [weighting.candidate(str(i), g, a) for i, g, a in draw(candidate_lists)]
    inspectors = [f"u{i}" for i in range(draw(st.integers(2, 8)))]
    conflicts = {}
    for c in candidates:
        barred = draw(st.sets(st.sampled_from(inspectors), max_size=len(inspectors) - 2))
        if barred:
            conflicts[c.id] = frozenset(barred)
    return Inputs("P", draw(st.integers(1, len(candidates))), candidates, weighting, inspectors, conflicts)


@settings(max_examples=60)
@given(draw_inputs(), st.binary(min_size=32, max_size=32))
def test_same_inputs_same_draw(inputs, seed):
    first = run(seed, inputs)
    again = run(seed, Inputs.from_document(inputs.document()))
    assert first == again
    assert len(first["drawn"]) == inputs.count
    assert len({d["business"] for d in first["drawn"]}) == inputs.count  # without replacement


@settings(max_examples=60)
@given(draw_inputs(), st.binary(min_size=32, max_size=32))
def test_conflicted_inspectors_are_never_drawn_and_pairs_are_two_people(inputs, seed):
    for drawn in run(seed, inputs)["drawn"]:
        pair = drawn["inspectors"]
        assert len(set(pair)) == 2
        assert not set(pair) & inputs.conflicts.get(drawn["business"], frozenset())


def test_one_draw_of_four_follows_the_grade_weights_chi_square():
    # D weighs 4 times A: over 4000 seeds, each is drawn in proportion to its weight.
    weighting = Weighting({"A": 10, "B": 20, "C": 30, "D": 40})
    inputs = Inputs("P", 1, [weighting.candidate(g, g) for g in GRADES], weighting, ["x", "y"], {})
    seeds = 4000
    counts = Counter(draw_businesses(_seed(i), inputs)[0] for i in range(seeds))
    expected = {g: seeds * r / 100 for g, r in weighting.grade_ratios.items()}
    chi_square = sum((counts[g] - expected[g]) ** 2 / expected[g] for g in GRADES)
    assert chi_square < 16.27  # 3 degrees of freedom, p = 0.001


def test_equal_weights_give_every_business_the_same_chance_chi_square():
    inputs = _inputs(n_candidates=10, count=3, weighting=EVEN, grades="A")
    seeds = 3000
    counts = Counter(b for i in range(seeds) for b in draw_businesses(_seed(i), inputs))
    expected = seeds * 3 / 10
    chi_square = sum((counts[str(i)] - expected) ** 2 / expected for i in range(10))
    assert chi_square < 27.88  # 9 degrees of freedom, p = 0.001


def test_open_alerts_raise_the_chance_of_being_drawn():
    weighting = Weighting({"A": 25, "B": 25, "C": 25, "D": 25}, alert_weight=100, alert_cap=4)
    candidates = [weighting.candidate("quiet", "B", 0), weighting.candidate("alarmed", "B", 3)]
    inputs = Inputs("P", 1, candidates, weighting, ["x", "y"], {})
    counts = Counter(draw_businesses(_seed(i), inputs)[0] for i in range(2000))
    assert counts["alarmed"] > 3 * counts["quiet"]  # weights 400 : 100


def test_a_grade_weighted_zero_is_never_drawn():
    weighting = Weighting({"A": 0, "B": 0, "C": 50, "D": 50})
    inputs = _inputs(n_candidates=12, count=6, weighting=weighting)
    drawn = {d["business"] for d in run(_seed(1), inputs)["drawn"]}
    assert {"ABCD"[int(b) % 4] for b in drawn} <= {"C", "D"}


def test_verify_says_match_for_the_draw_and_no_match_for_any_change():
    inputs = _inputs()
    result = run(seed_from_checkpoint(CHECKPOINT), inputs)
    assert verify(inputs.document(), CHECKPOINT, result)
    assert not verify(inputs.document(), CHECKPOINT.replace("\n7\n", "\n8\n"), result)
    tampered = {**result, "drawn": list(reversed(result["drawn"]))}
    assert not verify(inputs.document(), CHECKPOINT, tampered)
    other = {**inputs.document(), "count": 4}
    assert not verify(other, CHECKPOINT, result)


@pytest.mark.parametrize(("change", "field"), [
    ({"count": 21}, "count"),
    ({"count": 0}, "count"),
    ({"inspectors": 1}, "inspectors"),
])
def test_impossible_inputs_are_refused_naming_the_field(change, field):
    with pytest.raises(DrawError) as refused:
        run(_seed(0), _inputs(**change))
    assert refused.value.field == field


@pytest.mark.parametrize("ratios", [{"A": 30, "B": 30, "C": 30, "D": 30}, {"A": 50, "B": 50},
                                    {"A": 110, "B": -10, "C": 0, "D": 0}])
def test_grade_ratios_that_do_not_sum_to_100_or_miss_a_grade_are_refused(ratios):
    with pytest.raises(DrawError) as refused:
        Weighting(ratios).check()
    assert refused.value.field == "grade_ratios"


def test_a_business_every_inspector_is_conflicted_with_refuses_the_draw():
    inputs = _inputs(n_candidates=3, count=3, inspectors=3, conflicts={"1": frozenset({"u0", "u1"})})
    with pytest.raises(DrawError) as refused:
        run(_seed(0), inputs)
    assert refused.value.field == "inspectors"


@settings(max_examples=200)
@given(st.binary(min_size=0, max_size=100), st.text(max_size=40))
def test_the_prepared_hmac_gives_the_bytes_of_hmac_sha256(seed, label):
    mac = hmac.digest(seed, label.encode(), "sha256")
    assert uniform_from(seed)(label) == ((int.from_bytes(mac[:8], "big") >> 11) + 0.5) / 2.0**53


@given(st.lists(st.tuples(st.integers(0, 10_000).map(str), st.sampled_from(GRADES), st.integers(-2, 7)), max_size=60),
       st.integers(0, 200), st.integers(0, 6))
def test_weighing_many_businesses_gives_the_weights_of_weighing_each(businesses, alert_weight, alert_cap):
    weighting = Weighting({"A": 10, "B": 20, "C": 30, "D": 40}, alert_weight, alert_cap)
    assert weighting.candidates(businesses) == [weighting.candidate(*business) for business in businesses]


def test_weighing_many_businesses_refuses_one_without_a_grade():
    with pytest.raises(DrawError) as refused:
        EVEN.candidates([("1", "A", 0), ("2", "", 0)])
    assert refused.value.field == "candidates"


def test_a_committed_draw_stays_the_same_byte_for_byte():
    # Digests of the inputs and result of this draw as made before the draw was sped up (plans
    # already committed and drawn must verify forever).
    weighting = Weighting({"A": 10, "B": 20, "C": 30, "D": 40}, alert_weight=50, alert_cap=4)
    inputs = Inputs(
        plan="7", count=300, weighting=weighting, inspectors=[str(n) for n in range(1, 13)],
        candidates=[weighting.candidate(str(n), "ABCD"[n % 4], n % 3) for n in range(1, 3001)],
        conflicts={str(n): frozenset({str(n % 12 + 1), str(n % 5 + 1)}) for n in range(1, 3001, 7)},
    )
    result = run(seed_from_checkpoint("jiliang.example/log\n42\nAAAA\n"), inputs)
    assert document_digest(inputs.document()) == "43d58a2d62fd5047342230182722f764b02cd146f75e293572d461033cd41f1f"
    assert document_digest(result) == "debe06f0a3141b0a16f8702b8b24d091f701d25783a19e8ab78fe9079a4570f4"
    assert result["drawn"][:2] == [{"business": "877", "inspectors": ["5", "8"]},
                                   {"business": "1043", "inspectors": ["10", "11"]}]
