"""The import outside a caller's transaction: on PostgreSQL the writes run on a second connection
beside the validation (engine._OverlappedWriter). The same behaviours as test_import, run here
with committed data (transactional tests) so that the second connection sees it; on SQLite these
take the one-connection path again."""

import pytest
from django.db import connection

from jiliang.accounts.models import AuditEvent
from jiliang.registry.importing import engine
from jiliang.registry.models import Instrument, InstrumentStatusChange, Organization

from . import test_import as same

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def overlapped(monkeypatch):
    """Count the imports that took the overlapped path: every one on PostgreSQL."""
    started = []
    original = engine._OverlappedWriter

    def spy(*args, **kwargs):
        started.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(engine, "_OverlappedWriter", spy)
    yield started
    assert bool(started) == (connection.vendor == "postgresql")


def test_all_or_nothing(city_regulator, tmp_path):
    same.test_organizations_all_or_nothing_reports_every_bad_row_at_once(city_regulator, tmp_path)


def test_partial(city_regulator, tmp_path):
    same.test_partial_imports_the_good_rows_and_reports_the_bad(city_regulator, tmp_path)


def test_reimport(city_regulator, tmp_path):
    same.test_reimporting_the_same_file_changes_nothing(city_regulator, tmp_path)


def test_update_audited(city_regulator, tmp_path):
    same.test_a_changed_row_is_updated_and_audited_with_before_and_after(city_regulator, tmp_path)


def test_audit_per_batch(city_regulator, tmp_path, monkeypatch):
    same.test_one_audit_row_per_batch_names_the_file_counts_and_keys(city_regulator, tmp_path, monkeypatch)


def test_instruments_all_or_nothing(city_regulator, make_organization, make_site, make_instrument, tmp_path):
    same.test_instruments_all_or_nothing_with_every_kind_of_bad_row(
        city_regulator, make_organization, make_site, make_instrument, tmp_path)


def test_instruments_codes_and_status_history(city_regulator, make_organization, make_site, tmp_path):
    same.test_imported_instruments_get_codes_derived_columns_and_status_history(
        city_regulator, make_organization, make_site, tmp_path)


def test_moving_a_site(city_regulator, make_organization, make_site, make_instrument, tmp_path):
    same.test_moving_a_site_moves_its_instruments_division(
        city_regulator, make_organization, make_site, make_instrument, tmp_path)


def test_a_bad_row_after_batches_were_written_rolls_them_all_back(city_regulator, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    bad_code, _ = same.wrong_check(same.code(9))
    rows = [[same.code(n), f"单位{n}", "511902", "", ""] for n in range(7)] + [[bad_code, "坏", "511902", "", ""]]
    report = same.run(city_regulator, "organizations", same.csv_sheet(tmp_path / "o.csv", same.ORG_HEADERS, rows))
    assert not report.written and (report.created, report.updated, report.unchanged, report.bad_rows) == (0, 0, 0, 1)
    assert [e.row for e in report.errors] == [9]
    assert Organization.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="import.").exists()

    report = same.run(city_regulator, "organizations", same.csv_sheet(tmp_path / "o.csv", same.ORG_HEADERS, rows[:7]))
    assert report.written and report.created == 7 and Organization.objects.count() == 7
    assert [e.after["batch"] for e in AuditEvent.objects.filter(action="import.organizations").order_by("id")] == [
        "1/4", "2/4", "3/4", "4/4"]


def test_an_instrument_registered_meanwhile_rolls_the_import_back(city_regulator, make_organization, make_site,
                                                                 make_instrument, tmp_path, monkeypatch):
    """A row that the database refuses while written (here: its natural key taken after it was
    validated) ends the import with a conflict and leaves nothing of it."""
    owner = make_organization("511902")
    site = make_site(owner, name="一号站")
    original = engine._validate_batch

    def validate_then_race(kind, ctx, rows, scratch):
        original(kind, ctx, rows, scratch)
        if kind.name == "instruments" and not Instrument.objects.filter(serial_no="R-2").exists():
            make_instrument(site=site, serial_no="R-2", manufacturer="正星")

    monkeypatch.setattr(engine, "_validate_batch", validate_then_race)
    path = same.csv_sheet(tmp_path / "i.csv", same.INSTRUMENT_HEADERS, [
        ["MI06", "R-1", "正星", owner.uscc, "一号站", ""], ["MI06", "R-2", "正星", owner.uscc, "一号站", ""]])
    with pytest.raises(engine.Conflict):
        same.run(city_regulator, "instruments", path)
    assert list(Instrument.objects.values_list("serial_no", flat=True)) == ["R-2"]
    assert InstrumentStatusChange.objects.filter(instrument__serial_no="R-1").count() == 0
