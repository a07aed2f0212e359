"""What one log entry says: a small canonical record naming a record and the digest of its document.

An entry is RFC 8785 (JSON Canonicalization Scheme) JSON with four members, e.g.

    {"id":"JJG-001","kind":"registry.instrument_type","sha256":"9f86…","time":"2026-11-26T12:00:00.000Z"}

``sha256`` is the SHA-256 of the canonical JSON of the whole document, so the document itself (which
may hold personal data, and may have to be erased) stays off the log while anyone holding it can
show that the log recorded exactly it. Canonical encoding makes the entry, and therefore its leaf
hash, a function of its values alone. Pure Python; no Django import.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring as _json_string
from typing import Any

import rfc8785

from .tiles import MAX_ENTRY_SIZE

MAX_RECORD_ID_LENGTH = 128
_KIND = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
_MAX_KIND_LENGTH = 64
_FIELDS = ("id", "kind", "sha256", "time")


class EntryError(ValueError):
    """A record cannot be logged, or bytes are not a canonical log entry."""


@dataclass(frozen=True)
class LogRecord:
    """The decoded members of one log entry."""

    kind: str
    record_id: str
    sha256: str
    time: str

    def to_bytes(self) -> bytes:
        check_kind(self.kind)
        check_record_id(self.record_id)
        if not all(isinstance(value, str) for value in (self.sha256, self.time)):
            raise EntryError("log entry members must be strings")
        entry = _canonical_members(self.record_id, self.kind, self.sha256, self.time)
        if len(entry) > MAX_ENTRY_SIZE:
            raise EntryError(f"a log entry of {len(entry)} bytes exceeds {MAX_ENTRY_SIZE} bytes")
        return entry


def _canonical_members(record_id: str, kind: str, sha256: str, time: str) -> bytes:
    """RFC 8785 of the entry object, written out directly: its keys are fixed and already in
    order, and its values are strings, which JCS writes as UTF-8 in which only ``"``, ``\\`` and
    the control characters are escaped (``\\b \\t \\n \\f \\r``, else ``\\u00xx``): exactly
    ``json``'s C string encoder without ASCII escaping. A property test checks it against
    ``rfc8785``; the audit re-encodes every entry this way, millions of them.
    """
    return (
        f'{{"id":{_json_string(record_id)},"kind":{_json_string(kind)},'
        f'"sha256":{_json_string(sha256)},"time":{_json_string(time)}}}'
    ).encode()


def check_kind(kind: str) -> None:
    """Kinds are dotted lower-case names such as ``registry.instrument_type``."""
    if not isinstance(kind, str) or len(kind) > _MAX_KIND_LENGTH or not _KIND.fullmatch(kind):
        raise EntryError(f"log entry kind {kind!r} is not a dotted lower-case name")


def check_record_id(record_id: str) -> None:
    if not isinstance(record_id, str) or not 0 < len(record_id) <= MAX_RECORD_ID_LENGTH:
        raise EntryError(f"record id must be 1 to {MAX_RECORD_ID_LENGTH} characters")


def document_digest(document: Mapping[str, Any]) -> str:
    """Return the hex SHA-256 of the RFC 8785 canonical JSON of ``document``."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


def canonical_json(document: Any) -> bytes:
    """Return the RFC 8785 canonical JSON of ``document``.

    Most documents are plain (objects with ASCII keys, strings, safe integers, booleans, null,
    lists): for those, RFC 8785 is exactly ``json.dumps`` with sorted keys, no whitespace and
    UTF-8 output, which runs in C, many times faster than ``rfc8785``. Anything else (floats,
    whose RFC 8785 form differs from Python's, non-ASCII keys, which RFC 8785 sorts by UTF-16
    code units, other types, lone surrogates) goes through ``rfc8785``; a property test checks
    that the two agree.
    """
    if _is_plain(document):
        try:
            return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 names the error
    try:
        return rfc8785.dumps(document)
    except (rfc8785.CanonicalizationError, TypeError) as error:
        raise EntryError(f"document is not canonicalisable JSON: {error}") from error


_SAFE_INTEGER = 2**53 - 1


def _is_plain(value: Any) -> bool:
    """Whether ``value`` holds only what ``json.dumps`` writes as RFC 8785 does; a loop over a
    stack, not recursion: a draw's inputs hold 100,000s of values."""
    pending = [value]
    pop, extend = pending.pop, pending.extend
    while pending:
        item = pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if -_SAFE_INTEGER <= item <= _SAFE_INTEGER:
                continue
            return False
        if kind is list:
            extend(item)
        elif kind is dict and all(type(key) is str and key.isascii() for key in item):
            extend(item.values())
        else:
            return False
    return True


def format_time(moment: datetime.datetime) -> str:
    """Return ``moment`` as UTC ISO 8601 with milliseconds and a ``Z``."""
    utc = moment.astimezone(datetime.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def make_entry(kind: str, document: Mapping[str, Any], moment: datetime.datetime) -> LogRecord:
    """Return the log record for ``document``, whose ``id`` member names the record."""
    return make_entries(kind, [document], moment)[0]


def make_entries(
    kind: str, documents: Iterable[Mapping[str, Any]], moment: datetime.datetime
) -> list[LogRecord]:
    """``make_entry`` for many documents logged at the same moment (an import)."""
    check_kind(kind)
    time = format_time(moment)
    entries = []
    for document in documents:
        if not isinstance(document, Mapping) or "id" not in document:
            raise EntryError("a logged document must be a JSON object with an 'id' member")
        entries.append(LogRecord(kind, str(document["id"]), document_digest(document), time))
    return entries


def parse_entry(data: bytes) -> LogRecord:
    """Decode a log entry, requiring exactly the four members in canonical form."""
    try:
        members = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EntryError(f"log entry is not JSON: {error}") from error
    if not isinstance(members, dict) or tuple(sorted(members)) != _FIELDS:
        raise EntryError(f"log entry must have exactly the members {', '.join(_FIELDS)}")
    record = LogRecord(members["kind"], members["id"], members["sha256"], members["time"])
    if record.to_bytes() != data:
        raise EntryError("log entry is not in RFC 8785 canonical form")
    return record
