"""Instrument rules through the services: duplicates, status history, the mandatory flag, audit."""

import datetime

import pytest

from jiliang.accounts import audit
from jiliang.accounts.models import AuditEvent
from jiliang.errors import Conflict, InvalidInput
from jiliang.registry import public_code, services
from jiliang.registry.models import InstrumentStatus, InstrumentType, Purpose


def test_a_new_instrument_gets_a_valid_public_code_its_site_division_and_a_first_history_row(
    make_organization, make_site, make_instrument, division
):
    site = make_site(make_organization("511921"), division_code="511921101")
    instrument = make_instrument(site=site)
    assert public_code.is_valid(instrument.public_code)
    assert instrument.division == division("511921101")
    assert instrument.county == division("511921")
    [first] = instrument.status_changes.all()
    assert (first.from_status, first.to_status) == ("", InstrumentStatus.IN_USE)
    assert AuditEvent.objects.filter(action="instrument.create", object_id=str(instrument.pk)).exists()


def test_a_duplicate_type_manufacturer_serial_is_a_conflict_naming_the_existing_public_code(
    make_organization, make_instrument
):
    organization = make_organization()
    existing = make_instrument(organization, serial_no="A-1", manufacturer="正星科技")
    with pytest.raises(Conflict) as raised:
        make_instrument(organization, serial_no="A-1", manufacturer="正星科技")
    assert existing.public_code in raised.value.message
    assert existing.public_code in raised.value.fields["serial_no"][0]
    # Another manufacturer or another type is another instrument.
    make_instrument(organization, serial_no="A-1", manufacturer="托肯恒山")
    make_instrument(organization, serial_no="A-1", manufacturer="正星科技", type_code="MI02")


def test_changing_into_a_duplicate_is_a_conflict_too(registrar, make_organization, make_instrument):
    organization = make_organization()
    first = make_instrument(organization, serial_no="B-1")
    second = make_instrument(organization, serial_no="B-2")
    with pytest.raises(Conflict) as raised:
        services.update_instrument(registrar, second, serial_no="B-1")
    assert first.public_code in raised.value.message


@pytest.mark.parametrize(
    ("type_mandatory", "purpose", "expected"),
    [(True, Purpose.TRADE_SETTLEMENT, True), (True, Purpose.HEALTH, True), (True, Purpose.SAFETY, True),
     (True, Purpose.ENVIRONMENT, True), (True, Purpose.OTHER, False), (False, Purpose.TRADE_SETTLEMENT, False)],
)
def test_the_mandatory_flag_follows_the_catalogue_and_the_purpose(
    registrar, make_organization, make_instrument, type_mandatory, purpose, expected
):
    InstrumentType.objects.filter(code="MI06").update(mandatory=type_mandatory)
    assert make_instrument(make_organization(), purpose=purpose).mandatory is expected


def test_unflagging_a_type_in_the_catalogue_reflags_its_instruments_and_is_audited(
    registrar, make_organization, make_instrument
):
    instrument = make_instrument(make_organization())
    other_use = make_instrument(make_organization(), purpose=Purpose.OTHER)
    fuel = InstrumentType.objects.get(code="MI06")
    services.update_instrument_type(registrar, fuel, mandatory=False, verification_interval_months=12)
    instrument.refresh_from_db()
    other_use.refresh_from_db()
    assert (instrument.mandatory, other_use.mandatory) == (False, False)
    services.update_instrument_type(registrar, fuel, mandatory=True)
    instrument.refresh_from_db()
    other_use.refresh_from_db()
    assert (instrument.mandatory, other_use.mandatory) == (True, False)
    event = AuditEvent.objects.filter(action="instrument_type.update").order_by("id").first()
    assert event.before["verification_interval_months"] == 6
    assert event.after["verification_interval_months"] == 12


def test_status_changes_keep_history_and_scrapping_is_final(registrar, make_organization, make_instrument):
    instrument = make_instrument(make_organization(), install_date=datetime.date(2024, 1, 10))
    services.change_instrument_status(registrar, instrument, status=InstrumentStatus.OUT_OF_SERVICE,
                                      effective_on=datetime.date(2025, 3, 1), reason="维修")
    services.change_instrument_status(registrar, instrument, status=InstrumentStatus.SCRAPPED,
                                      effective_on=datetime.date(2025, 4, 1))
    history = list(instrument.status_changes.order_by("id").values_list("from_status", "to_status", "effective_on"))
    assert history == [
        ("", "in_use", datetime.date(2024, 1, 10)),
        ("in_use", "out_of_service", datetime.date(2025, 3, 1)),
        ("out_of_service", "scrapped", datetime.date(2025, 4, 1)),
    ]
    instrument.refresh_from_db()
    assert (instrument.status, instrument.status_since) == ("scrapped", datetime.date(2025, 4, 1))
    with pytest.raises(InvalidInput) as raised:
        services.change_instrument_status(registrar, instrument, status=InstrumentStatus.IN_USE)
    assert "status" in raised.value.fields


def test_a_status_change_cannot_predate_the_current_status_or_lie_in_the_future(
    registrar, make_organization, make_instrument
):
    instrument = make_instrument(make_organization(), install_date=datetime.date(2024, 1, 10))
    with pytest.raises(InvalidInput) as raised:
        services.change_instrument_status(registrar, instrument, status="out_of_service",
                                          effective_on=datetime.date(2023, 1, 1))
    assert "effective_on" in raised.value.fields
    with pytest.raises(InvalidInput):
        services.change_instrument_status(registrar, instrument, status="out_of_service",
                                          effective_on=datetime.date.today() + datetime.timedelta(days=2))


def test_moving_a_site_moves_its_instruments_division(registrar, make_organization, make_site, make_instrument,
                                                      division):
    site = make_site(make_organization("511902"))
    instrument = make_instrument(site=site)
    services.update_site(registrar, site, division=division("511902001"))
    instrument.refresh_from_db()
    assert instrument.division == division("511902001")
    assert instrument.county == division("511902")


def test_moving_a_site_to_another_county_moves_its_instruments_county(registrar, make_organization, make_site,
                                                                       make_instrument, division):
    site = make_site(make_organization("511902"), division_code="511902001")
    instrument = make_instrument(site=site)
    services.update_site(registrar, site, division=division("511921101"))
    instrument.refresh_from_db()
    assert (instrument.division, instrument.county) == (division("511921101"), division("511921"))


def test_the_catalogue_is_seeded_from_the_cited_file_with_source_and_confidence(db):
    fuel = InstrumentType.objects.get(code="MI06")
    assert fuel.name_zh == "燃油加油机"
    assert "JJG 443-2023" in fuel.regulation
    assert fuel.verification_interval_months == 6
    assert fuel.source and fuel.confidence == "medium"
    # Unknown periods stay unknown (an editable default), never a guessed constant.
    assert InstrumentType.objects.get(code="MI17").verification_interval_months is None
    assert InstrumentType.objects.count() == 32


def test_the_catalogue_loaded_by_migration_goes_on_the_log_once_with_one_audit_event(registrar):
    from jiliang.ledger.entries import document_digest, parse_entry
    from jiliang.ledger.models import PendingEntry

    assert services.log_catalogue(registrar) == InstrumentType.objects.count()
    entries = [parse_entry(bytes(data)) for data in PendingEntry.objects.values_list("data", flat=True)]
    fuel = InstrumentType.objects.get(code="MI06")
    [logged] = [e for e in entries if e.record_id == str(fuel.pk)]
    assert logged.kind == "registry.instrument_type" and logged.sha256 == document_digest(audit.snapshot(fuel))
    assert AuditEvent.objects.filter(action="instrument_type.log_catalogue").count() == 1
