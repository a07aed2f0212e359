"""Certificate documents: the DCC XML of every certificate kind validates against the official
DCC 3.1.2 schema, its XAdES signature verifies with Debian's xmlsec1 (and fails on a tampered
document), and the Chinese PDF carries the content, the embedded font and a valid PAdES signature."""

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from lxml import etree
from pypdf import PdfReader
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from jiliang.verification import public_check, public_views, services
from jiliang.verification.documents import dcc, pdf
from jiliang.verification.documents.gather import certificate_contents
from jiliang.verification.documents.keys import bureau_ca, signing_key
from jiliang.verification.documents.services import dcc_document, pdf_document
from jiliang.verification.models import VerificationKind

from .conftest import point

NS = {"dcc": dcc.DCC, "si": dcc.SI}
XADES_IDS = ["--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
             "--id-attr:Id", "http://www.w3.org/2000/09/xmldsig#:KeyInfo"]


@pytest.fixture(autouse=True)
def key_folder(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def _calibration(world):
    return world.record(kind=VerificationKind.CALIBRATION, instrument=world.make_instrument(),
                        points=(services.PointInput(expanded_uncertainty=Decimal("0.02"), nominal=Decimal("20"),
                                                    indicated=Decimal("20.01"), unit="L"),))


@pytest.fixture
def certificates(world):
    """One certificate of each kind: 检定证书, 检定结果通知书, 校准证书."""
    passed = world.record()
    # Each on an instrument of its own: an instrument gets one certificate a day.
    failed = world.record(instrument=world.make_instrument(), points=(point(world.rule(), "20.000", "20.100"),))
    return {"verification": passed, "failure_notice": failed, "calibration": _calibration(world)}


@pytest.mark.parametrize("kind", ["verification", "failure_notice", "calibration"])
def test_every_certificate_kind_has_a_dcc_the_official_schema_accepts(certificates, kind):
    certificate = certificates[kind]
    document, _signature = dcc_document(certificate)
    dcc.validate(document)  # raises DccInvalid with every schema error
    root = etree.fromstring(document)
    assert root.get("schemaVersion") == "3.1.2"
    assert root.findtext(".//dcc:mandatoryLangCodeISO639_1", namespaces=NS) == "zh"
    assert root.findtext(".//dcc:uniqueIdentifier", namespaces=NS) == certificate.number
    assert root.findtext(".//dcc:customer/dcc:name/dcc:content", namespaces=NS) == certificate.owner.name
    equipment = root.find(".//dcc:measuringEquipment", namespaces=NS)
    assert equipment.findtext("dcc:name/dcc:content", namespaces=NS) == "二等标准金属量器"
    assert "SCJL-2026-0815" in [v.text for v in equipment.iterfind(".//dcc:value", namespaces=NS)]
    statement = root.find(".//dcc:statements/dcc:statement", namespaces=NS)
    assert statement.findtext("dcc:convention", namespaces=NS) == certificate.verification.decision_rule
    expected = {"verification": "pass", "failure_notice": "fail", "calibration": None}[kind]
    assert statement.findtext("dcc:conformity", namespaces=NS) == expected


def test_test_points_carry_d_si_units_u_and_k(certificates):
    document, _signature = dcc_document(certificates["verification"])
    error = etree.fromstring(document).find(".//dcc:list/dcc:quantity[3]/si:real", namespaces=NS)
    assert error.findtext("si:unit", namespaces=NS) == r"\percent"
    assert error.findtext("si:expandedUnc/si:uncertainty", namespaces=NS) == "0.050000"
    assert error.findtext("si:expandedUnc/si:coverageFactor", namespaces=NS) == "2.00"
    calibration, _signature = dcc_document(certificates["calibration"])
    nominal = etree.fromstring(calibration).find(".//dcc:list/dcc:quantity[1]/si:real", namespaces=NS)
    assert nominal.findtext("si:unit", namespaces=NS) == r"\litre"


def test_a_document_the_schema_refuses_is_reported_line_by_line():
    broken = b'<dcc:digitalCalibrationCertificate xmlns:dcc="https://ptb.de/dcc" schemaVersion="3.1.2"/>'
    with pytest.raises(dcc.DccInvalid, match="line 1"):
        dcc.validate(broken)


def _xmlsec1_verify(folder, certificate, document: bytes, signature: bytes) -> subprocess.CompletedProcess:
    name = f"{certificate.number}.xml"
    (folder / name).write_bytes(document)
    (folder / "signature.xml").write_bytes(signature)
    (folder / "bureau-root.pem").write_bytes(bureau_ca().cert_pem)  # what a reader trusts once
    return subprocess.run(
        ["xmlsec1", "--verify", "--trusted-pem", "bureau-root.pem", *XADES_IDS, f"--url-map:{name}", name,
         "signature.xml"], cwd=folder, capture_output=True, text=True, check=False,
    )


needs_xmlsec1 = pytest.mark.skipif(shutil.which("xmlsec1") is None,
                                   reason="xmlsec1 is missing: apt-get install -y xmlsec1 (.ci/run does)")


@needs_xmlsec1
def test_xmlsec1_verifies_the_xades_signature_of_the_dcc(certificates, tmp_path):
    certificate = certificates["verification"]
    document, signature = dcc_document(certificate)
    assert b"xades:SigningCertificateV2" in signature and b"xades:SigningTime" in signature
    result = _xmlsec1_verify(tmp_path, certificate, document, signature)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout + result.stderr


@needs_xmlsec1
def test_xmlsec1_refuses_a_tampered_dcc(certificates, tmp_path):
    certificate = certificates["verification"]
    document, signature = dcc_document(certificate)
    tampered = document.replace(b"<si:value>20.020000</si:value>", b"<si:value>20.000000</si:value>")
    assert tampered != document
    result = _xmlsec1_verify(tmp_path, certificate, tampered, signature)
    assert result.returncode != 0
    assert "FAIL" in result.stdout + result.stderr


@needs_xmlsec1
def test_xmlsec1_refuses_another_institutions_key(certificates, world, tmp_path):
    certificate = certificates["verification"]
    document, signature = dcc_document(certificate)
    name = f"{certificate.number}.xml"
    (tmp_path / name).write_bytes(document)
    (tmp_path / "signature.xml").write_bytes(signature)
    (tmp_path / "other.pem").write_bytes(signing_key(world.province).cert_pem)
    result = subprocess.run(["xmlsec1", "--verify", "--enabled-key-data", "x509", "--trusted-pem", "other.pem",
                             *XADES_IDS, f"--url-map:{name}", name, "signature.xml"],
                            cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode != 0


def test_institution_keys_are_issued_by_the_bureau_root_ca(certificates, world):
    from cryptography import x509

    ca = bureau_ca()
    for institution in (world.institution, world.province):
        key = signing_key(institution)
        leaf = x509.load_pem_x509_certificate(key.cert_pem)
        assert leaf.issuer == ca.certificate.subject and key.chain_pem == ca.cert_pem
        leaf.verify_directly_issued_by(ca.certificate)
        assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_the_pdf_signature_is_trusted_by_a_reader_that_trusts_only_the_bureau_root(certificates):
    (embedded,) = PdfFileReader(io.BytesIO(pdf_document(certificates["verification"]))).embedded_signatures
    root = asn1_x509.Certificate.load(pem.unarmor(bureau_ca().cert_pem)[2])
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[root]))
    assert status.intact and status.valid and status.trusted


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("kind,title,conclusion", [
    ("verification", "检定证书", "合格"), ("failure_notice", "检定结果通知书", "不合格"),
    ("calibration", "校准证书", "校准"),
])
def test_the_pdf_carries_the_chinese_form_content(certificates, kind, title, conclusion):
    certificate = certificates[kind]
    text = _text(pdf_document(certificate))
    for expected in (title, certificate.number, "巴中市计量测试所", "(川)法计(2024)01号", certificate.owner.name,
                     "燃油加油机", certificate.instrument.serial_no, "正星科技", "检定员张三", "核验员李四",
                     "二等标准金属量器", "SCJL-2026-0815", "温度 21.5 ℃", "扩展不确定度", conclusion):
        assert expected in text, expected


def test_the_pdf_reads_the_mpe_table_in_chinese(certificates):
    text = _text(pdf_document(certificates["verification"]))
    assert "体积示值误差" in text and "JJG 443-2023" in text
    assert "indication" not in text and "in force" not in text


def test_the_pdf_embeds_its_font_and_a_valid_pades_signature(certificates):
    certificate = certificates["verification"]
    data = pdf_document(certificate)
    reader = PdfReader(io.BytesIO(data))
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    descriptors = [f["/DescendantFonts"][0].get_object()["/FontDescriptor"] if "/DescendantFonts" in f
                   else f.get("/FontDescriptor") for f in fonts]
    assert any(d is not None and "/FontFile2" in d.get_object() for d in descriptors)

    signed = PdfFileReader(io.BytesIO(data))
    (embedded,) = signed.embedded_signatures
    cert = asn1_x509.Certificate.load(pem.unarmor(signing_key(certificate.institution).cert_pem)[2])
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[cert]))
    assert status.intact and status.valid and status.trusted
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


def test_a_changed_pdf_no_longer_validates(certificates):
    certificate = certificates["verification"]
    data = bytearray(pdf_document(certificate))
    position = data.index(b"/Title")
    data[position + 8] ^= 0x01  # one byte inside the signed range
    (embedded,) = PdfFileReader(io.BytesIO(bytes(data)), strict=False).embedded_signatures
    cert = asn1_x509.Certificate.load(pem.unarmor(signing_key(certificate.institution).cert_pem)[2])
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[cert]))
    assert not status.intact


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is missing: apt-get install poppler-utils")
def test_the_pdf_renders_to_png(certificates, tmp_path):
    (tmp_path / "c.pdf").write_bytes(pdf_document(certificates["verification"]))
    subprocess.run(["pdftoppm", "-r", "50", "-png", "c.pdf", "page"], cwd=tmp_path, check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2
    assert pages[0].read_bytes().startswith(b"\x89PNG") and pages[0].stat().st_size > 5000


def test_both_documents_render_the_same_gathered_contents(certificates):
    contents = certificate_contents(certificates["verification"])
    assert contents.standards[0].calibration_no == "SCJL-2026-0815"
    assert contents.verifier == "检定员张三" and contents.authorisations[0].number == "(川)法计(2024)01号"
    number = certificates["verification"].number
    assert contents.check_url.endswith(public_views.check_url(number, public_check.code_of(number)))
    assert pdf.render(contents).startswith(b"%PDF")


def test_a_rule_edited_after_issue_leaves_the_documents_regulation_as_decided(certificates, world):
    certificate = certificates["verification"]
    rule = certificate.verification.test_points.get(position=1).mpe_rule
    services.update_mpe_rule(world.city, rule, regulation="JJG 443-2030 燃油加油机")
    contents = certificate_contents(certificate)
    assert "JJG 443-2023" in contents.regulation and "2030" not in contents.regulation
    root = etree.fromstring(dcc.build(contents))
    norms = [norm.text for norm in root.iter(f"{{{dcc.DCC}}}norm")]
    assert norms and all("2030" not in norm for norm in norms)
