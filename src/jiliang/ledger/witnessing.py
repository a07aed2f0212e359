"""The log's witness client: asks the configured witnesses to cosign each new checkpoint.

It speaks C2SP tlog-witness ``add-checkpoint`` (see ``witness.py`` for the server side). For each
witness it sends the consistency proof from the size that witness last cosigned; a 409 answer
carries the witness's real size, and the request is retried once from there. Cosignatures are
verified with the witness's configured key before they are stored; anything else a witness
answers is logged and skipped, so one witness being down never stops the log.
"""

from __future__ import annotations

import base64
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.db.models import Max

from . import selectors
from .keys import WitnessEndpoint, configured_witnesses
from .merkle import prove_consistency
from .models import Cosignature, SignedCheckpoint
from .note import NoteError, parse_note, verify_note
from .witness import SIZE_CONTENT_TYPE

logger = logging.getLogger("jiliang.ledger.witnessing")


def add_checkpoint_body(old_size: int, proof: list[bytes], note: bytes) -> bytes:
    """Return the body of a tlog-witness ``add-checkpoint`` request."""
    lines = [f"old {old_size}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n").encode() + note


def collect_cosignatures(row: SignedCheckpoint) -> int:
    """Ask every configured witness that has not cosigned ``row`` yet; return how many did now."""
    done = set(row.cosignatures.values_list("witness", flat=True))
    collected = 0
    for witness in configured_witnesses():
        if witness.key_label in done:
            continue
        line = _request_cosignature(witness, row)
        if line is not None:
            Cosignature.objects.create(checkpoint=row, witness=witness.key_label, line=line)
            collected += 1
    return collected


def _last_cosigned_size(witness: WitnessEndpoint) -> int:
    size = Cosignature.objects.filter(witness=witness.key_label).aggregate(
        size=Max("checkpoint__size")
    )["size"]
    return size or 0


def _request_cosignature(witness: WitnessEndpoint, row: SignedCheckpoint) -> str | None:
    note = bytes(row.note)
    old_size = _last_cosigned_size(witness)
    for _attempt in range(2):
        if old_size > row.size:
            logger.error(
                "witness %s has cosigned size %d, larger than our checkpoint %d: "
                "the log was rolled back or forked",
                witness.key_label, old_size, row.size,
            )
            return None
        status, content_type, body = _post(witness, _request_body(old_size, row.size, note))
        if status == 200:
            return _verified_cosignature(witness, note, body)
        if status == 409 and content_type.startswith(SIZE_CONTENT_TYPE):
            old_size = int(body.decode().strip())
            continue
        logger.warning("witness %s answered %s: %s", witness.key_label, status, body[:200])
        return None
    return None


def _request_body(old_size: int, new_size: int, note: bytes) -> bytes:
    proof = (
        prove_consistency(old_size, new_size, selectors.hash_reader(new_size))
        if 0 < old_size < new_size
        else []
    )
    return add_checkpoint_body(old_size, proof, note)


def _post(witness: WitnessEndpoint, body: bytes) -> tuple[int, str, bytes]:
    request = urllib.request.Request(
        witness.url + "/add-checkpoint", data=body, method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    timeout = settings.JILIANG_LEDGER_WITNESS_TIMEOUT_MS / 1000
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()
    except (OSError, ValueError) as error:
        return 0, "", str(error).encode()


def _verified_cosignature(witness: WitnessEndpoint, note: bytes, body: bytes) -> str | None:
    """Return the witness's line from a 200 answer once it verifies; ignore other keys' lines."""
    try:
        verified = verify_note(parse_note(note + body), [witness.verifier])
    except NoteError as error:
        logger.warning("witness %s sent an unusable cosignature: %s", witness.key_label, error)
        return None
    return verified.verified[0].line()
