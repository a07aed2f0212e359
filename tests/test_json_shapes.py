"""json_shapes: the JSON types and written-out dates a schema declares, nothing more."""

from hypothesis import given
from hypothesis import strategies as st

from jiliang.json_shapes import problems

SCHEMA = {
    "type": "object",
    "properties": {
        "flag": {"type": "boolean"}, "count": {"type": "integer"}, "on": {"type": "string", "format": "date"},
        "amount": {"anyOf": [{"type": "number"}, {"type": "string"}]}, "kind": {"$ref": "#/$defs/Kind"},
        "items": {"type": "array", "items": {"type": "integer"}},
        "maybe": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    },
}
DEFS = {"Kind": {"type": "string", "enum": ["a", "b"]}}
valid = st.fixed_dictionaries({}, optional={
    "flag": st.booleans(), "count": st.integers(), "on": st.dates().map(str),
    "amount": st.one_of(st.integers(), st.floats(allow_nan=False), st.text()), "kind": st.sampled_from("ab"),
    "items": st.lists(st.integers()), "maybe": st.one_of(st.none(), st.integers()),
})
not_boolean = st.one_of(st.integers(), st.text(), st.none(), st.lists(st.booleans()))
not_integer = st.one_of(st.booleans(), st.text(), st.floats(), st.none())


@given(valid)
def test_values_of_the_declared_types_pass(value):
    assert problems(value, SCHEMA, DEFS) == []


@given(valid, not_boolean, not_integer)
def test_other_types_are_named_by_path(value, flag, count):
    found = problems(value | {"flag": flag, "items": [1, count]}, SCHEMA, DEFS)
    assert {path for path, _message in found} == {("flag",), ("items", 1)}


@given(st.integers(min_value=0, max_value=99999))
def test_a_number_is_no_date_in_a_body_or_a_query(number):
    assert problems({"on": number}, SCHEMA, DEFS) == [(("on",), "应为文本")]
    assert problems({"on": str(number)}, SCHEMA, DEFS, texts=True)


@given(st.integers())
def test_a_query_is_text_whatever_its_declared_type(number):
    assert problems({"count": str(number), "flag": "true"}, SCHEMA, DEFS, texts=True) == []


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f != int(f)) | st.text(min_size=1)
       .filter(lambda t: not t.strip().lstrip("+-").isdigit()))
def test_an_integer_in_a_query_is_written_as_one(text):
    assert problems({"count": str(text)}, SCHEMA, DEFS, texts=True)
