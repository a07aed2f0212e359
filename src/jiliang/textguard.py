"""Control characters are refused at the edge, per field, before any form, schema or service sees
them (issue 13, finding 3).

No person types them; they arrive pasted from other software or sent on purpose. PostgreSQL
cannot store NUL, SQLite cuts text at it, and the .xlsx format cannot hold any of them, so a
single stored name could break every export of a county (``cells`` explains the set refused:
C0 except tab, line feed and carriage return, and DEL). One middleware checks every submitted
value (query string, form fields, JSON string values) instead of every form and every API
schema one by one, so a new form or endpoint is covered the day it exists. The importer refuses
them per cell with the same message (``control_character_error``).

The device ingest, and API bodies of JSON lines or plain text, are checked for NUL only, as bytes:
the ingest's batches are large, its messages are validated one by one into dead letters, and
parsing them twice would halve its throughput.
"""

import json
from collections.abc import Iterator

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from jiliang.cells import CONTROL_CHARACTERS, control_characters_in, printable

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
RAW_BODY_PATHS = ("/api/v1/monitoring/ingest",)
RAW_BODY_TYPES = {"application/x-ndjson", "text/plain"}
PREVIEW_LENGTH = 30


def control_character_error(text: str) -> str | None:
    """The per-field message for ``text``, or None when it holds no control character."""
    found = control_characters_in(text)
    if not found:
        return None
    return _("含有不可见的控制字符(%(chars)s)，请删除后重新填写") % {"chars": "、".join(found)}


def _json_strings(value, name: str = "") -> Iterator[tuple[str, str]]:
    """(field name, text) of every string in a JSON document; a field is named by its own key."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _json_strings(item, str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item, name)


def submitted_texts(request) -> Iterator[tuple[str, str]]:
    """(field name, text) of every value the request submits."""
    for name, values in request.GET.lists():
        for value in values:
            yield name, value
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if request.content_type in FORM_TYPES:
        for name, values in request.POST.lists():
            for value in values:
                yield name, value
    elif request.content_type == "application/json" and not request.path.startswith(RAW_BODY_PATHS):
        try:
            document = json.loads(request.body)
        except ValueError:
            return  # the endpoint reports malformed JSON in its own words
        yield from _json_strings(document)


class RejectControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = self._bad_fields(request)
        if not bad:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            fields = {name: [message] for name, (message, _text) in bad.items()}
            return JsonResponse({"code": "invalid", "message": _("提交的内容含有不可见的控制字符，请删除后重新提交。"),
                                 "fields": fields}, status=422)
        message = _("提交的内容含有不可见的控制字符(常见于从其他软件复制粘贴)，请返回删除后重新提交：") + "；".join(
            f"“{printable(text)[:PREVIEW_LENGTH]}”{message}" for message, text in bad.values())
        return render(request, "ui/error.html", {"status": 400, "title": _("请求有误"), "message": message}, status=400)

    @staticmethod
    def _bad_fields(request) -> dict[str, tuple[str, str]]:
        if CONTROL_CHARACTERS.search(request.path):
            return {"path": (control_character_error(request.path), request.path)}
        raw = request.path.startswith(RAW_BODY_PATHS) or (
            request.path.startswith("/api/") and request.content_type in RAW_BODY_TYPES)
        if raw and request.method in ("POST", "PUT", "PATCH") and (
                b"\x00" in request.body or b"\\u0000" in request.body):
            return {"body": (control_character_error("\x00"), "")}
        bad = {}
        for name, text in submitted_texts(request):
            if name not in bad and (message := control_character_error(text)):
                bad[name] = (message, text)
        return bad
