"""Use cases that write the registry; each in one transaction, each audited."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang import concurrency
from jiliang.accounts import audit
from jiliang.accounts.services import name_errors
from jiliang.accounts.access import is_within_scope, require
from jiliang.accounts.models import Division, DivisionLevel, Role
from jiliang.errors import Conflict, InvalidInput
from jiliang.ledger import selectors as ledger_selectors
from jiliang.ledger import services as ledger
from jiliang.registry import public_code, rules
from jiliang.registry.codes import check_uscc
from jiliang.registry.models import (
    Instrument,
    InstrumentStatus,
    InstrumentStatusChange,
    InstrumentType,
    Organization,
    OrganizationStatus,
    Purpose,
    Site,
    SiteKind,
    VerificationMode,
    county_id_of,
)

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
    errors.update(name_errors(name=organization.name))
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
def update_organization(actor, organization: Organization, *, version: str | None = None,
                        **changes) -> Organization:
    require(actor, "change", organization)
    organization = concurrency.lock_current(organization, version)
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


# ---------------------------------------------------------------------------------------------
# Sites

SITE_EDITABLE_FIELDS = ("name", "kind", "address", "division", "latitude", "longitude")
# An owner corrects how its premises are described; where they lie is the regulator's record.
OWNER_SITE_EDITABLE_FIELDS = ("name", "kind", "address", "latitude", "longitude")


def _refuse_fields(changes: dict, allowed: tuple[str, ...]) -> None:
    refused = sorted(set(changes) - set(allowed))
    if refused:
        raise InvalidInput(_("无权修改这些字段。"), {name: [_("无权修改")] for name in refused})


def _not_visible(actor, obj, field: str) -> dict[str, list[str]]:
    """An error for ``field`` when the actor may not see the row it points to."""
    if obj is not None and not is_within_scope(actor, obj):
        return {field: [_("所选对象不在您的管辖或所属范围内。")]}
    return {}


def _validate_site(site: Site) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    site.name = (site.name or "").strip()
    if not site.name:
        errors["name"] = [_("场所名称不能为空。")]
    if site.kind not in SiteKind.values:
        errors["kind"] = [_("未知场所类型：%(k)s") % {"k": site.kind}]
    if site.division_id is None or site.division.level == DivisionLevel.PROVINCE:
        errors["division"] = [_("请选择场所所在的县(区)或乡镇(街道)。")]
    if site.latitude is not None and not -90 <= site.latitude <= 90:
        errors["latitude"] = [_("纬度应在 -90 到 90 之间。")]
    if site.longitude is not None and not -180 <= site.longitude <= 180:
        errors["longitude"] = [_("经度应在 -180 到 180 之间。")]
    return errors


def _site_conflict(site: Site) -> Conflict | None:
    existing = (
        Site.objects.filter(organization_id=site.organization_id, name=site.name).exclude(pk=site.pk).first()
    )
    if existing is None:
        return None
    return Conflict(
        _("%(org)s 已有名为“%(name)s”的场所(编号 %(id)s)。")
        % {"org": site.organization, "name": site.name, "id": existing.pk},
        {"name": [_("已存在")]},
    )


@transaction.atomic
def create_site(actor, *, organization: Organization, name: str, division: Division, **fields) -> Site:
    site = Site(organization=organization, name=name, division=division, **fields)
    require(actor, "create", site)
    errors = _validate_site(site) | _not_visible(actor, organization, "organization")
    if errors:
        raise InvalidInput(_("场所信息有误。"), errors)
    conflict = _site_conflict(site)
    if conflict:
        raise conflict
    site.save()
    audit.record(actor, "site.create", site, after=audit.snapshot(site), division=site.division)
    return site


@transaction.atomic
def update_site(actor, site: Site, *, version: str | None = None, **changes) -> Site:
    require(actor, "change", site)
    site = concurrency.lock_current(site, version)
    _refuse_fields(changes, OWNER_SITE_EDITABLE_FIELDS if actor.role == Role.OWNER else SITE_EDITABLE_FIELDS)
    before = audit.snapshot(site)
    for name, value in changes.items():
        setattr(site, name, value)
    require(actor, "change", site)  # a county regulator cannot move it out of its county
    errors = _validate_site(site)
    if errors:
        raise InvalidInput(_("场所信息有误。"), errors)
    conflict = _site_conflict(site)
    if conflict:
        raise conflict
    site.save()
    moved = 0
    if before["division_id"] != site.division_id:
        # Instruments copy their site's division for scoping; keep the copies true.
        moved = Instrument.objects.filter(site=site).update(
            division=site.division_id, county=county_id_of(site.division_id))
    after = audit.snapshot(site) | ({"instruments_moved": moved} if moved else {})
    audit.record(actor, "site.update", site, before=before, after=after, division=site.division)
    return site


# ---------------------------------------------------------------------------------------------
# The instrument type catalogue (the city regulator's; every change audited)

INSTRUMENT_TYPE_EDITABLE_FIELDS = (
    "name_zh", "name_en", "category", "catalogue_status", "regulation", "verification_mode",
    "verification_interval_months", "period_note", "typical_scope", "mandatory", "source",
    "confidence", "notes",
)


def _validate_instrument_type(instrument_type: InstrumentType) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    instrument_type.code = (instrument_type.code or "").strip().upper()
    instrument_type.name_zh = (instrument_type.name_zh or "").strip()
    if not instrument_type.code:
        errors["code"] = [_("目录编号不能为空。")]
    if not instrument_type.name_zh:
        errors["name_zh"] = [_("名称不能为空。")]
    if instrument_type.verification_mode not in VerificationMode.values:
        errors["verification_mode"] = [_("未知检定方式：%(m)s") % {"m": instrument_type.verification_mode}]
    months = instrument_type.verification_interval_months
    if months is not None and not 1 <= months <= 600:
        errors["verification_interval_months"] = [_("周期应在 1 到 600 个月之间。")]
    return errors


@transaction.atomic
def create_instrument_type(actor, *, code: str, name_zh: str, **fields) -> InstrumentType:
    instrument_type = InstrumentType(code=code, name_zh=name_zh, **fields)
    require(actor, "create", instrument_type)
    errors = _validate_instrument_type(instrument_type)
    if errors:
        raise InvalidInput(_("器具种类信息有误。"), errors)
    existing = InstrumentType.objects.filter(code=instrument_type.code).first()
    if existing is not None:
        raise Conflict(_("目录编号 %(code)s 已用于“%(name)s”。") % {"code": existing.code, "name": existing.name_zh},
                       {"code": [_("已存在")]})
    instrument_type.save()
    audit.record(actor, "instrument_type.create", instrument_type, after=audit.snapshot(instrument_type))
    ledger.append("registry.instrument_type", audit.snapshot(instrument_type))  # tamper-evident catalogue
    return instrument_type


@transaction.atomic
def update_instrument_type(actor, instrument_type: InstrumentType, *, version: str | None = None,
                           **changes) -> InstrumentType:
    require(actor, "change", instrument_type)
    instrument_type = concurrency.lock_current(instrument_type, version)
    _refuse_fields(changes, INSTRUMENT_TYPE_EDITABLE_FIELDS)
    before = audit.snapshot(instrument_type)
    for name, value in changes.items():
        setattr(instrument_type, name, value)
    errors = _validate_instrument_type(instrument_type)
    if errors:
        raise InvalidInput(_("器具种类信息有误。"), errors)
    instrument_type.save()
    after = audit.snapshot(instrument_type)
    if before["mandatory"] != instrument_type.mandatory:
        # The instruments' mandatory flag follows the catalogue (rules.is_mandatory).
        after["instruments_reflagged"] = Instrument.objects.filter(
            type=instrument_type, purpose__in=rules.LEGAL_PURPOSES
        ).update(mandatory=instrument_type.mandatory)
    audit.record(actor, "instrument_type.update", instrument_type, before=before, after=after)
    ledger.append("registry.instrument_type", audit.snapshot(instrument_type))
    return instrument_type


@transaction.atomic
def log_catalogue(actor) -> int:
    """Put on the transparency log every catalogue entry that has never been there; returns how many.

    Migration 0003 loads the catalogue before any user or log key exists, so its rows reach the
    log only when they are first edited; until then a change made straight in the database would
    go unseen. This appends each such type as it stands (``ledger.append_many``, one batch) with
    one audit event. A type already on the log (integrated) is left alone, so running it again
    adds nothing once the sequencer has run."""
    missing = [t for t in InstrumentType.objects.order_by("code")
               if ledger_selectors.latest_index_of("registry.instrument_type", str(t.pk)) is None]
    if missing:
        ledger.append_many("registry.instrument_type", [audit.snapshot(t) for t in missing])
        audit.record(actor, "instrument_type.log_catalogue", object_type=InstrumentType._meta.label, object_id="",
                     object_repr=f"{len(missing)} × {InstrumentType._meta.verbose_name}",
                     after={"codes": [t.code for t in missing]})
    return len(missing)


# ---------------------------------------------------------------------------------------------
# Instruments

INSTRUMENT_EDITABLE_FIELDS = (
    "type", "serial_no", "manufacturer", "model", "pattern_approval_no", "accuracy_class",
    "measuring_range", "owner", "site", "purpose", "install_date",
)
# An owner keeps the description of its instruments current. What identifies an instrument (type,
# manufacturer, serial number), whose it is, and the purpose that makes it mandatory are changed
# by the county regulator on the owner's request (docs/registry.md).
OWNER_INSTRUMENT_EDITABLE_FIELDS = (
    "model", "pattern_approval_no", "accuracy_class", "measuring_range", "site", "install_date",
)
PUBLIC_CODE_ATTEMPTS = 5


def _duplicate_of(instrument: Instrument) -> Conflict | None:
    existing = (
        Instrument.objects.filter(
            type_id=instrument.type_id, manufacturer=instrument.manufacturer, serial_no=instrument.serial_no
        )
        .exclude(pk=instrument.pk)
        .only("public_code")
        .first()
    )
    if existing is None:
        return None
    return Conflict(
        _("该器具已登记：同一种类、制造单位和出厂编号的器具公开码为 %(code)s。") % {"code": existing.public_code},
        {"serial_no": [_("已登记为 %(code)s") % {"code": existing.public_code}]},
        code="duplicate_instrument",
    )


def _validate_instrument(actor, instrument: Instrument) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, label in (("type", _("器具种类")), ("owner", _("使用单位")), ("site", _("安装场所"))):
        if getattr(instrument, f"{name}_id") is None:
            errors[name] = [_("请选择%(label)s。") % {"label": label}]
    for name in ("serial_no", "manufacturer", "model", "pattern_approval_no", "accuracy_class", "measuring_range"):
        setattr(instrument, name, (getattr(instrument, name) or "").strip())
    if not instrument.serial_no:
        errors["serial_no"] = [_("出厂编号不能为空。")]
    if not instrument.manufacturer:
        errors["manufacturer"] = [_("制造单位不能为空。")]
    if instrument.purpose not in Purpose.values:
        errors["purpose"] = [_("未知用途：%(p)s") % {"p": instrument.purpose}]
    if instrument.status not in InstrumentStatus.values:
        errors["status"] = [_("未知状态：%(s)s") % {"s": instrument.status}]
    if instrument.install_date and instrument.install_date > timezone.localdate():
        errors["install_date"] = [_("安装日期不能晚于今天。")]
    errors |= _not_visible(actor, instrument.owner, "owner")
    errors |= _not_visible(actor, instrument.site, "site")
    return errors


OTHER_OPERATOR_CONFIRMATION = "other_operator_confirmed"


def _other_operator_errors(instrument: Instrument, confirmed: bool) -> dict[str, list[str]]:
    """An instrument at a site another organization operates is legitimate (a stall's scale in a
    market its organizer runs, leased equipment) but is more often a wrong pick from a long list:
    it is registered only when the caller confirms it explicitly (docs/registry.md)."""
    site, owner = instrument.site, instrument.owner
    if confirmed or site is None or owner is None or site.organization_id == owner.pk:
        return {}
    message = _("场所“%(site)s”由“%(operator)s”经营，不是使用单位“%(owner)s”的场所。") % {
        "site": site.name, "operator": site.organization.name, "owner": owner.name}
    return {"site": [message], OTHER_OPERATOR_CONFIRMATION: [
        _("如确属安装在其他单位经营的场所(如集贸市场摊位、租赁设备)，请勾选确认后再提交。")]}


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _save_new_instrument(instrument: Instrument) -> None:
    """Insert; a (vanishingly rare) public code collision draws another code."""
    for _attempt in range(PUBLIC_CODE_ATTEMPTS):
        if not Instrument.objects.filter(public_code=instrument.public_code).exists():
            break
        instrument.public_code = public_code.new_code()
    try:
        with transaction.atomic():
            instrument.save()
    except IntegrityError:
        # A concurrent registration of the same instrument won the race.
        conflict = _duplicate_of(instrument)
        if conflict is None:
            raise
        raise conflict from None


@transaction.atomic
def create_instrument(
    actor,
    *,
    type: InstrumentType,
    serial_no: str,
    manufacturer: str,
    owner: Organization,
    site: Site,
    status: str = InstrumentStatus.IN_USE,
    status_since: datetime.date | None = None,
    other_operator_confirmed: bool = False,
    **fields,
) -> Instrument:
    instrument = Instrument(type=type, serial_no=serial_no, manufacturer=manufacturer, owner=owner, site=site,
                            status=status, **fields)
    instrument.fill_derived()
    require(actor, "create", instrument)
    errors = _validate_instrument(actor, instrument) or _other_operator_errors(instrument, other_operator_confirmed)
    if errors:
        raise InvalidInput(_("计量器具信息有误。"), errors)
    conflict = _duplicate_of(instrument)
    if conflict:
        raise conflict
    instrument.status_since = status_since or instrument.install_date or timezone.localdate()
    _save_new_instrument(instrument)
    InstrumentStatusChange.objects.create(
        instrument=instrument, from_status="", to_status=instrument.status,
        effective_on=instrument.status_since, reason=_("登记"), changed_by=_user_or_none(actor),
    )
    audit.record(actor, "instrument.create", instrument, after=_confirmed_snapshot(instrument),
                 division=instrument.division)
    return instrument


def _confirmed_snapshot(instrument: Instrument) -> dict:
    """The audit snapshot, saying when the registration at another organization's site was confirmed."""
    after = audit.snapshot(instrument)
    if instrument.site.organization_id != instrument.owner_id:
        after[OTHER_OPERATOR_CONFIRMATION] = True
    return after


@transaction.atomic
def update_instrument(actor, instrument: Instrument, *, other_operator_confirmed: bool = False,
                      version: str | None = None, **changes) -> Instrument:
    require(actor, "change", instrument)
    instrument = concurrency.lock_current(instrument, version)
    _refuse_fields(
        changes, OWNER_INSTRUMENT_EDITABLE_FIELDS if actor.role == Role.OWNER else INSTRUMENT_EDITABLE_FIELDS
    )
    before = _confirmed_snapshot(instrument)
    for name, value in changes.items():
        setattr(instrument, name, value)
    instrument.fill_derived()
    require(actor, "change", instrument)  # not out of the actor's county or organization
    errors = _validate_instrument(actor, instrument)
    if not errors and {"owner", "site"} & set(changes):  # an instrument registered so earlier stays editable
        errors = _other_operator_errors(instrument, other_operator_confirmed)
    if errors:
        raise InvalidInput(_("计量器具信息有误。"), errors)
    conflict = _duplicate_of(instrument)
    if conflict:
        raise conflict
    instrument.save()
    audit.record(actor, "instrument.update", instrument, before=before, after=_confirmed_snapshot(instrument),
                 division=instrument.division)
    return instrument


@transaction.atomic
def change_instrument_status(
    actor, instrument: Instrument, *, status: str, effective_on: datetime.date | None = None, reason: str = ""
) -> InstrumentStatusChange:
    require(actor, "change_status", instrument)
    effective_on = effective_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if status not in InstrumentStatus.values:
        errors["status"] = [_("未知状态：%(s)s") % {"s": status}]
    elif not rules.may_change_status(instrument.status, status):
        errors["status"] = [
            _("不能从“%(from)s”改为“%(to)s”。")
            % {"from": instrument.get_status_display(), "to": InstrumentStatus(status).label}
        ]
    if effective_on > timezone.localdate():
        errors["effective_on"] = [_("生效日期不能晚于今天。")]
    elif instrument.status_since and effective_on < instrument.status_since:
        errors["effective_on"] = [
            _("生效日期不能早于当前状态的日期 %(d)s。") % {"d": instrument.status_since.isoformat()}
        ]
    if errors:
        raise InvalidInput(_("状态变更有误。"), errors)
    before = audit.snapshot(instrument, ["status", "status_since"])
    change = InstrumentStatusChange.objects.create(
        instrument=instrument, from_status=instrument.status, to_status=status, effective_on=effective_on,
        reason=(reason or "").strip()[:255], changed_by=_user_or_none(actor),
    )
    instrument.status, instrument.status_since = status, effective_on
    instrument.save(update_fields=["status", "status_since", "updated_at"])
    audit.record(actor, "instrument.status", instrument, before=before,
                 after=audit.snapshot(instrument, ["status", "status_since"]) | {"reason": change.reason},
                 division=instrument.division)
    return change
