"""Each institution's document-signing key: an ECDSA P-256 key pair with an X.509 certificate issued by
the bureau's root CA, created on first need under ``JILIANG_VAR_DIR/keys/institutions/<id>/`` (the key
file 0600), never in the database. The bureau root CA (``bureau-ca/`` beside the transparency log's
keys, made by ``jiliang init`` or on first need) is what a reader trusts once, after comparing its
fingerprint; the public check page offers it for download (docs/public-check.md). A folder made before
the CA existed holds a self-issued certificate and keeps it until the folder is removed."""

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
CA_KEY_FILE = "ca-key.pem"
CA_CERT_FILE = "ca-cert.pem"
CA_VALID_YEARS = 20
BUREAU = "巴中市市场监督管理局"  # as the public pages name it (ui/public.html)


@dataclass(frozen=True)
class SigningKey:
    key_pem: bytes
    cert_pem: bytes
    private_key: ec.EllipticCurvePrivateKey
    chain_pem: bytes = b""  # the issuing CA's certificate (none for a self-issued one)


def key_dir(institution_id: int) -> Path:
    return Path(settings.VAR_DIR) / "keys" / "institutions" / str(institution_id)


def ca_dir() -> Path:
    return Path(settings.JILIANG_LEDGER_KEY_DIR) / "bureau-ca"


def _name(name: str, uscc: str = "") -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
                  x509.NameAttribute(NameOID.COMMON_NAME, name)]
    if uscc:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, uscc))
    return x509.Name(attributes)


def _usage(signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=signing, content_commitment=signing, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=not signing,
                         crl_sign=not signing, encipher_only=False, decipher_only=False)


def _certificate(subject: x509.Name, key, issuer: x509.Name, issuer_key, years: int, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(_usage(signing=not ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_key is not key:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _install(directory: Path, files: dict[str, str | bytes]) -> None:
    """Write the files into a fresh folder, then rename it into place: a concurrent first writer
    either wins the rename or finds the complete folder, never half of one."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=".new-"))
    for name, content in files.items():
        if isinstance(content, str):
            write_private_file(staging / name, content)
        else:
            (staging / name).write_bytes(content)
    try:
        staging.rename(directory)
    except OSError:  # another process created it first: use theirs
        shutil.rmtree(staging)


def _pem_key(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def create_bureau_ca(name: str) -> None:
    """The bureau's root CA (key 0600 and self-signed certificate), once; a second call changes nothing."""
    directory = ca_dir()
    if directory.exists():
        return
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(f"{name} 电子证书根证书")
    _install(directory, {CA_KEY_FILE: _pem_key(key), CA_CERT_FILE: _certificate(
        subject, key, subject, key, CA_VALID_YEARS, ca=True).public_bytes(serialization.Encoding.PEM)})


@dataclass(frozen=True)
class BureauCa:
    cert_pem: bytes
    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey

    def fingerprint(self) -> str:
        """SHA-256 of the certificate, as readers show it (AA:BB:…)."""
        return self.certificate.fingerprint(hashes.SHA256()).hex(":").upper()


_ca: dict[Path, BureauCa] = {}


def bureau_ca() -> BureauCa:
    """The bureau's root CA, created on first need (``jiliang init`` creates it at install)."""
    directory = ca_dir()
    if directory not in _ca:
        create_bureau_ca(BUREAU)
        cert_pem = (directory / CA_CERT_FILE).read_bytes()
        _ca[directory] = BureauCa(cert_pem, x509.load_pem_x509_certificate(cert_pem),
                                  serialization.load_pem_private_key((directory / CA_KEY_FILE).read_bytes(), None))
    return _ca[directory]


def _create(directory: Path, name: str, uscc: str) -> None:
    """An institution's key and its certificate from the bureau's root CA."""
    ca = bureau_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _certificate(_name(name, uscc), key, ca.certificate.subject, ca.private_key, VALID_YEARS, ca=False)
    _install(directory, {KEY_FILE: _pem_key(key), CERT_FILE: certificate.public_bytes(serialization.Encoding.PEM)})


_loaded: dict[Path, SigningKey] = {}


def signing_key(institution) -> SigningKey:
    """The institution's key pair, created the first time one of its documents is signed."""
    directory = key_dir(institution.pk)
    if directory in _loaded:
        return _loaded[directory]
    if not directory.exists():
        _create(directory, institution.name, institution.uscc)
    key_pem, cert_pem = (directory / KEY_FILE).read_bytes(), (directory / CERT_FILE).read_bytes()
    issuer = x509.load_pem_x509_certificate(cert_pem).issuer
    ca = bureau_ca()
    pair = SigningKey(key_pem, cert_pem, serialization.load_pem_private_key(key_pem, password=None),
                      ca.cert_pem if issuer == ca.certificate.subject else b"")
    _loaded[directory] = pair
    return pair
