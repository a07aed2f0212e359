"""The log's signing keys and its witnesses' public keys, read from ``JILIANG_LEDGER_KEY_DIR``.

The keys are made once, at install, by `jiliang init --origin ORIGIN` (``create_log_keys``), never by
a request or a job: a log's origin can never change, and two processes making their own keys would
fork it. Web hosts need only the public keys (``log.vkeys``, ``log_vkeys``); only the sequencer
reads the signing keys (``log_keys``).

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
VKEYS_FILE = "log.vkeys"


class LogKeysMissing(ConfigurationError):
    """The log has no keys here: they are made at install, never on first use."""


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


def _key_dir() -> Path:
    return Path(settings.JILIANG_LEDGER_KEY_DIR)


def _configured_origin() -> str:
    origin = settings.JILIANG_LEDGER_ORIGIN
    if not origin:
        raise LogKeysMissing(
            "JILIANG_LEDGER_ORIGIN is not set: give the origin chosen at install (`jiliang init --origin`) "
            "in the environment file."
        )
    return origin


def _read_skey(path: Path) -> str:
    if not path.is_file():
        raise LogKeysMissing(
            f"The transparency log's key {path} is missing. Keys are made once, at install, with "
            "`jiliang init --origin ORIGIN`; after a restore, put back the key directory from the "
            "backup: new keys would not verify the existing log."
        )
    return path.read_text(encoding="utf-8").strip()


def _check_origin(keys: LogKeys, origin: str, key_dir: Path) -> LogKeys:
    for signer in keys.signers:
        if signer.name != origin:
            raise ConfigurationError(
                f"The ledger key in {key_dir} is named {signer.name!r} but JILIANG_LEDGER_ORIGIN "
                f"is {origin!r}. A log's origin never changes: restore the setting, or start a new "
                "log with a new key directory."
            )
    return keys


def log_keys() -> LogKeys:
    """Return the log's signing keys for the configured origin; they must exist (``create_log_keys``)."""
    origin, key_dir = _configured_origin(), _key_dir()
    keys = LogKeys(origin, parse_signer_key(_read_skey(key_dir / ED25519_KEY_FILE)),
                   parse_mldsa44_signer_key(_read_skey(key_dir / MLDSA44_KEY_FILE)))
    return _check_origin(keys, origin, key_dir)


def create_log_keys(origin: str) -> LogKeys:
    """Make the log's keys for ``origin`` (0600) and its public keys file, once; the same call again
    returns the keys already there, and a different origin is refused."""
    key_dir = _key_dir()
    ed25519 = parse_signer_key(
        load_or_create_skey(key_dir / ED25519_KEY_FILE, lambda: generate_signer_key(origin))
    )
    mldsa44 = parse_mldsa44_signer_key(
        load_or_create_skey(key_dir / MLDSA44_KEY_FILE, lambda: generate_mldsa44_signer_key(origin))
    )
    keys = _check_origin(LogKeys(origin, ed25519, mldsa44), origin, key_dir)
    vkeys_path = key_dir / VKEYS_FILE
    if not vkeys_path.exists():
        vkeys_path.write_text("\n".join(keys.vkeys()) + "\n", encoding="utf-8")
    return keys


def log_vkeys() -> list[str]:
    """The log's public keys, from ``log.vkeys``: what a web host needs, without the signing keys."""
    path = _key_dir() / VKEYS_FILE
    if not path.is_file():
        raise LogKeysMissing(
            f"The transparency log's public keys {path} are missing: run `jiliang init --origin ORIGIN` "
            "at install, or copy the file from the sequencer's host."
        )
    return path.read_text(encoding="utf-8").split()


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
