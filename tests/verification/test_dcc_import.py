"""DCC import (issue 16 item 8): the calibration certificate a higher institution issued for one of
the city's standards, as DCC 3.1.2 XML, becomes that standard's calibration record; a schema-invalid
file, the wrong standard, an unknown issuer or a duplicate is refused with the element named, and
nothing is stored."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiliang.accounts.models import AuditEvent
from jiliang.verification.documents import dcc
from jiliang.verification.documents.contents import CertificateContents, Item, Party, Point, StandardUsed
from jiliang.verification.models import CalibrationResult, StandardCalibration

from .conftest import days

OFFICIAL_3_1_0_EXAMPLE = Path("/work/shared/reference/dcc/examples/dcc-vacuumlab-CDG.xml")
ITEM = "/dcc:digitalCalibrationCertificate/dcc:administrativeData/dcc:items/dcc:item"


def incoming(world, *, item_name=None, approval_no="", number="SCJL2026-C000815", issuer=None,
             valid_until=days(360), conclusion="pass") -> bytes:
    """The DCC the provincial institute issues for the city's standard (made with our own writer)."""
    contents = CertificateContents(
        number=number, kind="calibration", kind_zh="校准证书", verification_kind_zh="校准",
        issued_on=days(-3), performed_on=days(-5), valid_until=valid_until,
        institution=Party(issuer or world.province.name, "成都市"), authorisations=[],
        customer=Party(world.institution.name),
        item=Item(type_name_zh=item_name or world.standard.name, type_name_en="Standard metal measure",
                  manufacturer="某量器厂", model="20L", serial_no=approval_no or "SN-STD-20", public_code=""),
        regulation="JJG 259-2005", conclusion=conclusion, conclusion_zh="符合", decision_rule="simple_acceptance",
        decision_rule_zh="简单接受", near_limit=False, verifier="王五", checker="赵六", approver="钱七",
        standards=[StandardUsed(world.provincial_standard.name, calibration_no="NIM-2025-001")],
        points=[Point(1, "容量", Decimal("20"), Decimal("20.002"), "L", Decimal("0.002"), "L", Decimal("0.0005"),
                      Decimal("2"))],
    )
    return dcc.build(contents)


def upload(world, data: bytes, user=None, **fields):
    client = Client()
    client.force_login(user or world.verifier)
    return client.post(f"/verification/standards/{world.standard.pk}/calibrations/import-dcc/",
                       {"file": SimpleUploadedFile("c.xml", data), **fields})


def api_upload(world, api_client, data: bytes, standard=None, **fields):
    return api_client(world.verifier).post(
        f"/api/v1/standards/{(standard or world.standard).pk}/calibrations/dcc",
        {"file": SimpleUploadedFile("c.xml", data), **fields})


def stored(world):
    return (StandardCalibration.objects.filter(standard=world.standard).count(),
            AuditEvent.objects.filter(action="standard.calibrate").count())


@pytest.mark.django_db
def test_a_good_dcc_becomes_the_standards_calibration_with_results_u_and_k(world, api_client):
    response = api_upload(world, api_client, incoming(world))
    assert response.status_code == 201, response.content
    calibration = StandardCalibration.objects.get(pk=response.json()["id"])
    assert calibration.standard == world.standard and calibration.calibrating_institution == world.province
    assert calibration.certificate_no == "SCJL2026-C000815"
    assert calibration.calibrated_on == days(-5) and calibration.valid_until == days(360)
    assert calibration.result == CalibrationResult.IN_TOLERANCE
    assert {"name": "误差", "value": "0.002", "unit": r"\litre", "U": "0.0005", "k": "2"} in calibration.results
    assert calibration.uncertainty.startswith("U = 0.0005")
    event = AuditEvent.objects.filter(action="standard.calibrate").latest("id")
    assert event.actor == world.verifier and "SCJL2026-C000815" in str(event.after)


@pytest.mark.django_db
def test_the_page_imports_and_a_dcc_without_validity_takes_the_forms(world):
    assert upload(world, incoming(world, valid_until=None, conclusion="calibrated"),
                  valid_until="2030-01-31", result="out_of_tolerance").status_code == 302
    calibration = StandardCalibration.objects.get(certificate_no="SCJL2026-C000815")
    assert calibration.valid_until == datetime.date(2030, 1, 31)
    assert calibration.result == CalibrationResult.OUT_OF_TOLERANCE


@pytest.mark.django_db
def test_a_dcc_without_validity_or_conformity_names_the_elements_and_the_form_fields(world, api_client):
    before = stored(world)
    body = api_upload(world, api_client, incoming(world, valid_until=None, conclusion="calibrated")).json()
    assert body["code"] == "invalid"
    assert {"valid_until", "result"} <= set(body["fields"])
    assert any(path.endswith("dcc:statement/dcc:date") for path in body["fields"])
    assert stored(world) == before


@pytest.mark.django_db
def test_a_schema_invalid_dcc_names_each_element_and_stores_nothing(world, api_client):
    before = stored(world)
    data = incoming(world).replace(b"<dcc:endPerformanceDate>", b"<dcc:endPerformanceDate>not-a-")
    body = api_upload(world, api_client, data).json()
    assert body["code"] == "invalid" and "DCC 3.1.2" in body["message"]
    assert any("endPerformanceDate" in path for path in body["fields"]), body["fields"]
    assert stored(world) == before


@pytest.mark.skipif(not OFFICIAL_3_1_0_EXAMPLE.exists(), reason="the shared DCC reference files are not here")
@pytest.mark.django_db
def test_ptbs_official_example_of_another_schema_version_is_refused(world, api_client):
    body = api_upload(world, api_client, OFFICIAL_3_1_0_EXAMPLE.read_bytes()).json()
    assert body["code"] == "invalid"
    assert "/dcc:digitalCalibrationCertificate" in body["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize("data, words", [(b"<dcc:x", "格式正确的 XML"), (b"<a/>", "不是数字校准证书")])
def test_malformed_or_foreign_xml_is_refused(world, api_client, data, words):
    response = api_upload(world, api_client, data)
    assert response.status_code == 422 and words in response.json()["message"]


@pytest.mark.django_db
def test_a_dcc_for_another_standard_is_refused_with_the_item_named(world, api_client):
    before = stored(world)
    response = api_upload(world, api_client, incoming(world, item_name="一等标准金属量器"))
    assert response.status_code == 422
    assert "二等标准金属量器" in response.json()["fields"][ITEM][0]
    assert stored(world) == before


@pytest.mark.django_db
def test_the_standard_is_also_recognised_by_its_approval_number(world, api_client):
    data = incoming(world, item_name="20 L 金属量器", approval_no=world.standard.approval_no)
    assert api_upload(world, api_client, data).status_code == 201


@pytest.mark.django_db
def test_an_issuer_the_platform_does_not_know_is_named(world, api_client):
    body = api_upload(world, api_client, incoming(world, issuer="不存在的计量院")).json()
    assert any(path.endswith("dcc:calibrationLaboratory/dcc:contact/dcc:name") for path in body["fields"])


@pytest.mark.django_db
def test_a_duplicate_is_a_conflict_and_stores_nothing_more(world, api_client):
    assert api_upload(world, api_client, incoming(world)).status_code == 201
    before = stored(world)
    response = api_upload(world, api_client, incoming(world))
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert stored(world) == before


@pytest.mark.django_db
def test_the_page_shows_element_errors_with_their_path(world):
    response = upload(world, incoming(world, item_name="一等标准金属量器"))
    text = response.content.decode()
    assert response.status_code == 200 and ITEM in text and "不是所选计量标准" in text


@pytest.mark.django_db
def test_an_owner_may_not_import(world, api_client):
    response = api_client(world.owner).post(f"/api/v1/standards/{world.standard.pk}/calibrations/dcc",
                                            {"file": SimpleUploadedFile("c.xml", incoming(world))})
    assert response.status_code in (403, 404)
