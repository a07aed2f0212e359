"""Device credentials: an HTTP bearer token stored as a digest, and an MQTT signing secret.

The system Mosquitto here accepts anonymous clients and its configuration is not the platform's to
change, so MQTT devices are authenticated by the application: each publication carries an MQTT v5
user property ``sig`` = hex HMAC-SHA256(secret, topic + "\\n" + payload). The secret is derived from
the server key, the device code and ``secret_version`` (HMAC, never stored), so issuing new
credentials (a new version) or revoking the device invalidates it at once. See docs/monitoring.md.
"""

import hashlib
import hmac
import secrets
from functools import lru_cache

from django.conf import settings

TOKEN_PREFIX = "dev_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _server_key() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"jiliang.monitoring.mqtt-secret", hashlib.sha256).digest()


@lru_cache(maxsize=200_000)
def mqtt_secret(code: str, version: int) -> str:
    """The signing secret of one device at one credential version (shown once to the installer).

    Cached per (device, version): the worker checks a signature on every publication, and a new
    version (re-issued credentials) is a new key, so the cache never serves a revoked secret."""
    return hmac.new(_server_key(), f"{code}:{version}".encode(), hashlib.sha256).hexdigest()


def sign(secret: str, topic: str, payload: bytes) -> str:
    return hmac.digest(secret.encode(), topic.encode() + b"\n" + payload, "sha256").hex()


def signature_ok(code: str, version: int, topic: str, payload: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(mqtt_secret(code, version), topic, payload), signature or "")
