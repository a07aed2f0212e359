"""Use cases that write the registry; each in one transaction, each audited."""

from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts.access import require
from jiliang.accounts.models import Division
from jiliang.errors import Conflict, InvalidInput
from jiliang.registry.codes import check_uscc
from jiliang.registry.models import Organization, OrganizationStatus

ORGANIZATION_EDITABLE_FIELDS = (
    "name", "legal_representative", "contact_name", "contact_phone", "division", "address",
    "industry", "status",
)
# What an owner may correct about its own organization; the rest is the regulator's record.
OWNER_EDITABLE_FIELDS = ("contact_name", "contact_phone", "address")


def _validate_organization(organization: Organization) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    check = check_uscc(organization.uscc)
    if not check.is_valid:
        errors["uscc"] = [check.error]
    organization.uscc = check.code
    if not organization.name.strip():
        errors["name"] = [_("单位名称不能为空。")]
    if organization.status not in OrganizationStatus.values:
        errors["status"] = [_("未知状态：%(s)s") % {"s": organization.status}]
    return errors


@transaction.atomic
def create_organization(actor, *, uscc: str, name: str, division: Division, **fields) -> Organization:
    organization = Organization(uscc=uscc, name=name, division=division, **fields)
    require(actor, "create", organization)
    errors = _validate_organization(organization)
    if errors:
        raise InvalidInput(_("使用单位信息有误。"), errors)
    existing = Organization.objects.filter(uscc=organization.uscc).first()
    if existing is not None:
        raise Conflict(
            _("统一社会信用代码 %(code)s 已登记为“%(name)s”(编号 %(id)s)。")
            % {"code": organization.uscc, "name": existing.name, "id": existing.pk},
            {"uscc": [_("已存在")]},
        )
    organization.save()
    audit.record(actor, "organization.create", organization,
                 after=audit.snapshot(organization), division=organization.division)
    return organization


@transaction.atomic
def update_organization(actor, organization: Organization, **changes) -> Organization:
    require(actor, "change", organization)
    allowed = OWNER_EDITABLE_FIELDS if actor.role == "owner" else ORGANIZATION_EDITABLE_FIELDS
    refused = sorted(set(changes) - set(allowed))
    if refused:
        raise InvalidInput(_("无权修改这些字段。"), {name: [_("无权修改")] for name in refused})
    before = audit.snapshot(organization)
    for name, value in changes.items():
        setattr(organization, name, value)
    require(actor, "change", organization)  # a regulator cannot move it out of its jurisdiction
    errors = _validate_organization(organization)
    if errors:
        raise InvalidInput(_("使用单位信息有误。"), errors)
    organization.save()
    audit.record(actor, "organization.update", organization, before=before,
                 after=audit.snapshot(organization), division=organization.division)
    return organization
