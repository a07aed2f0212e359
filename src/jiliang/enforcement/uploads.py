"""Which files a complaint or a case accepts: the type is read from the content's first bytes
(never from the name or the client's word), and the size is bounded. Pure: imports no Django."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

PHOTO_TYPES = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}
EVIDENCE_TYPES = {**PHOTO_TYPES, "application/pdf": (b"%PDF-",)}
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_COUNT = 5
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Checked:
    content_type: str
    size: int
    sha256: str
    data: bytes


class Refused(ValueError):
    """``reason`` is "type", "size" or "empty"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sniff(data: bytes, accepted: dict[str, tuple[bytes, ...]]) -> str | None:
    return next((kind for kind, magics in accepted.items() if data.startswith(magics)), None)


def check(data: bytes, *, accepted: dict[str, tuple[bytes, ...]], max_bytes: int) -> Checked:
    if not data:
        raise Refused("empty")
    if len(data) > max_bytes:
        raise Refused("size")
    kind = sniff(data, accepted)
    if kind is None:
        raise Refused("type")
    return Checked(content_type=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data)
