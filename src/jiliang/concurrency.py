"""Optimistic concurrency for every edit: a PATCH with ``If-Match`` and an edit form with its
hidden ``version`` are refused (409, nothing written) when the record changed since it was read,
naming the fields that changed. The write itself re-reads the row under a lock, so two edits of
different fields never overwrite each other even without a token. See docs/api.md."""

from django import forms
from django.db import models
from django.utils.translation import gettext as _

from jiliang import versions
from jiliang.errors import Conflict


class Stale(Conflict):
    """The record changed since the caller read it."""

    code = "stale"


def _values(instance: models.Model) -> dict[str, str]:
    """The stored values a user can change (``editable=False`` ones, like ``updated_at``, follow them)."""
    return {f.name: str(getattr(instance, f.attname)) for f in instance._meta.concrete_fields if f.editable}


def version_of(instance: models.Model) -> str:
    """The record's version token, as stored."""
    return versions.token(_values(instance))


def _shown(instance: models.Model, name: str) -> str:
    value = getattr(instance, name)
    if value is None or value == "":
        return _("(空)")
    field = instance._meta.get_field(name)
    if field.choices:
        return str(getattr(instance, f"get_{name}_display")())
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def lock_current(instance: models.Model, seen: str | None = None) -> models.Model:
    """The row as stored now, locked until the caller's transaction ends; raises ``Stale`` when the
    caller saw another version (``seen``, its token; None: the caller gave none, the write applies
    to the current row)."""
    current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    refuse_if_stale(current, seen)
    return current


def refuse_if_stale(current: models.Model, seen: str | None) -> None:
    """Raises ``Stale`` naming the fields of ``current`` (a row, or an unsaved one standing for values
    kept elsewhere) that differ from the version ``seen``; nothing for no token (None or a form's empty one)."""
    if not seen:
        return
    changed = versions.changed_fields(_values(current), seen)
    if changed == []:
        return
    if changed is None:
        raise Stale(_("版本标记无效或已过期，请刷新后重新修改。"), {"version": [_("请刷新后重新修改")]})
    labels = "、".join(str(current._meta.get_field(name).verbose_name) for name in changed)
    raise Stale(
        _("保存失败：您打开此记录后，他人已修改了：%(fields)s。本次修改未保存，请刷新后重新修改。") % {"fields": labels},
        {name: [_("已被他人改为：%(value)s") % {"value": _shown(current, name)}] for name in changed},
    )


def if_match(request) -> str | None:
    """The token of an ``If-Match`` header (quotes and a weak ``W/`` prefix dropped); None for none or ``*``."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    return header.removeprefix("W/").strip('"')


def etag(instance: models.Model) -> str:
    return f'"{version_of(instance)}"'


class VersionedForm(forms.Form):
    """A mixin for edit forms: a hidden ``version`` carrying the token of the record as read.
    Its ``version`` (cleaned) goes to the service, which refuses a stale one."""

    version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=512)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk is not None:
            self.fields["version"].initial = version_of(instance)
        else:
            del self.fields["version"]



def edits(form) -> dict:
    """The fields the user changed on an edit form, plus ``version``: the token of the record the
    form was filled from (the hidden field's posted value), for the update service."""
    changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "version"}
    return changes | {"version": form.cleaned_data.get("version") or None}


def tagged(response, instance: models.Model) -> models.Model:
    """``instance``, with its version as the ``ETag`` of the API ``response`` (GET and PATCH answers)."""
    response["ETag"] = etag(instance)
    return instance
