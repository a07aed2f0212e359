"""A C2SP tlog-witness: cosigns a log's checkpoints only if they extend what it saw before.

Another agency (the provincial bureau, say) runs it with ``jiliang witness serve``, trusting the
logs it is told about. Its answers to ``POST <prefix>/add-checkpoint`` follow
C2SP/C2SP:tlog-witness.md (revision 055270b5928827a49ee84620903e141c2e97d79f), in the order the
spec gives the checks:

====== =====================================================================================
status when
====== =====================================================================================
400    malformed request; old size larger than the checkpoint size
404    the checkpoint's origin is not a log this witness knows
403    no signature from a trusted key of that log verifies (or a trusted one is bad)
409    old size is not the size this witness last cosigned (body ``<size>\\n``,
       ``Content-Type: text/x.tlog.size``); or same size as before but another root hash
422    the consistency proof does not verify; a proof with old size 0; a size-0 checkpoint
       whose root is not the empty tree's
200    the body is the witness's cosignature line
====== =====================================================================================

(The shared reference snapshot's table, from C2SP 5ba5ee83, lists 422 for "same size, different
root"; the current spec text says 409 Conflict, which we follow.)

The latest cosigned size and root per origin live in a JSON file, replaced atomically (write,
fsync, rename, fsync the directory) before the answer is sent; a lock makes the compare-and-swap
of old size and new checkpoint atomic, as the spec requires. Pure Python, no Django.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .checkpoint import Checkpoint, CheckpointError, open_checkpoint, parse_checkpoint
from .cosignature import CosignatureV1Signer
from .merkle import EMPTY_ROOT, MerkleError, verify_consistency
from .note import InvalidSignatureError, NoteError, UnverifiedNoteError, Verifier, parse_note, sign_text

MAX_PROOF_LINES = 63
MAX_REQUEST_BYTES = 1 << 16
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_OLD_LINE = re.compile(r"old (0|[1-9][0-9]*)")


@dataclass(frozen=True)
class WitnessResponse:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"


def _refuse(status: int, message: str) -> WitnessResponse:
    return WitnessResponse(status, (message + "\n").encode())


class MalformedRequest(ValueError):
    pass


def parse_add_checkpoint(body: bytes) -> tuple[int, list[bytes], bytes]:
    """Split an add-checkpoint body into the old size, the proof hashes and the checkpoint note."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedRequest("request is not UTF-8") from error
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise MalformedRequest("request has no blank line before the checkpoint")
    lines = head.split("\n")
    old = _OLD_LINE.fullmatch(lines[0])
    if not old:
        raise MalformedRequest("request must start with 'old <size>'")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise MalformedRequest(f"more than {MAX_PROOF_LINES} consistency proof lines")
    try:
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
    except binascii.Error as error:
        raise MalformedRequest("a proof line is not base64") from error
    return int(old[1]), proof, note.encode()


class WitnessState:
    """The latest cosigned (size, root) per origin, in one JSON file replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self._logs = json.loads(path.read_text()) if path.exists() else {}

    def latest(self, origin: str) -> tuple[int, bytes]:
        entry = self._logs.get(origin)
        if entry is None:
            return 0, EMPTY_ROOT
        return entry["size"], base64.b64decode(entry["root"])

    def save(self, origin: str, size: int, root: bytes) -> None:
        logs = {**self._logs, origin: {"size": size, "root": base64.b64encode(root).decode()}}
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(logs, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self._logs = logs


class Witness:
    """The add-checkpoint logic, independent of HTTP."""

    def __init__(
        self,
        signer: CosignatureV1Signer,
        logs: Mapping[str, Sequence[Verifier]],
        state: WitnessState,
    ) -> None:
        self.signer = signer
        self.logs = dict(logs)
        self.state = state

    def add_checkpoint(self, body: bytes) -> WitnessResponse:
        try:
            old_size, proof, note_bytes = parse_add_checkpoint(body)
            note = parse_note(note_bytes)
            claimed = parse_checkpoint(note.text)
        except (MalformedRequest, NoteError) as error:
            return _refuse(400, str(error))
        verifiers = self.logs.get(claimed.origin)
        if verifiers is None:
            return _refuse(404, f"unknown log {claimed.origin}")
        try:
            checkpoint, verified = open_checkpoint(note_bytes, claimed.origin, verifiers)
        except (InvalidSignatureError, UnverifiedNoteError, CheckpointError) as error:
            return _refuse(403, str(error))
        if old_size > checkpoint.size:
            return _refuse(400, f"old size {old_size} is larger than the checkpoint size")
        with self.state.lock:
            latest_size, latest_root = self.state.latest(checkpoint.origin)
            if old_size != latest_size:
                return WitnessResponse(409, f"{latest_size}\n".encode(), SIZE_CONTENT_TYPE)
            refusal = _check_extension(old_size, proof, latest_root, checkpoint)
            if refusal is not None:
                return refusal
            line = sign_text(verified.text, self.signer).line()
            self.state.save(checkpoint.origin, checkpoint.size, checkpoint.root_hash)
        return WitnessResponse(200, line.encode())


def _check_extension(
    old_size: int, proof: list[bytes], old_root: bytes, checkpoint: Checkpoint
) -> WitnessResponse | None:
    """Return the refusal if ``checkpoint`` does not extend the tree (old_size, old_root)."""
    if old_size == 0:
        if proof:
            return _refuse(422, "a proof from size 0 must be empty")
        if checkpoint.size == 0 and checkpoint.root_hash != EMPTY_ROOT:
            return _refuse(422, "a tree of size 0 has the empty root")
        return None
    if old_size == checkpoint.size:
        if proof:
            return _refuse(422, "a proof between equal sizes must be empty")
        if checkpoint.root_hash != old_root:
            return _refuse(409, f"another root hash for the cosigned size {old_size}")
        return None
    try:
        verify_consistency(old_size, checkpoint.size, proof, old_root, checkpoint.root_hash)
    except MerkleError as error:
        return _refuse(422, f"consistency proof does not verify: {error}")
    return None


def make_server(witness: Witness, host: str, port: int, prefix: str = "") -> ThreadingHTTPServer:
    """Return an HTTP server answering ``POST <prefix>/add-checkpoint``."""
    endpoint = prefix.rstrip("/") + "/add-checkpoint"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the spec asks clients and witnesses to use

        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            if self.path != endpoint:
                self._send(_refuse(404, "not found"))
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_REQUEST_BYTES:
                self.close_connection = True  # the unread body must not be taken for a request
                self._send(_refuse(400, "request too large"))
                return
            self._send(witness.add_checkpoint(self.rfile.read(length)))

        def _send(self, response: WitnessResponse) -> None:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

    return ThreadingHTTPServer((host, port), Handler)
