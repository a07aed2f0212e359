"""The API's field errors in the reader's language, not pydantic's English (schema_errors.py)."""

import datetime as dt
import enum
from decimal import Decimal
from typing import Literal

import pytest
from django.utils import translation
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jiliang import schema_errors


class Colour(enum.Enum):
    RED = "red"


class Everything(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2, max_length=4)
    count: int = Field(gt=0, le=10)
    share: Decimal = Field(max_digits=4, decimal_places=1)
    on: dt.date
    at: dt.datetime
    flag: bool
    colour: Colour
    kind: Literal["a", "b"]
    items: list[int] = Field(min_length=1)


BAD = [
    {},
    {"name": "x", "count": 0, "share": "123.45", "on": "明天", "at": "明天", "flag": "也许", "colour": "blue",
     "kind": "c", "items": [], "surprise": 1},
    {"name": 5, "count": "十", "share": "多", "on": 3.5, "at": [], "flag": [], "colour": None, "kind": None,
     "items": "x"},
    {"name": "toolong", "count": 11, "share": "1.23", "on": "2026-02-30", "at": "2026-12-07", "flag": 2,
     "colour": 1, "kind": 1, "items": ["x"]},
]


@pytest.mark.parametrize("body", BAD)
def test_every_error_of_these_bodies_reads_in_chinese_and_in_english(body):
    with pytest.raises(ValidationError) as raised:
        Everything.model_validate(body)
    for error in raised.value.errors():
        with translation.override("zh-hans"):
            chinese = schema_errors.field_message(error)
        with translation.override("en"):
            english = schema_errors.field_message(error)
        assert error["type"] in schema_errors.MESSAGES, error
        assert "%(" not in chinese and any("\u4e00" <= c <= "\u9fff" for c in chinese), (error, chinese)
        assert english and not any("\u4e00" <= c <= "\u9fff" for c in english), (error, english)


def test_a_validators_own_message_loses_pydantics_prefix():
    assert schema_errors.field_message({"type": "value_error", "msg": "Value error, 统一社会信用代码校验位不对"}) \
        == "统一社会信用代码校验位不对"


@pytest.mark.django_db
def test_the_api_names_a_missing_field_in_the_readers_language(client):
    chinese = client.post("/api/v1/public/complaints", {}, content_type="application/json")
    assert chinese.status_code == 422 and chinese.json()["fields"]["subject"] == ["必填。"]
    english = client.post("/api/v1/public/complaints", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["fields"]["subject"] == ["Required."]
