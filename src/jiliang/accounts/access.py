"""The one mechanism every app uses to decide what a caller may see and do.

Each model declares once, with ``@scoped_by(...)``, how its rows relate to a jurisdiction (a lookup
path to a Division), to an owner (a path to an Organization) and to an institution, and which roles
may perform which write. Then:

- ``scope(queryset, user)`` narrows any query to the rows the caller may read;
- ``require(user, action, obj)`` raises ``AccessDenied`` unless the caller may do ``action`` on
  ``obj`` (an unsaved instance for "create").

A county regulator reads and writes inside its county; an owner only its own organization's rows;
institution staff only their institution's; a plan department's reporter only its department's;
an auditor reads like a regulator and writes nothing.
A model may name roles that read all of its rows whatever their binding (``read_all``), e.g.
institution staff read the whole instrument registry because they verify for any owner.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied
from django.db import models
from django.utils.translation import gettext as _

from jiliang.accounts.models import DIVISION_BOUND_ROLES, AuditEvent, Division, Role, User

SELF = "pk"  # a path naming the row itself, e.g. an Organization's own owner binding


class AccessDenied(PermissionDenied):
    """The caller may not do this; the message says why in the user's language."""


@dataclass(frozen=True)
class ScopeRule:
    division: str | None = None
    organization: str | None = None
    institution: str | None = None
    department: str | None = None  # a path to the name of a plan department (Role.DEPARTMENT's binding)
    shared: bool = False  # reference data every signed-in user may read (catalogue, divisions)
    read_all: frozenset[str] = frozenset()  # roles that read every row, whatever their binding
    writers: dict[str, frozenset[str]] = field(default_factory=dict)


_RULES: dict[type[models.Model], ScopeRule] = {}


def scoped_by(
    *,
    division: str | None = None,
    organization: str | None = None,
    institution: str | None = None,
    department: str | None = None,
    shared: bool = False,
    read_all: Iterable[str] = (),
    writers: dict[str, Iterable[str]] | None = None,
):
    """Class decorator declaring a model's scope rule; see the module docstring."""

    def register(model: type[models.Model]) -> type[models.Model]:
        _RULES[model] = ScopeRule(
            division=division,
            organization=organization,
            institution=institution,
            department=department,
            shared=shared,
            read_all=frozenset(read_all),
            writers={action: frozenset(roles) for action, roles in (writers or {}).items()},
        )
        return model

    return register


def rule_for(model: type[models.Model]) -> ScopeRule:
    for klass in model.__mro__:
        if klass in _RULES:
            return _RULES[klass]
    raise ImproperlyConfigured(f"{model.__name__} has no scope rule: decorate it with @scoped_by.")


def jurisdiction_ids(user) -> list[int] | None:
    """Division ids the user's jurisdiction covers, or None when it covers every division."""
    return _jurisdiction(user)[0]


def _jurisdiction(user) -> tuple[list[int] | None, list[int]]:
    """The jurisdiction's division ids (None: every division) and the ids of the divisions outside it,
    read once per user object (a request), in one query: every division's path (a few hundred rows;
    a division's subtree is the divisions whose path begins with its own, as Division.subtree_ids)."""
    cached = getattr(user, "_jurisdiction", None)
    if cached is not None:
        return cached
    if user.division_id is None:
        jurisdiction: tuple[list[int] | None, list[int]] = ([], [])
    else:
        paths = list(Division.objects.values_list("id", "path"))
        root = next(path for pk, path in paths if pk == user.division_id)
        ids = [pk for pk, path in paths if path.startswith(root)]
        outside = [pk for pk, path in paths if not path.startswith(root)]
        jurisdiction = (ids if outside else None, outside)
    user._jurisdiction = jurisdiction
    return jurisdiction


def _in_jurisdiction(path: str, user) -> models.Q:
    """Rows whose division (at ``path``) lies in the user's jurisdiction. Said as "not in the few
    divisions outside it" when those are fewer (a city regulator's: the province alone), which reads
    the same rows: a list of 147 ids made each scoped query of a city officer 147 parameters, which
    Django prepares one by one and psycopg parses afresh on every execution (it caches the parsing
    of queries of at most 50 parameters): 42 % of the instructions of a city officer's search page."""
    ids, outside = _jurisdiction(user)
    if len(outside) < len(ids):
        return models.Q(**{f"{path}__isnull": False}) & ~models.Q(**{f"{path}__in": outside})
    return models.Q(**{f"{path}__in": ids})


def _is_active_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def scope(queryset: models.QuerySet, user) -> models.QuerySet:
    """The rows of ``queryset`` that ``user`` may read."""
    rule = rule_for(queryset.model)
    if not _is_active_user(user):
        return queryset.none()
    if user.is_superuser or rule.shared or user.role in rule.read_all:
        return queryset
    if user.role in DIVISION_BOUND_ROLES:
        if rule.division is None:
            return queryset if user.role == Role.CITY_REGULATOR else queryset.none()
        if jurisdiction_ids(user) is None:
            return queryset
        return queryset.filter(_in_jurisdiction(rule.division, user))
    if user.role == Role.OWNER and rule.organization and user.organization_id:
        return queryset.filter(**{rule.organization: user.organization_id})
    if user.role == Role.INSTITUTION_STAFF and rule.institution and user.institution_id:
        return queryset.filter(**{rule.institution: user.institution_id})
    if user.role == Role.DEPARTMENT and rule.department and user.department:
        return queryset.filter(**{rule.department: user.department})
    return queryset.none()


def _follow(obj, path: str):
    """Walk a Django lookup path ("site__division") on an instance, in Python.

    The last step reads the foreign key's id column, so an unsaved instance with no value set
    yields None instead of raising, and no extra query is made for it.
    """
    *steps, last = path.split("__")
    value = obj
    for name in steps:
        value = getattr(value, name, None)
        if value is None:
            return None
    try:
        field = value._meta.get_field(last)
    except FieldDoesNotExist:  # "pk", or a property
        return getattr(value, last)
    return getattr(value, field.attname) if field.is_relation else getattr(value, last)


def is_within_scope(user, obj: models.Model) -> bool:
    """Whether ``obj`` (saved or not) lies inside what ``user`` may read."""
    rule = rule_for(type(obj))
    if not _is_active_user(user):
        return False
    if user.is_superuser or rule.shared or user.role in rule.read_all:
        return True
    if user.role in DIVISION_BOUND_ROLES:
        if rule.division is None:
            return user.role == Role.CITY_REGULATOR
        ids = jurisdiction_ids(user)
        return ids is None or _follow(obj, rule.division) in ids
    if user.role == Role.OWNER and rule.organization and user.organization_id:
        return _follow(obj, rule.organization) == user.organization_id
    if user.role == Role.INSTITUTION_STAFF and rule.institution and user.institution_id:
        return _follow(obj, rule.institution) == user.institution_id
    if user.role == Role.DEPARTMENT and rule.department and user.department:
        return _follow(obj, rule.department) == user.department
    return False


def may(user, action: str, obj: models.Model) -> bool:
    """Whether ``user`` may perform ``action`` on ``obj``; for templates and buttons."""
    if not _is_active_user(user):
        return False
    if not user.is_superuser and user.role not in rule_for(type(obj)).writers.get(action, ()):
        return False
    return is_within_scope(user, obj)


def require(user, action: str, obj: models.Model) -> None:
    """Raise ``AccessDenied`` unless ``user`` may perform ``action`` on ``obj``."""
    if not _is_active_user(user):
        raise AccessDenied(_("请先登录。"))
    if not user.is_superuser and user.role not in rule_for(type(obj)).writers.get(action, ()):
        raise AccessDenied(
            _("您的角色(%(role)s)无权对%(model)s执行此操作。")
            % {"role": user.get_role_display() or "-", "model": type(obj)._meta.verbose_name}
        )
    if not is_within_scope(user, obj):
        raise AccessDenied(_("该对象不在您的管辖或所属范围内。"))


# The accounts app's own models; other apps decorate theirs where they define them.
scoped_by(shared=True)(Division)
scoped_by(
    division="division",
    organization="organization",
    institution="institution",
    writers={"create": (Role.CITY_REGULATOR,), "change": (Role.CITY_REGULATOR,)},
)(User)
scoped_by(division="division")(AuditEvent)
