"""The API's error contract where django-ninja's handlers do not reach, in one place:

- ``ErrorBodies``: a middleware that gives the ``{code, message, fields}`` body (in Chinese) to
  every /api/ error answered outside the API's handlers: an unknown path (404), a method the path
  does not take (405), a body over the upload limit (413, refused before any handler reads it);
- ``ObjectBodyParser``: a JSON body must be an object; ninja's schemas read attributes off any
  value, so a list or a number would otherwise pass as a schema with all its defaults;
- ``declare_errors``: every operation's OpenAPI lists the error answers it can give, with the
  error schema, so the description matches what clients get;
- ``check_json_shapes``: a JSON body has the JSON types its schema declares and a date in a body
  or a query is written out (``json_shapes``), before pydantic's lax mode would coerce ``0`` into
  ``false`` or 1970-01-01.
"""

import functools
import json

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import ValidationError
from ninja.params.models import BodyModel, QueryModel, _MultiPartBodyModel
from ninja.parser import Parser

from jiliang import json_shapes

ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "required": ["code", "message", "fields"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
}

# The error answers every operation may give: a bad body or query, no or a bad token, a role or
# scope refusal, a missing record, a conflict or stale version, a body too large, an invalid field,
# a crash, a service that cannot answer now (a log that fails its check, an ingest queue full).
DECLARED_ERRORS = {
    "400": "请求无法解析", "401": "未登录或令牌无效", "403": "无权执行此操作", "404": "未找到",
    "409": "冲突或版本已过期", "413": "请求体过大", "422": "字段有误", "500": "服务器内部错误",
    "503": "暂时无法提供服务",
}


def declare_errors(schema: dict) -> dict:
    """Add the error answers, with the shared error schema, to every operation of an OpenAPI dict."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in DECLARED_ERRORS.items():
                responses.setdefault(status, {"description": description, "content": reference})
    return schema


@functools.cache
def _schema_of(model) -> dict:
    return model.model_json_schema()


def _repeated(model, request) -> list:
    """A query parameter of one value given several times (Django would take the last silently)."""
    lists = set(getattr(model, "__ninja_collection_fields__", ()))
    return [((name,), "只能给出一个值") for name in request.GET if name not in lists and len(request.GET.getlist(name)) > 1]


def _refuse_shape_problems(model, data: dict, request) -> None:
    if issubclass(model, _MultiPartBodyModel):  # form fields arrive as text; pydantic reads them
        return
    schema = _schema_of(model)
    texts = issubclass(model, QueryModel)
    found = json_shapes.problems(data, schema, schema.get("$defs", {}), texts=texts)
    found += _repeated(model, request) if texts else []
    if found:
        wrappers = {name for name, sub in schema.get("properties", {}).items() if "$ref" in sub or "properties" in sub}
        where = "query" if texts else "body"
        raise ValidationError([
            {"loc": (where, *(path[1:] if len(path) > 1 and path[0] in wrappers else path)), "msg": message}
            for path, message in found
        ])


def _resolve_checked(cls, request, api, path_params):
    """django-ninja's ``ParamModel.resolve``, with the shape check before pydantic validates."""
    data = cls.get_request_data(request, api, path_params)
    if data is None:
        return cls()
    data = cls._map_data_paths(data)
    _refuse_shape_problems(cls, data, request)
    return cls.model_validate(data, context={"request": request})


def check_json_shapes() -> None:
    """Check the shape of every JSON body and query before it is validated. django-ninja has no hook
    for it, so the two models' ``resolve`` are replaced by the same steps plus the check."""
    BodyModel.resolve = classmethod(_resolve_checked)
    QueryModel.resolve = classmethod(_resolve_checked)


class NotAnObject(ValueError):
    pass


class ObjectBodyParser(Parser):
    def parse_body(self, request):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise NotAnObject("the body must be a JSON object")
        return data


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status)


def _too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is not None and length > limit


class ErrorBodies:
    """Outermost middleware: an /api/ error answered by Django rather than the API (an HTML page, a
    plain-text 405) becomes the error body; its other headers (X-Request-ID, Allow) are kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (not request.path.startswith("/api/") or response.status_code < 400
                or response.get("Content-Type", "").startswith("application/json")):
            return response
        replacement = self._body_for(request, response.status_code)
        for header, value in response.items():
            if header.lower() not in {"content-type", "content-length"}:
                replacement[header] = value
        return replacement

    @staticmethod
    def _body_for(request, status: int) -> JsonResponse:
        if status == 400 and _too_large(request):
            return _error(413, "too_large", _("请求体过大(上限 %(mb)s MB)。")
                          % {"mb": round(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20, 1)})
        if status == 404:
            return _error(404, "not_found", _("接口地址不存在。"))
        if status == 405:
            return _error(405, "method_not_allowed", _("该接口地址不支持 %(method)s 方法。") % {"method": request.method})
        if status >= 500:
            return _error(status, "internal_error", _("服务器内部错误，已记录。"))
        return _error(status, "bad_request", _("请求无法处理。"))
