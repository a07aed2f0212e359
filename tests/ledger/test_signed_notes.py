"""C2SP signed notes and checkpoints against the Go, C2SP and transparency-dev vectors."""

from __future__ import annotations

import base64

import pytest
from ledger_testkit import load_vectors

from jiliang.ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    open_checkpoint,
    parse_checkpoint,
)
from jiliang.ledger.note import (
    MAX_SIGNATURES,
    InvalidSignatureError,
    Note,
    NoteError,
    UnverifiedNoteError,
    generate_signer_key,
    open_note,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
)

VECTORS = load_vectors("signed_note_vectors.json")
GO = VECTORS["golang_sumdb_note"]
PETER = GO["keys"]["PeterNeumann"]
ENOCH = GO["keys"]["EnochRoot"]


def test_peter_skey_reproduces_vkey_and_signature_byte_for_byte() -> None:
    signer = parse_signer_key(PETER["skey"])
    assert f"{signer.key_id:08x}" == PETER["key_id_hex"]
    assert signer.verifier().vkey() == PETER["vkey"]
    assert signer.skey() == PETER["skey"]
    assert sign_note(GO["text"], [signer]) == GO["signed_by_peter"].encode()


def test_enoch_vkey_round_trips() -> None:
    verifier = parse_verifier_key(ENOCH["vkey"])
    assert f"{verifier.key_id:08x}" == ENOCH["key_id_hex"]
    assert verifier.vkey() == ENOCH["vkey"]


@pytest.mark.parametrize(
    "verifiers, want_names",
    [
        ([PETER["vkey"]], ["PeterNeumann"]),
        ([ENOCH["vkey"]], ["EnochRoot"]),
        ([PETER["vkey"], ENOCH["vkey"]], ["PeterNeumann", "EnochRoot"]),
    ],
)
def test_note_signed_by_two_keys(verifiers: list[str], want_names: list[str]) -> None:
    note = open_note(GO["signed_by_peter_and_enoch"].encode(), map(parse_verifier_key, verifiers))
    assert note.text == GO["text"]
    assert [s.name for s in note.verified] == want_names
    assert len(note.verified) + len(note.unverified) == 2


def test_unknown_keys_alone_do_not_verify_a_note() -> None:
    with pytest.raises(UnverifiedNoteError):
        open_note(GO["signed_by_peter"].encode(), [parse_verifier_key(ENOCH["vkey"])])


def test_a_known_key_with_the_wrong_name_is_unknown() -> None:
    """Name and key ID must both match: sharing only the ID (or only the name) is unknown."""
    impostor = parse_verifier_key(ENOCH["vkey"])
    impostor.name = "PeterNeumann"
    with pytest.raises(UnverifiedNoteError):
        open_note(GO["signed_by_peter"].encode(), [impostor])


@pytest.mark.parametrize("case", GO["bad_vkeys"], ids=lambda c: c["why"])
def test_bad_vkeys_are_rejected(case: dict) -> None:
    with pytest.raises(NoteError):
        parse_verifier_key(case["vkey"])


def _malformed_note_bytes(case: dict) -> bytes:
    if "note_construction" in case:
        return (GO["text"] + "\n" + GO["sig_lines"]["PeterNeumann"] * (MAX_SIGNATURES + 1)).encode()
    note = case["note"].encode()
    if "raw_first_byte_hex" in case:
        note = bytes.fromhex(case["raw_first_byte_hex"]) + case["note"][1:].encode()
    return note


@pytest.mark.parametrize("case", GO["malformed_notes_want_error"], ids=lambda c: c["why"])
def test_malformed_notes_are_rejected(case: dict) -> None:
    with pytest.raises(NoteError):
        open_note(_malformed_note_bytes(case), [parse_verifier_key(PETER["vkey"])])


def test_exactly_the_signature_limit_is_accepted() -> None:
    note = GO["text"] + "\n" + GO["sig_lines"]["PeterNeumann"] * MAX_SIGNATURES
    assert len(open_note(note.encode(), [parse_verifier_key(PETER["vkey"])]).verified) == 1


def test_a_tampered_known_signature_rejects_the_whole_note() -> None:
    tampered = GO["tampered_signature_want_error"]["note"].encode()
    with pytest.raises(InvalidSignatureError, match="PeterNeumann\\+c74f20a3"):
        open_note(tampered, [parse_verifier_key(PETER["vkey"]), parse_verifier_key(ENOCH["vkey"])])


def test_a_bad_known_signature_rejects_even_with_a_good_one_beside_it() -> None:
    enoch_line = GO["sig_lines"]["EnochRoot"]
    forged = enoch_line[:-6] + ("A" if enoch_line[-6] != "A" else "B") + enoch_line[-5:]
    note = GO["signed_by_peter"] + forged
    with pytest.raises(InvalidSignatureError):
        open_note(
            note.encode(), [parse_verifier_key(PETER["vkey"]), parse_verifier_key(ENOCH["vkey"])]
        )


def test_c2sp_example_verifies() -> None:
    example = VECTORS["c2sp_signed_note_examples"]["verifiable"]
    note = open_note(example["note"].encode(), [parse_verifier_key(example["vkey"])])
    assert note.text == "This is an example message.\n"


def test_text_is_split_at_the_last_blank_line() -> None:
    example = VECTORS["c2sp_signed_note_examples"]["unverifiable_example_no_key_published"]
    note = parse_note(example["note"].encode())
    assert note.text.endswith("\n\ned è subito sera.\n")
    assert [s.name for s in note.signatures] == ["quasimodo.example/salvatore"]
    assert note.to_bytes() == example["note"].encode()


def test_real_sum_golang_org_checkpoint() -> None:
    vector = VECTORS["sum_golang_org_checkpoint"]
    checkpoint, _ = open_checkpoint(
        vector["note"].encode(), "go.sum database tree", [parse_verifier_key(vector["vkey"])]
    )
    assert checkpoint.size == 6476701
    assert base64.b64encode(checkpoint.root_hash) == b"mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk="
    with pytest.raises(CheckpointError):
        open_checkpoint(
            vector["note"].encode(), "another.origin", [parse_verifier_key(vector["vkey"])]
        )


def test_c2sp_checkpoint_example_parses_and_formats_back() -> None:
    note = parse_note(VECTORS["c2sp_checkpoint_example"]["note"].encode())
    checkpoint = parse_checkpoint(note.text)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    assert checkpoint.to_text() == note.text


@pytest.mark.parametrize("name", ["logVK", "known1VK", "known2VK", "unknownVK"])
def test_transparency_dev_key_pairs_match(name: str) -> None:
    keys = VECTORS["transparency_dev_formats_test_keys"]["keys"]
    signer = parse_signer_key(keys[name[:-2] + "SK"])
    assert signer.verifier().vkey() == keys[name]


def test_a_log_and_a_foreign_signer_on_one_checkpoint() -> None:
    """The log's signature is required; any known extra key must verify; unknown ones are kept."""
    keys = VECTORS["transparency_dev_formats_test_keys"]["keys"]
    log, known, unknown = (parse_signer_key(keys[k]) for k in ("logSK", "known1SK", "unknownSK"))
    text = Checkpoint("Log", 5, bytes(range(32))).to_text()
    note = sign_note(text, [log, known, unknown])
    checkpoint, opened = open_checkpoint(note, "Log", [log.verifier()], [known.verifier()])
    assert checkpoint == Checkpoint("Log", 5, bytes(range(32)))
    assert [s.name for s in opened.verified] == ["Log", "Known"]
    assert [s.name for s in opened.unverified] == ["Unknown"]
    with pytest.raises(UnverifiedNoteError):
        open_checkpoint(sign_note(text, [known]), "Log", [log.verifier()], [known.verifier()])


def test_generated_keys_sign_and_verify() -> None:
    signer = parse_signer_key(generate_signer_key("ledger.bazhong.example/jiliang"))
    verifier = parse_verifier_key(signer.verifier().vkey())
    note = sign_note("hello\n", [signer])
    assert open_note(note, [verifier]).text == "hello\n"
    with pytest.raises(NoteError):
        parse_signer_key(signer.skey().replace("+", "+x", 1))


@pytest.mark.parametrize(
    "text",
    [
        "origin\n5\n" + base64.b64encode(bytes(32)).decode(),  # no final newline
        "origin\n05\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "origin\n-5\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "origin\n5\n" + base64.b64encode(bytes(31)).decode() + "\n",
        "origin\n5\n" + base64.b64encode(bytes(32)).decode().rstrip("=") + "\n",
        "origin\n5\n" + base64.b64encode(bytes(32)).decode() + "\n\n",  # empty extension line
        "\n5\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "origin\n5\n",
    ],
)
def test_malformed_checkpoints_are_rejected(text: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(text)


def test_checkpoint_extension_lines_round_trip() -> None:
    checkpoint = Checkpoint("ledger.bazhong.example/jiliang", 0, bytes(32), ("ext one", "two"))
    assert parse_checkpoint(checkpoint.to_text()) == checkpoint


def test_note_text_must_end_with_a_newline() -> None:
    with pytest.raises(NoteError):
        sign_note("no newline", [parse_signer_key(PETER["skey"])])
    assert Note("a\n", ()).to_bytes() == b"a\n\n"
