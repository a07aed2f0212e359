"""Catalogue changes (registry InstrumentType) go on the log in the same transaction."""

import pytest

from jiliang.accounts import audit
from jiliang.ledger import selectors, sequencer
from jiliang.ledger import services as ledger
from jiliang.ledger.entries import document_digest, parse_entry
from jiliang.ledger.models import PendingEntry
from jiliang.registry import services
from jiliang.registry.models import InstrumentType


@pytest.mark.django_db
def test_creating_and_editing_an_instrument_type_is_logged(city_regulator):
    created = services.create_instrument_type(city_regulator, code="ZZ-001", name_zh="测试器具")
    services.update_instrument_type(city_regulator, created, name_zh="测试器具(改)")
    entries = [parse_entry(bytes(data)) for data in PendingEntry.objects.values_list("data", flat=True)]
    assert [(e.kind, e.record_id) for e in entries] == [("registry.instrument_type", str(created.pk))] * 2
    created.refresh_from_db()
    assert entries[1].sha256 == document_digest(audit.snapshot(created))
    sequencer.publish()
    index = selectors.latest_index_of("registry.instrument_type", str(created.pk))
    assert selectors.receipt(index).index == index


@pytest.mark.django_db
def test_a_catalogue_change_whose_append_fails_is_not_written(city_regulator, monkeypatch):
    def broken(kind, record):
        raise RuntimeError("the log is unavailable")

    monkeypatch.setattr(ledger, "append", broken)
    with pytest.raises(RuntimeError):
        services.create_instrument_type(city_regulator, code="ZZ-002", name_zh="测试器具")
    assert not InstrumentType.objects.filter(code="ZZ-002").exists()
