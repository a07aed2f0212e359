"""The reporter's identity, sealed with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``)
under a key derived from ``JILIANG_IDENTITY_KEY`` (else SECRET_KEY), so that a database dump, a
backup or an export never holds it in clear."""

import base64
import hashlib
import json

from cryptography.fernet import Fernet
from django.conf import settings

FIELDS = ("name", "phone", "id_number")


def _fernet() -> Fernet:
    secret = (getattr(settings, "JILIANG_IDENTITY_KEY", "") or settings.SECRET_KEY).encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"jiliang.enforcement.identity\0" + secret).digest()))


def seal(identity: dict[str, str]) -> str:
    """The sealed token of the non-empty identity fields, or "" for an anonymous report."""
    kept = {key: identity[key].strip() for key in FIELDS if (identity.get(key) or "").strip()}
    return _fernet().encrypt(json.dumps(kept, ensure_ascii=False).encode()).decode() if kept else ""


def unseal(token: str) -> dict[str, str]:
    return json.loads(_fernet().decrypt(token.encode())) if token else {}
