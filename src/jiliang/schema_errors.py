"""The API's field errors in the reader's language: pydantic names each error by a type with its
parameters (``string_too_long`` with ``max_length``), and its own message is English whatever the
reader's language. A type this table does not know keeps pydantic's message."""

from django.utils.translation import gettext_lazy as _

_NUMBER = _("须为数字。")
_WHOLE = _("须为整数。")
_BOOLEAN = _("须为 true 或 false。")
_DATE = _("须为日期，如 2026-12-07。")
_TIME = _("须为带时区的时间，如 2026-12-07T09:00:00+08:00。")
_OBJECT = _("须为对象。")
_ONE_OF = _("须为以下之一：%(expected)s。")
_UUID = _("须为 UUID。")

MESSAGES = {
    "missing": _("必填。"),
    "string_type": _("须为文本。"),
    "string_too_short": _("至少 %(min_length)s 个字符。"),
    "string_too_long": _("不能超过 %(max_length)s 个字符。"),
    "string_pattern_mismatch": _("格式不对。"),
    "too_short": _("至少 %(min_length)s 项。"),
    "too_long": _("不能超过 %(max_length)s 项。"),
    "int_type": _WHOLE, "int_parsing": _WHOLE, "int_from_float": _WHOLE,
    "float_type": _NUMBER, "float_parsing": _NUMBER, "decimal_type": _NUMBER, "decimal_parsing": _NUMBER,
    "decimal_max_digits": _("数字不能超过 %(max_digits)s 位。"),
    "decimal_max_places": _("小数不能超过 %(decimal_places)s 位。"),
    "bool_type": _BOOLEAN, "bool_parsing": _BOOLEAN,
    "date_type": _DATE, "date_parsing": _DATE, "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_type": _TIME, "datetime_parsing": _TIME, "datetime_from_date_parsing": _TIME,
    "greater_than": _("须大于 %(gt)s。"),
    "greater_than_equal": _("不能小于 %(ge)s。"),
    "less_than": _("须小于 %(lt)s。"),
    "less_than_equal": _("不能大于 %(le)s。"),
    "enum": _ONE_OF, "literal_error": _ONE_OF,
    "list_type": _("须为列表。"),
    "dict_type": _OBJECT, "model_type": _OBJECT, "model_attributes_type": _OBJECT,
    "extra_forbidden": _("不接受此字段。"),
    "json_invalid": _("不是有效的 JSON。"),
    "uuid_type": _UUID, "uuid_parsing": _UUID,
}


def field_message(error: dict) -> str:
    """One pydantic error (``type``, ``ctx``, ``msg``) as the reader reads it. A validator's own
    message (``value_error``) is ours already: it only loses pydantic's "Value error, " prefix."""
    template = MESSAGES.get(error.get("type", ""))
    if template is not None:
        ctx = {key: str(value).replace("'", "") for key, value in (error.get("ctx") or {}).items()}
        try:
            return str(template) % ctx
        except KeyError:  # a parameter this pydantic version does not give: its own words then
            pass
    return str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
