"""Version tokens for optimistic concurrency, pure logic (no Django).

A token is a short digest of each stored field value, in field-name order, base64url-encoded. A
client reads the token with the record (an ETag, a hidden form field) and sends it back with its
change; the write goes through only if the stored row still has the same token. Because each field
has its own digest, a stale token also tells *which* fields someone else changed meanwhile, without
a version column or a history table.
"""

import base64
import hashlib
from collections.abc import Mapping

DIGEST_BYTES = 4  # a change goes unnoticed with probability 2**-32 per field


def _digest(name: str, value: str) -> bytes:
    return hashlib.blake2b(f"{name}\x00{value}".encode(), digest_size=DIGEST_BYTES).digest()


def token(values: Mapping[str, str]) -> str:
    """The token of a row given as {field name: value as text}."""
    raw = b"".join(_digest(name, values[name]) for name in sorted(values))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def changed_fields(values: Mapping[str, str], seen: str) -> list[str] | None:
    """The fields whose value differs from the token ``seen``; None when ``seen`` is no token of a
    row of this shape (garbled, or the table gained a column since)."""
    try:
        raw = base64.urlsafe_b64decode(seen + "=" * (-len(seen) % 4))
    except (ValueError, TypeError):
        return None
    names = sorted(values)
    if len(raw) != DIGEST_BYTES * len(names):
        return None
    return [name for i, name in enumerate(names)
            if raw[i * DIGEST_BYTES:(i + 1) * DIGEST_BYTES] != _digest(name, values[name])]
