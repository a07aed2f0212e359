"""/api/v1/log/: JSON helpers over the transparency log, open to anyone (the log is public).

Proofs are for the published checkpoint unless a tree size is given; hashes are base64. The
receipt endpoint returns a C2SP tlog-proof file that verifies offline (docs/ledger.md).
"""

import base64

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from jiliang.errors import InvalidInput, NotFound

from . import selectors
from .keys import configured_witnesses, log_vkeys
from .merkle import hash_leaf

router = Router(tags=["ledger"], auth=None)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


class LogInfo(Schema):
    origin: str
    log_keys: list[str] = Field(description="vkeys of the log (Ed25519, ML-DSA-44)")
    witness_keys: list[str]
    witness_quorum: int
    tree_size: int = Field(description="size of the published checkpoint, 0 before the first")
    checkpoint: str = Field(description="the published signed checkpoint note, with cosignatures")


class EntryRef(Schema):
    index: int | None = Field(None, ge=0, description="log index of the entry")
    kind: str | None = Field(None, max_length=64, description="with record_id: the record's latest entry")
    record_id: str | None = Field(None, max_length=128)
    tree_size: int | None = Field(None, ge=1, description="defaults to the published checkpoint")


class InclusionProof(Schema):
    index: int
    tree_size: int
    entry: str = Field(description="the entry bytes, base64")
    leaf_hash: str
    proof: list[str]
    checkpoint: str


class ConsistencyQuery(Schema):
    old: int = Field(ge=1, description="the older tree size; every tree extends the empty tree")
    new: int | None = Field(None, ge=1, description="defaults to the published checkpoint")


class ConsistencyProof(Schema):
    old: int
    new: int
    proof: list[str]


def _published_note() -> str:
    published = selectors.published_checkpoint()
    return published.note.decode() if published else ""


def _index_of(ref: EntryRef) -> int:
    if ref.index is not None:
        return ref.index
    if ref.kind and ref.record_id:
        index = selectors.latest_index_of(ref.kind, ref.record_id)
        if index is None:
            raise NotFound(_("该记录尚未写入透明日志。"))
        return index
    raise InvalidInput(_("请给出 index，或同时给出 kind 与 record_id。"), {"index": [_("必填")]})


@router.get("/log/", response=LogInfo, summary="The log's identity, keys and published checkpoint")
def log_info(request):
    published = selectors.published_checkpoint()
    return {
        "origin": settings.JILIANG_LEDGER_ORIGIN,
        "log_keys": log_vkeys(),
        "witness_keys": [w.verifier.vkey() for w in configured_witnesses()],
        "witness_quorum": settings.JILIANG_LEDGER_WITNESS_QUORUM,
        "tree_size": published.checkpoint.size if published else 0,
        "checkpoint": published.note.decode() if published else "",
    }


@router.get("/log/inclusion", response=InclusionProof, summary="Inclusion proof of one entry")
def inclusion(request, ref: Query[EntryRef]):
    index = _index_of(ref)
    try:
        size, proof = selectors.inclusion_proof(index, ref.tree_size)
        entry = selectors.entry_at(index)  # a one-entry tree's proof reads no tile: the entry may be missing
        selectors.verified_inclusion(index, size, entry, proof)
    except selectors.NotInLogError as error:
        raise NotFound(str(error)) from None
    return {
        "index": index, "tree_size": size, "entry": _b64(entry),
        "leaf_hash": _b64(hash_leaf(entry)), "proof": [_b64(h) for h in proof],
        "checkpoint": _published_note(),
    }


@router.get("/log/consistency", response=ConsistencyProof, summary="Consistency proof old -> new")
def consistency(request, query: Query[ConsistencyQuery]):
    try:
        new = selectors.proof_tree_size(query.new)
        if query.old > new:
            raise InvalidInput(_("旧树大小不能大于新树大小。"), {"old": [_("过大")]})
        proof = selectors.consistency_proof(query.old, new)
        selectors.verified_consistency(query.old, new, proof)
    except selectors.NotInLogError as error:
        raise NotFound(str(error)) from None
    return {"old": query.old, "new": new, "proof": [_b64(h) for h in proof]}


@router.get("/log/receipt", summary="C2SP tlog-proof receipt of one entry, verifiable offline")
def receipt(request, ref: Query[EntryRef]):
    index = _index_of(ref)
    try:
        data = selectors.receipt(index).to_bytes()
    except selectors.NotInLogError as error:
        raise NotFound(str(error)) from None
    response = HttpResponse(data, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="entry-{index}.tlog-proof"'
    return response
