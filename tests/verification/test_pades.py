"""The PDF signature's CMS made from a template (documents/pades.py) is the one pyHanko makes, but for
the signature value, and its signature verifies for every digest."""

import asyncio
import datetime
import hashlib
from concurrent.futures import ThreadPoolExecutor

from asn1crypto import cms, core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko_certvalidator.registry import SimpleCertificateStore

from jiliang.verification.documents import pades

KEY = ec.generate_private_key(ec.SECP256R1())
NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "巴中市计量测试所")])
NOW = datetime.datetime(2026, 12, 6, tzinfo=datetime.UTC)
CERT = (x509.CertificateBuilder().subject_name(NAME).issuer_name(NAME).public_key(KEY.public_key())
        .serial_number(7).not_valid_before(NOW).not_valid_after(NOW + datetime.timedelta(days=30))
        .sign(KEY, hashes.SHA256()))
LEAF = asn1_x509.Certificate.load(CERT.public_bytes(serialization.Encoding.DER))
SIGNER_ARGS = {
    "signing_cert": LEAF, "cert_registry": SimpleCertificateStore.from_certs([LEAF]),
    "signing_key": asn1_keys.PrivateKeyInfo.load(KEY.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
}
TEMPLATE_SIGNER = pades.TemplateSigner(**SIGNER_ARGS)
# What pdf.sign hands the signer: PAdES, with the signing time (which PAdES keeps out of the CMS).
SETTINGS = PdfCMSSignedAttributes(signing_time=NOW)


def _sign(signer, digest: bytes) -> cms.ContentInfo:
    # In a thread of its own: a browser test earlier in the session may leave this thread's loop running.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, signer.async_sign(digest, "sha256", use_pades=True,
                                                          signed_attr_settings=SETTINGS)).result()


def _verify(info: cms.ContentInfo) -> None:
    signer_info = info["content"]["signer_infos"][0]
    attributes = signer_info["signed_attrs"].untag().dump(force=True)
    KEY.public_key().verify(signer_info["signature"].native, attributes, ec.ECDSA(hashes.SHA256()))


def test_the_template_makes_pyhankos_container_but_for_the_signature_value():
    digest = hashlib.sha256(b"a certificate PDF").digest()
    ours, theirs = _sign(TEMPLATE_SIGNER, digest), _sign(signers.SimpleSigner(**SIGNER_ARGS), digest)
    _verify(ours)
    _verify(theirs)
    ours_signer, theirs_signer = ours["content"]["signer_infos"][0], theirs["content"]["signer_infos"][0]
    assert ours_signer["signed_attrs"].dump() == theirs_signer["signed_attrs"].dump()
    for name in ("version", "digest_algorithms", "encap_content_info", "certificates"):
        assert ours["content"][name].dump() == theirs["content"][name].dump(), name
    for name in ("version", "sid", "digest_algorithm", "signature_algorithm", "unsigned_attrs"):
        assert ours_signer[name].dump() == theirs_signer[name].dump(), name
    assert ours_signer["signature"].native != theirs_signer["signature"].native  # ECDSA: a fresh nonce each


@settings(max_examples=20, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_every_digest_gets_a_well_formed_container_whose_signature_verifies(digest):
    info = cms.ContentInfo.load(_sign(TEMPLATE_SIGNER, digest).dump(), strict=True)  # nothing after its length
    signed = {a["type"].native: a["values"][0].native for a in info["content"]["signer_infos"][0]["signed_attrs"]}
    assert signed["message_digest"] == digest and signed["content_type"] == "data"
    _verify(info)


@given(st.binary(max_size=70000))
def test_der_lengths_read_back(content):
    element = core.load(pades.der(0x04, content))
    assert isinstance(element, core.OctetString) and element.native == content
