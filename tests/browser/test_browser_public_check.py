"""The public check's in-browser proof (verification/static/verification/logcheck.js) in headless
Chromium: the page proves the certificate's log entry against the latest checkpoint with WebCrypto,
says so when the served proof is altered, and the script agrees with the RFC 6962 / transparency-dev
vectors the Python side is tested against."""

import base64
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jiliang.ledger import selectors as ledger_selectors
from jiliang.ledger import sequencer
from jiliang.verification import public_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VECTORS = Path(__file__).parents[1] / "ledger" / "vectors"
SCRIPT = "/static/verification/logcheck.js"


@pytest.fixture
def logged_certificate(world):
    """The third of three certificates on a published log, so that its proof is not empty."""
    # Three instruments: an instrument gets one certificate a day.
    certificates = [world.record(instrument=world.make_instrument()) for _ in range(3)]
    sequencer.publish()
    return certificates[-1]


def open_check(page, certificate):
    page.goto(f"/check/?number={certificate.number}&code={public_check.code_of(certificate.number)}")
    return page.locator("[data-log-check]")


def test_the_page_proves_the_entry_against_the_latest_checkpoint(page, logged_certificate):
    check = open_check(page, logged_certificate)
    expect(check).to_have_attribute("data-state", "verified")
    expect(page.get_by_test_id("log-outcome")).to_contain_text("核验通过")
    # The latest checkpoint's size: the world's trust anchors are on the log before the certificates.
    expect(check.locator("[data-tree-size]")).to_have_text(str(ledger_selectors.tree_size()))


@pytest.mark.parametrize("alter", ["proof", "entry"])
def test_an_altered_proof_or_entry_is_reported_as_not_verified(page, logged_certificate, alter):
    def tamper(route):
        body = route.fetch().json()
        if alter == "proof":
            first = bytearray(base64.b64decode(body["proof"][0]))
            first[0] ^= 1
            body["proof"][0] = base64.b64encode(bytes(first)).decode()
        else:
            body["entry"] = base64.b64encode(base64.b64decode(body["entry"]).replace(b'"time":"2', b'"time":"1')).decode()
        route.fulfill(json=body)

    page.route("**/api/v1/log/inclusion*", tamper)
    check = open_check(page, logged_certificate)
    expect(check).to_have_attribute("data-state", "failed")
    expect(page.get_by_test_id("log-outcome")).to_contain_text("核验未通过")


def test_the_script_agrees_with_the_inclusion_vectors(page, live_server):
    page.goto("/check/")
    page.add_script_tag(url=SCRIPT)
    probes = json.loads((VECTORS / "merkle_inclusion_probes.json").read_text())["probes"]
    cases = [{"index": str(p["leafIdx"]), "size": str(p["treeSize"]), "leaf": p["leafHash"], "root": p["root"],
              "proof": p["proof"] or [], "ok": not p["wantErr"]} for p in probes]
    tree = json.loads((VECTORS / "rfc6962_reference_tree.json").read_text())
    leaves, roots = tree["node_hashes_hex"][0], tree["root_hashes_hex"]
    for proof in tree["inclusion_proofs"]:
        index, size = proof["leaf_index_1based"] - 1, proof["tree_size"]
        cases.append({"index": str(index), "size": str(size), "leaf": _b64(leaves[index]), "root": _b64(roots[size]),
                      "proof": [_b64(h) for h in proof["proof_hex"]], "ok": True})
    results = page.evaluate("""async (cases) => {
        const L = window.JiliangLogCheck, out = [];
        for (const c of cases) {
            out.push(await L.verifyInclusion(Number(c.index), Number(c.size), L.fromBase64(c.leaf),
                                             c.proof.map(L.fromBase64), L.fromBase64(c.root)));
        }
        return out;
    }""", cases)
    assert results == [c["ok"] for c in cases]
    assert any(c["ok"] for c in cases) and not all(c["ok"] for c in cases)


def test_the_script_hashes_leaves_as_rfc_6962_says(page, live_server):
    page.goto("/check/")
    page.add_script_tag(url=SCRIPT)
    tree = json.loads((VECTORS / "rfc6962_reference_tree.json").read_text())
    computed = page.evaluate("""async (inputs) => {
        const L = window.JiliangLogCheck, out = [];
        for (const hex of inputs) {
            const bytes = new Uint8Array(hex.match(/../g) || []).map((_, i) => parseInt(hex.substr(2 * i, 2), 16));
            out.push(L.toHex(await L.leafHash(bytes)));
        }
        return out;
    }""", tree["leaf_inputs_hex"])
    assert computed == tree["node_hashes_hex"][0]


def _b64(hex_text: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_text)).decode()
