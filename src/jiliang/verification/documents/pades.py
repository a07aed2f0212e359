"""The PDF signature's CMS container made once per key and then only filled in.

pyHanko builds a PAdES baseline signature's CMS ``SignedData`` anew for every document with
asn1crypto, about two thirds of signing a certificate PDF. For one key almost all of it is the same
every time: the certificates, the algorithms, the signer's identifier and the three signed attributes
(content type, the ``signingCertificateV2`` naming the key's certificate, and the message digest, the
only one that changes, always 32 bytes under SHA-256). ``TemplateSigner`` asks pyHanko for the
container once, for a placeholder digest, keeps its DER around the digest, and for each document puts
in the document's digest, signs the signed attributes with the key (ECDSA P-256, as pyHanko does) and
writes the few DER lengths that depend on the signature's. The result is the container pyHanko would
make, byte for byte but for the signature value (tests/verification/test_documents.py compares them).
Pure: no Django."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from asn1crypto import cms
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.sign import signers

PLACEHOLDER = hashlib.sha256(b"jiliang/pades-template").digest()
CONSTANT_ATTRIBUTES = {"content_type", "signing_certificate_v2"}  # PAdES: no signing time (ETSI EN 319 142-1 5.1)
SET, SEQUENCE, OCTET_STRING, CONTEXT_0 = 0x31, 0x30, 0x04, 0xA0


def der(tag: int, content: bytes) -> bytes:
    """One DER element (X.690 8.1.3: short length form below 128 bytes, else the long form)."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


def _split(whole: bytes, part: bytes) -> tuple[bytes, bytes]:
    before, found, after = whole.partition(part)
    if not found or part in after:
        raise ValueError("the CMS template does not hold the part exactly once")
    return before, after


@dataclass(frozen=True)
class Template:
    """A CMS ``ContentInfo`` cut into its constant DER pieces around the digest and the signature."""

    content_type: bytes  # the ContentInfo's OID (signedData)
    signed_data_head: bytes  # version, digestAlgorithms, encapContentInfo, certificates
    signer_head: bytes  # version, sid, digestAlgorithm
    attributes_before: bytes  # the signed attributes as [0] IMPLICIT, up to the digest
    attributes_after: bytes
    signature_algorithm: bytes

    @classmethod
    def of(cls, info: cms.ContentInfo) -> Template:
        signed_data = info["content"]
        if len(signed_data["signer_infos"]) != 1:
            raise ValueError("the CMS template must have one signer")
        signer = signed_data["signer_infos"][0]
        if signer["unsigned_attrs"].native is not None or signer["signature_algorithm"].signature_algo != "ecdsa":
            raise ValueError("the CMS template must be an ECDSA signature without unsigned attributes")
        if {a["type"].native for a in signer["signed_attrs"]} != CONSTANT_ATTRIBUTES | {"message_digest"}:
            raise ValueError("the CMS template's signed attributes must not vary but for the digest")
        attributes = signer["signed_attrs"].dump()
        signature_algorithm = signer["signature_algorithm"].dump()
        signer_head, tail = _split(signer.contents, attributes)
        if tail != signature_algorithm + signer["signature"].dump():
            raise ValueError("unexpected fields after the signed attributes")
        signed_data_head, tail = _split(signed_data.contents, signed_data["signer_infos"].dump())
        if tail:
            raise ValueError("unexpected fields after the signer infos")
        before, after = _split(attributes, PLACEHOLDER)
        return cls(info["content_type"].dump(), signed_data_head, signer_head, before, after, signature_algorithm)

    def fill(self, digest: bytes, key: ec.EllipticCurvePrivateKey) -> bytes:
        """The DER of the ContentInfo for a document of this ``digest``, signed with ``key``."""
        if len(digest) != len(PLACEHOLDER):
            raise ValueError("the digest must be a SHA-256 digest")
        attributes = self.attributes_before + digest + self.attributes_after
        # The signature covers the attributes' DER with the SET tag (RFC 5652 5.4), not the [0] one.
        signature = key.sign(bytes([SET]) + attributes[1:], ec.ECDSA(hashes.SHA256()))
        signer = der(SEQUENCE, self.signer_head + attributes + self.signature_algorithm + der(OCTET_STRING, signature))
        signed_data = der(SEQUENCE, self.signed_data_head + der(SET, signer))
        return der(SEQUENCE, self.content_type + der(CONTEXT_0, signed_data))


class TemplateSigner(signers.SimpleSigner):
    """pyHanko's ``SimpleSigner`` whose PAdES signatures (SHA-256, no timestamp, no CAdES or Adobe
    revocation attributes: what ``pdf.sign`` asks for) come from a ``Template``; any other request
    goes to pyHanko unchanged."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
        self._template: Template | None = None

    async def async_sign(self, data_digest: bytes, digest_algorithm: str, dry_run=False, use_pades=False,
                         timestamper=None, signed_attr_settings=None, is_pdf_sig=True, encap_content_info=None):
        plain = (not dry_run and use_pades and digest_algorithm == "sha256" and timestamper is None and is_pdf_sig
                 and encap_content_info is None and isinstance(self._key, ec.EllipticCurvePrivateKey)
                 and (signed_attr_settings is None or (signed_attr_settings.cades_signed_attrs is None
                                                       and signed_attr_settings.adobe_revinfo_attr is None)))
        if not plain:
            return await super().async_sign(data_digest, digest_algorithm, dry_run=dry_run, use_pades=use_pades,
                                            timestamper=timestamper, signed_attr_settings=signed_attr_settings,
                                            is_pdf_sig=is_pdf_sig, encap_content_info=encap_content_info)
        if self._template is None:
            self._template = Template.of(await super().async_sign(
                PLACEHOLDER, digest_algorithm, use_pades=True, signed_attr_settings=signed_attr_settings))
        return cms.ContentInfo.load(self._template.fill(data_digest, self._key))
