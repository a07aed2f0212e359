"""The forgery check (issue 16 item 7): an uploaded PDF or DCC XML reads genuine, altered (naming the
field), unknown or genuine-but-revoked; the logged digest is recomputed from the document; bad files
are 4xx naming ``file``; non-genuine answers are throttled like wrong check codes; nothing is stored."""

import base64
import dataclasses
import datetime
import hashlib
import importlib
import io
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given, settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree
from pyhanko.pdf_utils.reader import PdfFileReader

from jiliang.accounts.models import AuditEvent
from jiliang.ledger import selectors as ledger
from jiliang.ledger.entries import canonical_json
from jiliang.ledger.models import PendingEntry
from jiliang.verification import services
from jiliang.verification.documents import compare, dcc, forgery, pdf
from jiliang.verification.documents.gather import certificate_contents, issue_log_document
from jiliang.verification.documents.keys import SigningKey
from jiliang.verification.documents.services import dcc_document, pdf_document
from jiliang.verification.models import Certificate

from ..english_scan import offences

API = "/api/v1/public/forgery-check"
NAMES_AS_ISSUED = ("institution_name", "institution_address", "institution_uscc", "owner_name", "owner_address",
                   "owner_uscc")
NS = {"dcc": dcc.DCC, "si": dcc.SI}


@pytest.fixture(autouse=True)
def fresh(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    cache.clear()
    yield
    cache.clear()


def upload(data: bytes, name: str = "c.pdf", client=None):
    return (client or Client()).post(API, {"file": SimpleUploadedFile(name, data)})


def altered_serial(document: bytes, serial: str = "SN999999") -> bytes:
    root = etree.fromstring(document)
    (value,) = root.xpath("//dcc:item/dcc:identifications/dcc:identification[dcc:issuer='manufacturer']/dcc:value",
                          namespaces=NS)
    value.text = serial
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def forger_key(institution) -> SigningKey:
    """A self-issued key pair that claims the institution's name: what a forger can make."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, institution.name),
                      x509.NameAttribute(NameOID.COMMON_NAME, institution.name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return SigningKey(key_pem, cert.public_bytes(serialization.Encoding.PEM), key)


# --- DCC XML ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_genuine_dcc_reads_genuine_and_its_log_document_hashes_to_the_logged_digest(world):
    certificate = world.record()
    document, _signature = dcc_document(certificate)
    body = upload(document, "c.xml").json()
    assert body["verdict"] == "genuine" and body["differences"] == []
    assert body["certificate"]["number"] == certificate.number and body["certificate"]["state"] == "valid"
    # Anyone recomputes the digest from the published document (docs/public-check.md).
    carried = base64.b64decode(etree.fromstring(document).findtext("dcc:document/dcc:dataBase64", namespaces=NS))
    digest = hashlib.sha256(carried).hexdigest()
    assert body["log_digest"] == digest and body["log_digest_matches"] is True
    assert digest in ledger.digests_of(services.LEDGER_KIND, str(certificate.pk))


@pytest.mark.django_db
def test_a_certificate_logged_before_the_snapshots_gained_keys_still_reads_genuine(world):
    certificate = world.record()
    (entry,) = PendingEntry.objects.filter(kind=services.LEDGER_KIND, record_id=str(certificate.pk))
    # What the builder wrote before migrations 0010, 0013 and 0014: no point copies, no k_factor, no
    # names as issued.
    old = json.loads(issue_log_document(certificate))
    for key in NAMES_AS_ISSUED:
        del old[key]
    del old["verification"]["k_factor"]
    for point_snapshot in old["test_points"]:
        del point_snapshot["mpe_error_basis"], point_snapshot["mpe_regulation"]
    logged = json.loads(bytes(entry.data)) | {"sha256": hashlib.sha256(canonical_json(old)).hexdigest()}
    PendingEntry.objects.filter(pk=entry.pk).update(data=canonical_json(logged))

    assert issue_log_document(certificate) == canonical_json(old)
    body = upload(dcc_document(certificate)[0], "c.xml").json()
    assert body["verdict"] == "genuine" and body["log_digest_matches"] is True


@pytest.mark.django_db
def test_a_certificate_logged_before_it_kept_the_names_as_issued_still_reads_genuine(world):
    certificate = world.record()
    (entry,) = PendingEntry.objects.filter(kind=services.LEDGER_KIND, record_id=str(certificate.pk))
    old = {key: value for key, value in json.loads(issue_log_document(certificate)).items()
           if key not in NAMES_AS_ISSUED}
    logged = json.loads(bytes(entry.data)) | {"sha256": hashlib.sha256(canonical_json(old)).hexdigest()}
    PendingEntry.objects.filter(pk=entry.pk).update(data=canonical_json(logged))

    assert issue_log_document(certificate) == canonical_json(old)
    assert upload(dcc_document(certificate)[0], "c.xml").json()["verdict"] == "genuine"


def rename(institution, owner) -> None:
    """What the registers allow after issue: the institution and the owner renamed and moved."""
    institution.name, institution.address = "巴中市计量检定测试院", "巴中市巴州区新区 9 号"
    institution.save(update_fields=["name", "address"])
    owner.name, owner.address = "巴中市新名称加油站有限公司", "巴中市恩阳区 1 号"
    owner.save(update_fields=["name", "address"])


@pytest.mark.django_db
def test_a_document_issued_before_its_institution_and_owner_were_renamed_still_reads_genuine(world):
    certificate = world.record()
    issued_names = (certificate.institution.name, certificate.owner.name)
    document, pdf_data = dcc_document(certificate)[0], pdf_document(certificate)
    rename(certificate.institution, certificate.owner)

    for data, name in ((document, "c.xml"), (pdf_data, "c.pdf")):
        body = upload(data, name).json()
        assert (body["verdict"], body["differences"]) == ("genuine", []), name
        assert body["certificate"]["institution"] == issued_names[0]
    # What the platform makes now is what it made at issue, and the log document holds the names.
    again = Certificate.objects.get(pk=certificate.pk)
    assert dcc.build(certificate_contents(again)) == dcc.build(certificate_contents(certificate))
    logged = json.loads(issue_log_document(again))
    assert (logged["institution_name"], logged["owner_name"]) == issued_names


@pytest.mark.django_db
def test_a_name_changed_in_the_document_reads_altered_after_a_rename_too(world):
    certificate = world.record()
    document = dcc_document(certificate)[0]
    rename(certificate.institution, certificate.owner)
    root = etree.fromstring(document)
    (customer,) = root.xpath("//dcc:customer/dcc:name/dcc:content[@lang='zh']", namespaces=NS)
    customer.text = "巴中市新名称加油站有限公司"  # the new name, written into a document issued under the old one
    body = upload(etree.tostring(root), "c.xml").json()
    assert body["verdict"] == "altered" and body["differences"] == ["送检单位"]


@pytest.mark.django_db
def test_the_migration_copies_the_current_names_onto_certificates_issued_before(world):
    certificate = world.record()
    Certificate.objects.filter(pk=certificate.pk).update(**dict.fromkeys(NAMES_AS_ISSUED, ""))
    importlib.import_module("jiliang.verification.migrations.0014_certificate_names_as_issued") \
        .copy_current_names(django_apps, None)
    copied = Certificate.objects.get(pk=certificate.pk)
    institution, owner = certificate.institution, certificate.owner
    assert {key: getattr(copied, key) for key in NAMES_AS_ISSUED} == {
        "institution_name": institution.name, "institution_address": institution.address,
        "institution_uscc": institution.uscc, "owner_name": owner.name, "owner_address": owner.address,
        "owner_uscc": owner.uscc}


@pytest.mark.django_db
def test_one_altered_field_of_a_dcc_is_named_in_chinese(world):
    certificate = world.record()
    document, _signature = dcc_document(certificate)
    body = upload(altered_serial(document), "c.xml").json()
    assert body["verdict"] == "altered" and body["differences"] == ["出厂编号"]
    assert body["log_digest_matches"] is True  # the log document was left alone; the visible field was not


@pytest.mark.django_db
def test_an_altered_test_point_and_an_altered_log_document_are_named(world):
    certificate = world.record()
    root = etree.fromstring(dcc_document(certificate)[0])
    indicated = root.xpath("//dcc:list[2]/dcc:quantity[dcc:name/dcc:content='示值']/si:real/si:value",
                           namespaces=NS)[0]
    indicated.text = "99.99"
    carried = root.find("dcc:document/dcc:dataBase64", namespaces=NS)
    carried.text = base64.b64encode(base64.b64decode(carried.text).replace(b'"issue"', b'"issue "')).decode()
    body = upload(etree.tostring(root), "c.xml").json()
    assert body["verdict"] == "altered" and body["log_digest_matches"] is False
    assert body["differences"] == ["检定点 2：体积示值误差 · 示值", "透明日志存证记录"]


@pytest.mark.django_db
def test_a_dcc_with_a_number_the_platform_never_issued_reads_unknown(world):
    document, _signature = dcc_document(world.record())
    root = etree.fromstring(document)
    root.find("dcc:administrativeData/dcc:coreData/dcc:uniqueIdentifier", namespaces=NS).text = "BZJL2026-J999999"
    body = upload(etree.tostring(root), "c.xml").json()
    assert body["verdict"] == "unknown" and body["certificate"] is None


@pytest.mark.django_db
def test_a_revoked_certificate_reads_genuine_and_revoked_for_pdf_and_xml(world):
    certificate = world.record()
    document, pdf_data = dcc_document(certificate)[0], pdf_document(certificate)
    services.revoke(world.verifier, certificate, "使用的计量标准已超差")
    for data, name in ((document, "c.xml"), (pdf_data, "c.pdf")):
        body = upload(data, name).json()
        assert body["verdict"] == "genuine", name
        assert body["certificate"]["state"] == "revoked"
        assert body["certificate"]["revocation_reason"] == "使用的计量标准已超差"


@pytest.mark.django_db
def test_a_superseded_certificate_reads_genuine_and_points_to_its_successor(world):
    certificate = world.record()
    document = dcc_document(certificate)[0]
    successor = services.supersede(world.verifier, certificate, services.correction_input(certificate), "笔误")
    body = upload(document, "c.xml").json()
    assert body["verdict"] == "genuine" and body["certificate"]["state"] == "superseded"
    assert body["certificate"]["superseded_by"] == successor.number
    assert upload(dcc_document(successor)[0], "c.xml").json()["verdict"] == "genuine"


# --- PDF -------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_genuine_pdf_reads_genuine_with_a_valid_signature(world):
    certificate = world.record()
    body = upload(pdf_document(certificate)).json()
    assert body["verdict"] == "genuine" and body["differences"] == []
    assert "电子签名有效" in body["signature"] and body["log_digest_matches"] is True


@pytest.mark.django_db
def test_a_pdf_with_one_altered_field_signed_by_another_key_names_the_field_and_the_signature(world):
    certificate = world.record()
    contents = certificate_contents(certificate)
    forged = dataclasses.replace(contents, item=dataclasses.replace(contents.item, serial_no="SN999999"))
    body = upload(pdf.build(forged, forger_key(certificate.institution))).json()
    assert body["verdict"] == "altered"
    assert body["differences"] == ["出厂编号", "电子签名"]
    assert "不是出具机构" in body["signature"]


@pytest.mark.django_db
def test_a_pdf_changed_after_signing_reads_altered(world):
    data = bytearray(pdf_document(world.record()))
    position = data.index(b"/Title")
    data[position + 8] ^= 0x01
    body = upload(bytes(data)).json()
    assert body["verdict"] == "altered" and body["differences"] == ["电子签名"]


@pytest.mark.django_db
def test_a_pdf_of_an_unknown_number_reads_unknown(world):
    contents = dataclasses.replace(certificate_contents(world.record()), number="BZJL2026-J999999")
    body = upload(pdf.build(contents, forger_key(world.institution))).json()
    assert body["verdict"] == "unknown"


@pytest.mark.django_db
def test_the_pdf_carries_the_dcc_whose_log_document_recomputes_the_digest(world):
    certificate = world.record()
    attached = forgery._attached_dcc(PdfFileReader(io.BytesIO(pdf_document(certificate))))
    assert attached == dcc_document(certificate)[0]


# --- bad input -------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("data, name, words", [
    (b"<dcc:digitalCalibrationCertificate xmlns:dcc='https://ptb.de/dcc'>", "c.xml", "格式正确的 XML"),
    (b"<?xml version='1.0'?><root/>", "c.xml", "不是数字校准证书"),
    (b"<dcc:digitalCalibrationCertificate xmlns:dcc='https://ptb.de/dcc' schemaVersion='3.1.2'/>", "c.xml",
     "不符合 DCC 3.1.2"),
    (b"%PDF-1.7\nnot really a pdf", "c.pdf", "不是有效的 PDF"),
    (b"PK\x03\x04 a zip", "c.zip", "只能核验"),
    (b"", "c.pdf", "请选择"),
])
def test_bad_files_are_named_4xx_and_leave_nothing_behind(world, data, name, words):
    world.record()
    before = (AuditEvent.objects.count(), PendingEntry.objects.count())
    response = upload(data, name)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and words in body["message"] and "file" in body["fields"]
    assert (AuditEvent.objects.count(), PendingEntry.objects.count()) == before


@pytest.mark.django_db
def test_a_pdf_that_is_not_ours_is_refused(world):
    from reportlab.pdfgen import canvas
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(100, 100, "certificate")
    page.save()
    response = upload(out.getvalue())
    assert response.status_code == 422 and "不是本平台出具的证书" in response.json()["message"]


@pytest.mark.django_db
def test_an_upload_over_the_limit_is_413(world, monkeypatch):
    monkeypatch.setattr(forgery, "MAX_UPLOAD", 1024)
    response = upload(b"<" + b" " * 2048)
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert "file" in response.json()["fields"]


@pytest.mark.django_db
def test_an_entity_in_an_uploaded_xml_is_not_expanded(world, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (f"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM '{secret.as_uri()}'>]>"
            "<dcc:digitalCalibrationCertificate xmlns:dcc='https://ptb.de/dcc' schemaVersion='3.1.2'>&x;"
            "</dcc:digitalCalibrationCertificate>").encode()
    response = upload(data, "c.xml")
    assert response.status_code == 422 and "TOP-SECRET" not in response.content.decode()


@pytest.mark.django_db
def test_non_genuine_answers_are_throttled_like_wrong_check_codes(world, settings):
    settings.JILIANG_PUBLIC_CHECK_LIMIT = 2
    certificate = world.record()
    document = dcc_document(certificate)[0]
    client = Client()
    assert upload(document, "c.xml", client).json()["verdict"] == "genuine"  # a genuine answer does not count
    for _ in range(2):
        assert upload(altered_serial(document), "c.xml", client).status_code == 200
    response = upload(document, "c.xml", client)
    assert response.status_code == 429 and response.json()["code"] == "throttled"


# --- the field names (pure) --------------------------------------------------------------------------

@pytest.mark.django_db
def test_every_changed_leaf_of_a_dcc_is_found_and_named_in_chinese(world):
    expected = etree.fromstring(dcc_document(world.record())[0])
    leaves = [e for e in expected.iter() if isinstance(e.tag, str) and len(e) == 0 and (e.text or "").strip()]

    @hypothesis_settings(max_examples=60, deadline=None)
    @given(st.sampled_from(range(len(leaves))))
    def changed_leaf_is_named(position):
        found = etree.fromstring(etree.tostring(expected))
        target = [e for e in found.iter() if isinstance(e.tag, str) and len(e) == 0
                  and (e.text or "").strip()][position]
        target.text = target.text + "X"
        named = compare.differences(expected, found)
        assert len(named) == 1 and named[0] and not any(c.isascii() and c.isalpha() for c in named[0].replace(
            "DCC", ""))

    changed_leaf_is_named()
    assert compare.differences(expected, etree.fromstring(etree.tostring(expected))) == []


@pytest.mark.django_db
def test_the_field_names_go_through_the_callers_gettext(world):
    expected = etree.fromstring(dcc_document(world.record())[0])
    found = etree.fromstring(etree.tostring(expected))
    for element in found.iter(f"{{{dcc.DCC}}}uniqueIdentifier", f"{{{dcc.DCC}}}manufacturer"):
        for leaf in element.iter():
            if (leaf.text or "").strip():
                leaf.text += "X"
    asked = []
    named = compare.differences(expected, found, lambda text: asked.append(text) or f"«{text}»")
    assert named == ["«证书编号»", "«制造单位»"] and asked == ["证书编号", "制造单位"]


# --- the page --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_page_checks_an_upload_and_speaks_chinese(world):
    certificate = world.record()
    page = Client().get("/check/document")
    assert page.status_code == 200 and "上传证书文件核验真伪" in page.content.decode()
    genuine = Client().post("/check/document", {"file": SimpleUploadedFile("c.pdf", pdf_document(certificate))})
    text = genuine.content.decode()
    assert genuine.status_code == 200 and 'data-verdict="genuine"' in text and certificate.number in text
    contents = certificate_contents(certificate)
    forged = dataclasses.replace(contents, item=dataclasses.replace(contents.item, serial_no="SN999999"))
    altered = Client().post("/check/document", {"file": SimpleUploadedFile(
        "c.pdf", pdf.build(forged, forger_key(certificate.institution)))}).content.decode()
    assert 'data-verdict="altered"' in altered and "<li>出厂编号</li>" in altered
    bad = Client().post("/check/document", {"file": SimpleUploadedFile("c.xml", b"<a>")})
    assert bad.status_code == 422 and "格式正确的 XML" in bad.content.decode()
    for html in (page.content.decode(), text, altered):
        assert offences(html)[0] == []


# --- the bureau root CA ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_check_page_offers_the_bureau_root_with_its_fingerprint(world):
    from jiliang.verification.documents.keys import bureau_ca

    page = Client().get("/check/").content.decode()
    assert bureau_ca().fingerprint() in page and "/check/bureau-root-ca.crt" in page
    download = Client().get("/check/bureau-root-ca.crt")
    assert download.status_code == 200 and download["Content-Type"] == "application/x-x509-ca-cert"
    assert x509.load_pem_x509_certificate(download.content) == bureau_ca().certificate


def test_init_makes_the_bureau_root_once_and_prints_its_fingerprint(settings, tmp_path):
    from django.core.management import call_command
    from jiliang.verification.documents.keys import bureau_ca

    settings.JILIANG_LEDGER_KEY_DIR = tmp_path / "ledger"
    out = io.StringIO()
    call_command("init", origin="ledger.bazhong.example/jiliang", stdout=out)
    first = bureau_ca().fingerprint()
    assert f"SHA-256 {first}" in out.getvalue()
    assert (tmp_path / "ledger" / "bureau-ca" / "ca-key.pem").stat().st_mode & 0o077 == 0
    call_command("init", origin="ledger.bazhong.example/jiliang", stdout=io.StringIO())
    assert bureau_ca().fingerprint() == first


@pytest.mark.django_db
def test_truncated_or_mangled_pdfs_are_refused_or_read_altered_never_a_server_error(world, settings):
    settings.JILIANG_PUBLIC_CHECK_LIMIT = 1000
    genuine = pdf_document(world.record())

    @hypothesis_settings(max_examples=40, deadline=None)
    @given(st.integers(min_value=5, max_value=len(genuine) - 1), st.integers(min_value=0, max_value=255))
    def mangled(position, byte):
        for data in (genuine[:position], genuine[:position] + bytes([byte]) + genuine[position + 1:]):
            response = upload(data)
            assert response.status_code in (200, 422), (position, response.content[:300])
            if response.status_code == 200:
                assert response.json()["verdict"] in ("genuine", "altered")

    mangled()
