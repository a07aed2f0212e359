"""The log's signing keys and its witnesses' public keys: read from ``JILIANG_LEDGER_KEY_DIR``, generated there (0600) when absent.

Two keys sign every checkpoint, both named after the origin: an Ed25519 note key (type 0x01, what
the public witness network and Go's sumdb tooling check) and an ML-DSA-44 key (type 0x06, C2SP's
post-quantum recommendation), which adds a cosignature-style line. The files hold secrets: never
commit them, back them up like a CA key, and give auditors only ``public_keys()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from jiliang.config import ConfigurationError, write_private_file

from .cosignature import (
    MLDSA44CosignatureSigner,
    generate_mldsa44_signer_key,
    parse_cosigner_key,
    parse_mldsa44_signer_key,
)
from .note import Ed25519Signer, NoteError, Verifier, generate_signer_key, parse_signer_key

ED25519_KEY_FILE = "log-ed25519.skey"
MLDSA44_KEY_FILE = "log-mldsa44.skey"


@dataclass(frozen=True)
class LogKeys:
    origin: str
    ed25519: Ed25519Signer
    mldsa44: MLDSA44CosignatureSigner

    @property
    def signers(self) -> list:
        return [self.ed25519, self.mldsa44]

    def verifiers(self) -> list[Verifier]:
        return [self.ed25519.verifier(), self.mldsa44.verifier()]

    def vkeys(self) -> list[str]:
        return [verifier.vkey() for verifier in self.verifiers()]


def load_or_create_skey(path: Path, generate) -> str:
    """Return the skey stored at ``path``, first writing ``generate()`` there (0600) if absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        try:
            write_private_file(path, generate() + "\n")
        except FileExistsError:
            pass  # another process wrote it first: use theirs
    return path.read_text(encoding="utf-8").strip()


def log_keys() -> LogKeys:
    """Return the log's keys for the configured origin, creating them on first use."""
    origin = settings.JILIANG_LEDGER_ORIGIN
    key_dir = Path(settings.JILIANG_LEDGER_KEY_DIR)
    ed25519 = parse_signer_key(
        load_or_create_skey(key_dir / ED25519_KEY_FILE, lambda: generate_signer_key(origin))
    )
    mldsa44 = parse_mldsa44_signer_key(
        load_or_create_skey(key_dir / MLDSA44_KEY_FILE, lambda: generate_mldsa44_signer_key(origin))
    )
    for signer in (ed25519, mldsa44):
        if signer.name != origin:
            raise ConfigurationError(
                f"The ledger key in {key_dir} is named {signer.name!r} but JILIANG_LEDGER_ORIGIN "
                f"is {origin!r}. A log's origin never changes: restore the setting, or start a new "
                "log with a new key directory."
            )
    return LogKeys(origin, ed25519, mldsa44)


@dataclass(frozen=True)
class WitnessEndpoint:
    verifier: Verifier
    url: str  # the submission prefix; requests go to <url>/add-checkpoint

    @property
    def key_label(self) -> str:
        return f"{self.verifier.name}+{self.verifier.key_id:08x}"


def configured_witnesses() -> list[WitnessEndpoint]:
    """Parse ``JILIANG_LEDGER_WITNESSES`` items of the form ``<vkey> <URL prefix>``."""
    witnesses = []
    for item in settings.JILIANG_LEDGER_WITNESSES:
        vkey, _, url = item.partition(" ")
        try:
            verifier = parse_cosigner_key(vkey)
        except NoteError as error:
            raise ConfigurationError(f"JILIANG_LEDGER_WITNESSES: {vkey!r}: {error}") from error
        if not url.strip().startswith(("http://", "https://")):
            raise ConfigurationError(
                f"JILIANG_LEDGER_WITNESSES: give each witness as '<vkey> <URL>', not {item!r}"
            )
        witnesses.append(WitnessEndpoint(verifier, url.strip().rstrip("/")))
    return witnesses
