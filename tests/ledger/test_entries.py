"""Log entries: RFC 8785 canonical, four string members, the document only as a digest."""

import datetime
import hashlib

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from jiliang.ledger.entries import (
    EntryError,
    LogRecord,
    canonical_json,
    document_digest,
    make_entry,
    parse_entry,
)

MOMENT = datetime.datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=datetime.UTC)


@given(record_id=st.text(min_size=1, max_size=128), time=st.text(max_size=40))
def test_entries_are_rfc8785_canonical_for_any_strings(record_id, time):
    record = LogRecord("registry.instrument_type", record_id, "ab" * 32, time)
    members = {"kind": record.kind, "id": record_id, "sha256": record.sha256, "time": time}
    assert record.to_bytes() == rfc8785.dumps(members)
    assert parse_entry(record.to_bytes()) == record


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


@given(document=st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=5))
def test_the_fast_canonical_json_is_rfc8785_or_refuses_as_it_does(document):
    try:
        expected = rfc8785.dumps(document)
    except rfc8785.CanonicalizationError:
        with pytest.raises(EntryError):
            canonical_json(document)
    else:
        assert canonical_json(document) == expected


def test_keys_outside_the_basic_plane_sort_as_rfc8785_says():
    document = {"\U0001f600": 1, "\ufb01": 2, "a": "\u2028\x7f\x00"}
    assert canonical_json(document) == rfc8785.dumps(document)


def test_an_entry_names_the_record_and_digests_the_document():
    document = {"id": 7, "name": "电子计价秤", "interval_months": 12, "ratio": 0.5}
    entry = make_entry("registry.instrument_type", document, MOMENT).to_bytes()
    assert entry == (
        b'{"id":"7","kind":"registry.instrument_type","sha256":"'
        + hashlib.sha256(rfc8785.dumps(document)).hexdigest().encode()
        + b'","time":"2026-11-26T12:00:00.123Z"}'
    )
    assert document_digest(document) == document_digest(dict(reversed(document.items())))


@pytest.mark.parametrize(
    "data",
    [b"not json", b'{"id":"1"}', b'{"id":1,"kind":"a","sha256":"x","time":"t"}',
     b'{"kind":"a","id":"1","sha256":"x","time":"t"}', b'{"id":"1", "kind":"a","sha256":"x","time":"t"}'],
)
def test_non_canonical_or_incomplete_entries_are_rejected(data):
    with pytest.raises(EntryError):
        parse_entry(data)


@pytest.mark.parametrize(
    ("kind", "document"),
    [("Bad Kind", {"id": 1}), ("a.b", {"no_id": 1}), ("a.b", {"id": ""}), ("a.b", {"id": "x" * 129}),
     ("a.b", {"id": 1, "value": float("nan")}), ("a.b", [1, 2])],
)
def test_records_that_cannot_be_logged(kind, document):
    with pytest.raises(EntryError):
        make_entry(kind, document, MOMENT).to_bytes()
