"""Writing the audit log: every service that writes calls ``record`` inside its transaction."""

import datetime
import decimal
import functools
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models, transaction

from jiliang.accounts.models import AuditEvent, Division


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    request_id: str = ""


# Set by RequestContextMiddleware for the length of one request; empty for commands and jobs.
current_request: ContextVar[RequestContext] = ContextVar("current_request", default=RequestContext())


class AuditOutsideTransaction(RuntimeError):
    """An audit row must commit or roll back with the write it describes."""


def _json_value(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def snapshot(instance: models.Model | None, fields: list[str] | None = None) -> dict | None:
    """The stored values of ``instance`` as JSON, foreign keys as ids, personal data masked."""
    if instance is None:
        return None
    maskers = getattr(instance, "personal_fields", {})
    values = {}
    for model_field in instance._meta.concrete_fields:
        if fields is not None and model_field.name not in fields:
            continue
        if model_field.name in {"password"}:
            continue
        value = getattr(instance, model_field.attname)
        if model_field.name in maskers:
            value = maskers[model_field.name](value)
        values[model_field.attname if model_field.is_relation else model_field.name] = _json_value(value)
    return values


def snapshot_values(model: type[models.Model], row: dict) -> dict:
    """``snapshot`` of a row written without an instance (a bulk load's ``attname -> value``), its
    decimals at their column's scale as the database gives them back, so that the snapshot of the
    row read back later is the same. Converters are chosen once per model: bulk loads take
    snapshots of tens of thousands of rows."""
    return {key: row[attname] if convert is None else convert(row[attname])
            for key, attname, convert in _row_converters(model)}


_IDENTITY_TYPES = frozenset({"AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField",
                             "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
                             "PositiveBigIntegerField", "SmallIntegerField", "TextField", "SlugField"})


@functools.cache
def _row_converters(model: type[models.Model]) -> list[tuple[str, str, Callable | None]]:
    maskers = getattr(model, "personal_fields", {})
    converters = []
    for model_field in model._meta.concrete_fields:
        if model_field.name == "password":
            continue
        key = model_field.attname if model_field.is_relation else model_field.name
        if model_field.name in maskers:
            convert = functools.partial(_masked, maskers[model_field.name])
        elif model_field.get_internal_type() == "DecimalField" and model_field.decimal_places is not None:
            convert = functools.partial(_decimal_at_scale, decimal.Decimal(1).scaleb(-model_field.decimal_places))
        elif model_field.choices and model_field.get_internal_type() in ("CharField", "TextField"):
            convert = _choice_value  # a TextChoices member, as the plain string read back
        elif model_field.is_relation or model_field.get_internal_type() in _IDENTITY_TYPES:
            convert = None
        else:
            convert = _json_value
        converters.append((key, model_field.attname, convert))
    return converters


def _masked(masker, value):
    return _json_value(masker(value))


def _choice_value(value):
    return None if value is None else str(value)


def _decimal_at_scale(quantum: decimal.Decimal, value):
    return None if value is None else str(value.quantize(quantum))


def changed_fields(before: dict | None, after: dict | None) -> list[str]:
    keys = set(before or {}) | set(after or {})
    return sorted(k for k in keys if (before or {}).get(k) != (after or {}).get(k))


def _describe(instance: models.Model | None) -> str:
    """What the audit page names the object by: its own text, or its kind and number for a model
    without one (Django's default would read "Commitment object (1)" on a Chinese page)."""
    if instance is None:
        return ""
    if type(instance).__str__ is models.Model.__str__:
        return f"{instance._meta.verbose_name} #{instance.pk}"
    return str(instance)


def record(
    actor,
    action: str,
    instance: models.Model | None = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    division: Division | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Append one audit row; refuses to run outside a transaction so that it shares the write's fate."""
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction(f"audit.record({action!r}) called outside transaction.atomic()")
    context = current_request.get()
    actor_is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if actor_is_user else None,
        actor_name=(actor.get_username() if actor_is_user else str(actor or "system"))[:150],
        actor_role=getattr(actor, "role", "") if actor_is_user else "",
        action=action,
        object_type=object_type or (instance._meta.label if instance is not None else ""),
        object_id=object_id if object_id is not None else str(getattr(instance, "pk", "") or ""),
        object_repr=(object_repr if object_repr is not None else _describe(instance))[:255],
        before=before,
        after=after,
        division=division,
        ip_address=context.ip_address,
        request_id=context.request_id,
    )
