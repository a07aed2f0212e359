"""Each institution's document-signing key: an ECDSA P-256 key pair with a self-issued X.509 certificate,
created on first need under ``JILIANG_VAR_DIR/keys/institutions/<id>/`` (the key file 0600), never in
the database. A self-issued certificate proves that a document is unchanged since this installation
signed it; a reader trusts the key once it has compared its fingerprint (docs/verification.md), until
an institution's certificate from a recognised CA replaces these files."""

from __future__ import annotations

import datetime
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

from jiliang.config import write_private_file

KEY_FILE = "signing-key.pem"
CERT_FILE = "signing-cert.pem"
VALID_YEARS = 10


@dataclass(frozen=True)
class SigningKey:
    key_pem: bytes
    cert_pem: bytes
    private_key: ec.EllipticCurvePrivateKey


def key_dir(institution_id: int) -> Path:
    return Path(settings.VAR_DIR) / "keys" / "institutions" / str(institution_id)


def _self_issued(key: ec.EllipticCurvePrivateKey, name: str, uscc: str) -> x509.Certificate:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
                  x509.NameAttribute(NameOID.COMMON_NAME, name)]
    if uscc:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, uscc))
    subject = x509.Name(attributes)
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * VALID_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )


def _create(directory: Path, name: str, uscc: str) -> None:
    """Write the pair into a fresh folder, then rename it into place: a concurrent first signer
    either wins the rename or finds the complete pair, never half of one."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=".new-"))
    key = ec.generate_private_key(ec.SECP256R1())
    write_private_file(staging / KEY_FILE, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())
    (staging / CERT_FILE).write_bytes(_self_issued(key, name, uscc).public_bytes(serialization.Encoding.PEM))
    try:
        staging.rename(directory)
    except OSError:  # another process created the pair first: use theirs
        shutil.rmtree(staging)


_loaded: dict[Path, SigningKey] = {}


def signing_key(institution) -> SigningKey:
    """The institution's key pair, created the first time one of its documents is signed."""
    directory = key_dir(institution.pk)
    if directory in _loaded:
        return _loaded[directory]
    if not directory.exists():
        _create(directory, institution.name, institution.uscc)
    key_pem = (directory / KEY_FILE).read_bytes()
    pair = SigningKey(key_pem, (directory / CERT_FILE).read_bytes(),
                      serialization.load_pem_private_key(key_pem, password=None))
    _loaded[directory] = pair
    return pair
