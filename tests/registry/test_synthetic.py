"""The synthetic data set (`jiliang demo`, `jiliang seed`): derived columns, history, audit, idempotence."""

from jiliang.accounts.models import AuditEvent
from jiliang.registry import public_code, rules, synthetic
from jiliang.registry.models import Instrument, InstrumentStatusChange, county_id_of


def test_seeded_instruments_have_their_derived_columns_a_first_history_row_and_load_once(db):
    created = synthetic.load(synthetic.SEED, scale=0.01)
    assert created["instruments"] == synthetic.instrument_count(0.01) == Instrument.objects.count()
    for instrument in Instrument.objects.select_related("site", "type"):
        assert instrument.division_id == instrument.site.division_id
        assert instrument.county_id == county_id_of(instrument.site.division_id)
        assert instrument.mandatory == rules.is_mandatory(instrument.type.mandatory, instrument.purpose)
        assert instrument.search_key == rules.search_key(instrument.serial_no)
        assert public_code.is_valid(instrument.public_code) and instrument.created_at is not None
    history = InstrumentStatusChange.objects.values_list("instrument__status", "from_status", "to_status")
    assert len(history) == created["instruments"] and all(f == "" and t == s for s, f, t in history)
    assert AuditEvent.objects.filter(action="seed.load", object_type="registry.Instrument").exists()
    assert synthetic.load(synthetic.SEED, scale=0.01) == {"organizations": 0, "sites": 0, "instruments": 0}
