"""The verifiable double-random draw (双随机): which businesses are inspected, and by whom.

Everything here is a function of public data, so anyone can recompute a draw:

- the **inputs** document: the candidate businesses with their integer weights, the number to
  draw, the grade ratios and alert weighting the weights came from, the inspector pool and the
  conflicts; its SHA-256 goes on the transparency log before the seed exists. The credit grades
  themselves are not published (国市监信发〔2022〕6号: the classes are not made public), only the
  weight each business was given;
- the **seed**: the SHA-256 of the first log checkpoint signed after that commitment, which nobody
  (the platform included) can choose, since the candidates are fixed before it is signed;
- the **result**: drawn in two steps.

Businesses are drawn by weighted sampling without replacement (Efraimidis & Spirakis 2006): each
candidate gets the key ``u ** (1 / w)`` with ``u`` in (0, 1) from HMAC-SHA256(seed, candidate id),
and the ``n`` largest keys win. We compare ``log(u) / w``, the same order without underflow.
Weights are integers: the grade's ratio (percent) times ``100 + alert_weight * open alerts``
(capped), so a verifier in any language gets the same numbers.

Inspectors are drawn in pairs per business, in the order the businesses were drawn: the pool is
ordered by (tasks already given in this draw, HMAC key of business and inspector), anyone with a
conflict with the business is skipped, and the first two are taken. Documents are hashed as RFC 8785
JSON (``ledger.entries.document_digest``), as the log hashes them. Pure Python; no Django import.

A draw over 100,000 candidates makes 100,000 keys, so the hot path avoids per-candidate overhead:
candidates are named tuples, HMAC's padded keys are hashed once per seed (RFC 2104; a property test
checks it against ``hmac``), only the ``n`` largest keys are kept (``heapq.nlargest``), and the
inputs' digest is computed once by the caller. The result is the same, byte for byte, as before.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from jiliang.ledger.entries import document_digest

GRADES = ("A", "B", "C", "D")
PAIR = 2
_SEED_CONTEXT = b"jiliang supervision draw seed\n"


class DrawError(ValueError):
    """Inputs that cannot make a draw; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class Candidate(NamedTuple):
    id: str
    weight: int


@dataclass(frozen=True)
class Weighting:
    grade_ratios: Mapping[str, int]  # percent per grade, summing to 100
    alert_weight: int = 0  # percent added per open alert
    alert_cap: int = 0  # open alerts counted at most

    def check(self) -> None:
        ratios = self.grade_ratios
        if set(ratios) != set(GRADES):
            raise DrawError("grade_ratios", "grade ratios must name exactly the grades A, B, C and D")
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in ratios.values()):
            raise DrawError("grade_ratios", "each grade ratio is a whole percentage of at least 0")
        if sum(ratios.values()) != 100:
            raise DrawError("grade_ratios", f"grade ratios sum to {sum(ratios.values())}%, not 100%")
        if self.alert_weight < 0 or self.alert_cap < 0:
            raise DrawError("alert_weight", "the alert weighting cannot be negative")

    def candidate(self, id: str, grade: str, open_alerts: int = 0) -> Candidate:
        """A business weighted by its credit grade and its open alerts (counted up to the cap)."""
        if grade not in GRADES:
            raise DrawError("candidates", f"business {id} has no credit grade A to D")
        alerts = min(max(open_alerts, 0), self.alert_cap)
        return Candidate(id, self.grade_ratios[grade] * (100 + self.alert_weight * alerts))

    def candidates(self, businesses: Iterable[tuple[str, str, int]]) -> list[Candidate]:
        """``candidate`` for each (id, grade, open alerts): the weight is worked out once per grade
        and alert count, not once per business (a draw weighs 100,000 of them)."""
        weights: dict[tuple[str, int], int] = {}
        weighed = []
        for id, grade, open_alerts in businesses:
            weight = weights.get((grade, open_alerts))
            if weight is None:
                weight = weights[grade, open_alerts] = self.candidate(id, grade, open_alerts).weight
            weighed.append(Candidate(id, weight))
        return weighed


@dataclass(frozen=True)
class Inputs:
    """What is committed to the log before the seed exists."""

    plan: str
    count: int
    candidates: Sequence[Candidate]
    weighting: Weighting
    inspectors: Sequence[str]
    conflicts: Mapping[str, frozenset[str]]  # business id -> inspector ids never sent to it

    def document(self) -> dict:
        return {
            "plan": self.plan,
            "count": self.count,
            "candidates": [list(c) for c in self.candidates],
            "grade_ratios": dict(sorted(self.weighting.grade_ratios.items())),
            "alert_weight": self.weighting.alert_weight,
            "alert_cap": self.weighting.alert_cap,
            "inspectors": list(self.inspectors),
            "conflicts": {k: sorted(v) for k, v in sorted(self.conflicts.items()) if v},
        }

    @classmethod
    def from_document(cls, doc: Mapping) -> Inputs:
        return cls(
            plan=doc["plan"],
            count=doc["count"],
            candidates=[Candidate(str(i), w) for i, w in doc["candidates"]],
            weighting=Weighting(doc["grade_ratios"], doc["alert_weight"], doc["alert_cap"]),
            inspectors=[str(i) for i in doc["inspectors"]],
            conflicts={k: frozenset(v) for k, v in doc["conflicts"].items()},
        )

    def check(self) -> None:
        self.weighting.check()
        ids = [c.id for c in self.candidates]
        if len(set(ids)) != len(ids):
            raise DrawError("candidates", "a business is listed twice")
        if any(type(weight) is not int or weight < 0 for _, weight in self.candidates):
            raise DrawError("candidates", "a candidate's weight is not a whole number of at least 0")
        drawable = sum(1 for _, weight in self.candidates if weight > 0)
        if not 0 < self.count <= drawable:
            raise DrawError("count", f"cannot draw {self.count} of {drawable} drawable businesses")
        if len(set(self.inspectors)) < PAIR:
            raise DrawError("inspectors", "the inspector pool needs at least two inspectors")


COMMITMENT_KIND = "supervision.draw_commitment"
RESULT_KIND = "supervision.draw_result"


def commitment_record(plan: int | str, inputs_sha256: str) -> dict:
    """The record whose digest the log holds for a plan's commitment (anyone can rebuild it)."""
    return {"id": f"plan-{plan}", "inputs_sha256": inputs_sha256}


def result_record(plan: int | str, result: Mapping) -> dict:
    return {"id": f"plan-{plan}", "result_sha256": document_digest(result)}


def seed_from_checkpoint(checkpoint_text: str) -> bytes:
    """The draw's seed: a hash of the signed checkpoint's text (origin, tree size, root hash)."""
    return hashlib.sha256(_SEED_CONTEXT + checkpoint_text.encode()).digest()


_BLOCK = 64  # SHA-256's block size, HMAC's key length (RFC 2104)


def uniform_from(seed: bytes) -> Callable[[str], float]:
    """``label -> u`` in (0, 1) from HMAC-SHA256(seed, label): 53 bits, never 0 or 1. HMAC's padded
    keys are hashed once per seed (RFC 2104), so a key costs two copies of prepared hashes, a third
    of ``hmac.digest``'s time; a property test checks the bytes against ``hmac``."""
    key = (hashlib.sha256(seed).digest() if len(seed) > _BLOCK else seed).ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def uniform(label: str) -> float:
        first = inner.copy()
        first.update(label.encode())
        mac = outer.copy()
        mac.update(first.digest())
        return ((int.from_bytes(mac.digest()[:8], "big") >> 11) + 0.5) / 2.0**53

    return uniform


def draw_businesses(seed: bytes, inputs: Inputs) -> list[str]:
    """The ids of the businesses drawn, largest key first (Efraimidis-Spirakis A-Res)."""
    uniform, log = uniform_from(seed), math.log
    keyed = ((log(uniform(cid)) / weight, cid) for cid, weight in inputs.candidates if weight > 0)
    return [cid for _, cid in heapq.nlargest(inputs.count, keyed)]


def assign_inspectors(seed: bytes, businesses: Sequence[str], inputs: Inputs) -> dict[str, list[str]]:
    """A pair of inspectors for each business, none with a conflict, workload spread evenly.

    The pair is the first two of the eligible inspectors ordered by (load, key, id); keys are only
    computed for the least-loaded inspectors, load level by level, until two are found."""
    uniform = uniform_from(seed)
    load = {inspector: 0 for inspector in inputs.inspectors}
    pairs: dict[str, list[str]] = {}
    for business in businesses:
        barred = inputs.conflicts.get(business, frozenset())
        levels: dict[int, list[str]] = defaultdict(list)
        for inspector, tasks in load.items():
            if inspector not in barred:
                levels[tasks].append(inspector)
        pair: list[str] = []
        for tasks in sorted(levels):
            ranked = sorted((uniform(f"{business}|{i}"), i) for i in levels[tasks])
            pair += [inspector for _, inspector in ranked[:PAIR - len(pair)]]
            if len(pair) == PAIR:
                break
        else:
            raise DrawError("inspectors", f"business {business} has fewer than two inspectors without a conflict")
        pairs[business] = pair
        for inspector in pair:
            load[inspector] += 1
    return pairs


def run(seed: bytes, inputs: Inputs, inputs_sha256: str | None = None) -> dict:
    """The whole draw: the result document that is published and later recomputed.
    ``inputs_sha256``: the digest of the inputs' document when the caller already holds it."""
    inputs.check()
    businesses = draw_businesses(seed, inputs)
    pairs = assign_inspectors(seed, businesses, inputs)
    return {
        "plan": inputs.plan,
        "seed": seed.hex(),
        "inputs_sha256": inputs_sha256 or document_digest(inputs.document()),
        "drawn": [{"business": b, "inspectors": pairs[b]} for b in businesses],
    }


def verify(inputs_document: Mapping, checkpoint_text: str, result: Mapping, inputs_sha256: str | None = None) -> bool:
    """Whether ``result`` is exactly the draw those inputs and that checkpoint give
    (``inputs_sha256``: the inputs document's digest when the caller has just computed it)."""
    try:
        expected = run(seed_from_checkpoint(checkpoint_text), Inputs.from_document(inputs_document),
                       inputs_sha256 or document_digest(inputs_document))
    except (DrawError, KeyError, TypeError, ValueError):
        return False
    return expected == dict(result)
