"""Does a request's JSON have the shape its JSON Schema declares? Pure logic, no Django.

django-ninja validates with pydantic's lax mode, which coerces: ``0`` passes as ``false``, ``"5"``
as ``5``, ``0`` as the date 1970-01-01. The OpenAPI description promises a boolean, an integer, a
date written out. This checks only what lax mode forgives (the JSON types, and that dates and
times are written as ISO 8601 text); pydantic still checks everything else (bounds, lengths,
choices) and says so in its own words.
"""

import re

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:?\d{2})?")
INTEGER_TEXT = re.compile(r"[+-]?\d+")
FORMATS = {"date": (DATE, "应为 YYYY-MM-DD 格式的日期"), "date-time": (DATE_TIME, "应为 ISO 8601 格式的时间")}
TYPES = {
    "string": (str, "应为文本"), "integer": (int, "应为整数"), "number": ((int, float), "应为数值"),
    "boolean": (bool, "应为 true 或 false"), "array": (list, "应为列表"), "object": (dict, "应为对象"),
    "null": (type(None), "应为空"),
}


def _type_problem(value, expected: str) -> str | None:
    kinds, message = TYPES.get(expected, (object, ""))
    if isinstance(value, bool) and expected != "boolean":
        return message
    return None if isinstance(value, kinds) else message


def problems(value, schema: dict, definitions: dict, *, texts: bool = False, path: tuple = ()) -> list:
    """``[(path, message)]`` where ``value`` breaks the types or date formats of ``schema``.

    ``texts``: the value came from a query string, where every scalar is text, so only the formats
    are checked. ``definitions`` resolves ``#/$defs/...`` references."""
    if "$ref" in schema:
        schema = {**definitions.get(schema["$ref"].rsplit("/", 1)[-1], {}), **{k: v for k, v in schema.items()
                                                                             if k != "$ref"}}
    for key in ("anyOf", "oneOf"):
        if key in schema:
            found = [problems(value, option, definitions, texts=texts, path=path) for option in schema[key]]
            return [] if any(not p for p in found) else min(found, key=len)
    found = [p for part in schema.get("allOf", ()) for p in problems(value, part, definitions, texts=texts, path=path)]
    expected = schema.get("type")
    if isinstance(expected, str) and not (texts and expected in {"string", "integer", "number", "boolean"}):
        message = _type_problem(value, expected)
        if message:
            return [*found, (path, message)]
    if texts and expected == "integer" and isinstance(value, str) and not INTEGER_TEXT.fullmatch(value):
        found.append((path, TYPES["integer"][1]))
    if isinstance(value, str) and schema.get("format") in FORMATS:
        pattern, message = FORMATS[schema["format"]]
        if not pattern.fullmatch(value):
            found.append((path, message))
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            sub = properties.get(name, extra if isinstance(extra, dict) else None)
            if sub is not None:
                found += problems(item, sub, definitions, texts=texts, path=(*path, name))
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found += problems(item, schema["items"], definitions, texts=texts, path=(*path, index))
    return found
