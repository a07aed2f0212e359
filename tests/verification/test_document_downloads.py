"""Downloads of certificate documents: scoped like the certificate (owner, issuing institution,
regulators of the division), each one audited, bad input a clear 4xx with nothing stored."""

import io
import zipfile

import pytest

from jiliang.accounts.models import AuditEvent, Role

from .conftest import days


@pytest.fixture(autouse=True)
def key_folder(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def certificate(world):
    return world.record()


def _downloads(certificate) -> list:
    return list(AuditEvent.objects.filter(action="certificate.download", object_id=str(certificate.pk))
                .values_list("actor__username", "after"))


@pytest.mark.parametrize("fmt,content_type,starts", [
    ("pdf", "application/pdf", b"%PDF"), ("dcc", "application/xml", b"<?xml"),
    ("dcc-signature", "application/xml", b"<?xml"),
])
def test_the_owner_downloads_each_document_and_each_download_is_audited(world, certificate, api_client, fmt,
                                                                         content_type, starts):
    response = api_client(world.owner).get(f"/api/v1/certificates/{certificate.pk}/{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type and response.content.startswith(starts)
    assert certificate.number in response["Content-Disposition"]
    assert _downloads(certificate) == [(world.owner.username, {"format": fmt})]


def test_the_issuing_institution_reprints_and_the_county_regulator_reads(world, certificate, api_client,
                                                                          bazhou_regulator):
    assert api_client(world.verifier).get(f"/api/v1/certificates/{certificate.pk}/pdf").status_code == 200
    assert api_client(bazhou_regulator).get(f"/api/v1/certificates/{certificate.pk}/dcc").status_code == 200
    assert {user for user, _after in _downloads(certificate)} == {world.verifier.username, bazhou_regulator.username}


def test_another_owner_another_county_and_another_institution_get_404_and_nothing_is_audited(
        world, certificate, api_client, make_user, make_organization):
    outsiders = [
        make_user(Role.OWNER, organization=make_organization("511902")),
        make_user(Role.COUNTY_REGULATOR, division="511903"),
        make_user(Role.INSTITUTION_STAFF, institution=world.province),
    ]
    for outsider in outsiders:
        response = api_client(outsider).get(f"/api/v1/certificates/{certificate.pk}/pdf")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api_client(None).get(f"/api/v1/certificates/{certificate.pk}/pdf").status_code == 401
    assert _downloads(certificate) == []


def test_the_archive_zips_every_certificate_of_the_period(world, certificate, api_client):
    second = world.record(instrument=world.make_instrument())  # one certificate per instrument and day
    response = api_client(world.owner).get(
        "/api/v1/certificate-archive", {"issued_from": days(-1).isoformat(), "issued_to": days(0).isoformat()})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    for number in (certificate.number, second.number):
        assert {f"{number}.pdf", f"{number}.xml", f"{number}.xades.xml"} <= names
    assert _downloads(second) == [(world.owner.username, {"format": "archive"})]


@pytest.mark.parametrize("query,field", [
    ({}, "issued_from"),
    ({"issued_from": "2026-12-31", "issued_to": "2026-01-01"}, "issued_to"),
    ({"issued_from": "2020-01-01", "issued_to": "2020-01-31"}, "issued_from"),
])
def test_a_bad_archive_period_is_a_422_naming_the_field(world, certificate, api_client, query, field):
    response = api_client(world.owner).get("/api/v1/certificate-archive", query)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"]
    assert not AuditEvent.objects.filter(action="certificate.download").exists()


def test_a_malformed_date_is_a_422(world, api_client):
    response = api_client(world.owner).get("/api/v1/certificate-archive",
                                           {"issued_from": "yesterday", "issued_to": "2026-01-01"})
    assert response.status_code == 422 and "issued_from" in str(response.json()["fields"])


def test_the_certificate_page_offers_the_downloads_and_serves_them(world, certificate, browser_client):
    client = browser_client(world.owner)
    page = client.get(f"/verification/certificates/{certificate.pk}/").content.decode()
    for label in ("下载 PDF", "下载 DCC(XML)", "下载 DCC 签名(XAdES)"):
        assert label in page
    response = client.get(f"/verification/certificates/{certificate.pk}/documents/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(f"/verification/certificates/{certificate.pk}/documents/exe/").status_code == 404


def test_the_archive_page_shows_field_errors_in_chinese(world, certificate, browser_client):
    client = browser_client(world.owner)
    page = client.get("/verification/certificates/archive/",
                      {"issued_from": "2026-12-31", "issued_to": "2026-01-01"}).content.decode()
    assert "截止日期不能早于起始日期。" in page
    response = client.get("/verification/certificates/archive/",
                          {"issued_from": days(-1).isoformat(), "issued_to": days(0).isoformat()})
    assert response["Content-Type"] == "application/zip"
