"""Detached XAdES-BES signatures of DCC documents (signxml). The DCC 3.1.2 schema has no place for a
signature inside the document, so the signature is its own XML file whose reference points at the
document's file name; ``xmlsec1 --verify --url-map:<name> <file>`` checks the pair independently."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, SignatureReference, methods
from signxml.xades import XAdESSigner

if TYPE_CHECKING:  # the key is handed in; signing.py itself imports no Django
    from .keys import SigningKey


# Inclusive C14N 1.0 everywhere: it is also what a verifier applies to the XAdES references, which
# carry no Transforms element, so signxml and xmlsec1 digest the same octets.
C14N = CanonicalizationMethod.CANONICAL_XML_1_0


def dcc_file_name(number: str) -> str:
    return f"{number}.xml"


def sign_detached(document: bytes, file_name: str, key: SigningKey) -> bytes:
    """The XAdES-BES signature of ``document``, referenced as ``file_name``."""
    signer = XAdESSigner(method=methods.detached, signature_algorithm=SignatureMethod.ECDSA_SHA256,
                         digest_algorithm=DigestAlgorithm.SHA256, c14n_algorithm=C14N)
    # The certificate and, when it has one, its issuing CA's: KeyInfo carries the chain.
    certs = [key.cert_pem.decode(), key.chain_pem.decode()] if key.chain_pem else key.cert_pem.decode()
    signature = signer.sign(etree.fromstring(document), key=key.private_key, cert=certs,
                            reference_uri=[SignatureReference(URI=file_name, c14n_method=C14N)],
                            always_add_key_value=False)
    return etree.tostring(signature, xml_declaration=True, encoding="UTF-8")
