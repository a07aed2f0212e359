"""The three import kinds: organizations (使用单位), sites (经营场所) and instruments (计量器具).

Each names its template columns, how each cell is read, what identifies a row (the natural key:
the USCC; the organization and site name; the type, manufacturer and serial number, or the public
code), and the rules the registry's services apply to a single write, applied here to a batch.
References are accepted as a list export shows them: a division by code or name, an organization
by USCC or exact name, an instrument type by catalogue code, name or "name (code)", a choice by
its value or its Chinese or English label.
"""

import secrets
from collections import defaultdict
from decimal import Decimal
from functools import cache, partial

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiliang.accounts.access import is_within_scope
from jiliang.accounts.masking import mask_phone
from jiliang.accounts.models import Division, DivisionLevel
from jiliang.registry import public_code, rules
from jiliang.registry.codes import check_uscc
from jiliang.registry.importing import bulk
from jiliang.registry.importing.columns import CellError, Column, parse_choice, parse_date, parse_decimal, parse_text
from jiliang.registry.importing.engine import ImportKind, Row
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
    county_id_of,
    flags,
    located,
)
from jiliang.registry.services import OWNER_INSTRUMENT_EDITABLE_FIELDS, OWNER_SITE_EDITABLE_FIELDS


def text(max_length: int, required: bool = False):
    return partial(parse_text, max_length=max_length, required=required)


@cache
def labelled(choices_class) -> tuple[tuple[str, str], ...]:
    """Each value with its Chinese and English labels: an export in either language re-imports."""
    options = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            options += [(value, str(label)) for value, label in choices_class.choices]
    return tuple(options)


@cache
def choice_values(choices_class) -> dict[str, str]:
    """Each value, and each of its labels, to the value."""
    found = {}
    for value, label in labelled(choices_class):
        found.setdefault(value, value)
        found.setdefault(label, value)
    return found


def choice(choices_class, default):
    def read(value: str) -> str:
        found = choice_values(choices_class).get(value)  # the common case in one look-up
        return found if found is not None else parse_choice(value, labelled(choices_class), default)

    return read


def reference(value: str) -> str:
    """A cell naming another record, resolved per batch by the kind."""
    if not value:
        raise CellError(_("不能为空"))
    return value


def uscc(value: str) -> str:
    check = check_uscc(value)
    if not check.is_valid:
        raise CellError(check.error)
    return check.code


def code_of(value: str) -> str:
    if not value:
        return ""
    code = public_code.normalize(value)
    if not public_code.is_valid(code):
        raise CellError(_("公开码“%(v)s”格式或校验位有误") % {"v": value})
    return code


def new_public_code() -> str:
    return public_code.from_number(secrets.randbits(public_code.BITS))


def looks_like_uscc(value: str) -> bool:
    return len(value) == 18 and value.isalnum() and value.isascii()


class DivisionLookup:
    """Every division in memory (a city has a few hundred), found by code or by name."""

    def __init__(self):
        self.by_code = {}
        names = defaultdict(list)
        for division in Division.objects.all():
            self.by_code[division.code] = division
            names[division.name].append(division)
        self.by_name = dict(names)

    def candidates(self, value: str) -> list[Division]:
        if value in self.by_code:
            return [self.by_code[value]]
        return self.by_name.get(value, [])


def resolve_divisions(kind: ImportKind, ctx: dict, rows: list[Row], key: str) -> None:
    """A division by code or name; a name two divisions share (two townships called 兴隆镇) stays
    a tuple of candidates until ``settle_division`` sees the stored row."""
    lookup: DivisionLookup = ctx["divisions"]
    for row in rows:
        if key not in row.values:
            continue
        value = row.values.pop(key)
        found = [d for d in lookup.candidates(value) if d.level != DivisionLevel.PROVINCE]
        if not found:
            row.errors.append((kind.header[key], _(
                "未知的行政区划“%(v)s”(应为县(区)、功能区或乡镇(街道)的区划代码或名称，如 511902 或 巴州区)")
                % {"v": value}))
        else:
            row.values[key] = found[0] if len(found) == 1 else tuple(found)


def settle_division(kind: ImportKind, row: Row, key: str) -> None:
    """An ambiguous division name is the stored division when that has the name (an export
    re-imported); otherwise the row must give the code."""
    value = row.values.get(key)
    if not isinstance(value, tuple):
        return
    current = getattr(row.existing, f"{key}_id", None)
    same = [d for d in value if d.pk == current]
    if same:
        row.values[key] = same[0]
    else:
        del row.values[key]
        row.errors.append((kind.header[key], _("区划名称“%(v)s”不唯一，请填写区划代码(%(codes)s)") % {
            "v": value[0].name, "codes": "、".join(d.code for d in value)}))


class Recent(dict):
    """References resolved earlier in the same import, forgotten all at once at ``LIMIT`` entries:
    memory stays bounded, and a file that names the same few thousand owners and sites over a
    million rows looks each one up once instead of once per batch."""

    LIMIT = 20_000

    def remember(self, key, value) -> None:
        if len(self) >= self.LIMIT:
            self.clear()
        self[key] = value


def resolve_organizations(kind: ImportKind, ctx: dict, rows: list[Row], key: str) -> None:
    """Organizations by USCC or exact name; a name shared by several must be given as a USCC."""
    known: Recent = ctx.setdefault("organizations", Recent())
    values = {row.values[key] for row in rows if key in row.values}
    resolved = {v: known[v] for v in values if v in known}
    missing = values - resolved.keys()
    checks = {v: check_uscc(v) for v in missing if looks_like_uscc(v)}
    by_code = Organization.objects.in_bulk({c.code for c in checks.values()}, field_name="uscc")
    by_name = defaultdict(list)
    for organization in Organization.objects.filter(name__in=missing - checks.keys()):
        by_name[organization.name].append(organization)
    for value in missing:
        resolved[value] = _organization_outcome(ctx["user"], value, checks.get(value), by_code, by_name)
        known.remember(value, resolved[value])
    for row in rows:
        if key in row.values:
            organization, problem = resolved[row.values.pop(key)]
            if problem:
                row.errors.append((kind.header[key], problem))
            else:
                row.values[key] = organization


def _organization_outcome(user, value: str, check, by_code: dict, by_name: dict) -> tuple:
    """(organization, None) or (None, what is wrong) for one reference."""
    if check is not None:
        organization = by_code.get(check.code)
        if organization is None:
            return None, check.error or _("统一社会信用代码 %(v)s 未登记，请先导入使用单位") % {"v": check.code}
    else:
        found = by_name.get(value, [])
        candidates = [o for o in found if is_within_scope(user, o)] or found
        if not candidates:
            return None, _("未找到名为“%(v)s”的使用单位，请先导入使用单位或填写统一社会信用代码") % {"v": value}
        if len(candidates) > 1:
            return None, _("单位名称“%(v)s”对应多个单位，请填写统一社会信用代码") % {"v": value}
        organization = candidates[0]
    if not is_within_scope(user, organization):
        return None, _("使用单位“%(name)s”(%(code)s)不在您的管辖或所属范围内") % {
            "name": organization.name, "code": organization.uscc}
    return organization, None


class OrganizationImport(ImportKind):
    name = "organizations"
    title = "使用单位"
    model = Organization
    scope_column = "division"
    scope_columns = ("division_id",)
    columns = [
        Column("统一社会信用代码", "uscc", True, "18 位，末位为校验码(GB 32100)", "91511902MA0000019X"),
        Column("单位名称", "name", True, "营业执照上的名称", "巴中市巴州区江北加油站有限公司"),
        Column("所属区划", "division", True, "县(区)、功能区或乡镇(街道)的区划代码或名称", "511902 或 巴州区"),
        Column("法定代表人", "legal_representative", False, "", "张三"),
        Column("联系人", "contact_name", False, "", "李四"),
        Column("联系电话", "contact_phone", False, "手机或座机；导出文件中的脱敏号码(138****5678)表示保持原号码不变",
               "13800000001"),
        Column("住所", "address", False, "", "巴中市巴州区江北大道 1 号"),
        Column("行业", "industry", False, "", "成品油零售"),
        Column("状态", "status", False, "存续、停业或注销；空白为存续", "存续"),
    ]
    parsers = {
        "uscc": uscc,
        "name": text(128, required=True),
        "division": reference,
        "legal_representative": text(64),
        "contact_name": text(64),
        "contact_phone": text(20),
        "address": text(255),
        "industry": text(64),
        "status": choice(OrganizationStatus, OrganizationStatus.ACTIVE),
    }

    def context(self, user) -> dict:
        return {"user": user, "divisions": DivisionLookup()}

    def resolve(self, ctx, rows):
        resolve_divisions(self, ctx, rows, "division")

    def natural_keys(self, row):
        return [(row.values["uscc"], "uscc")] if "uscc" in row.values else []

    def find_existing(self, ctx, rows):
        found = Organization.objects.in_bulk([row.values["uscc"] for row in rows], field_name="uscc")
        for row in rows:
            row.existing = found.get(row.values["uscc"])

    def check_row(self, ctx, row):
        settle_division(self, row, "division")
        phone = row.values.get("contact_phone", "")
        if "*" in phone:
            # A list export masks phone numbers; the masked form of the stored number keeps it.
            if row.existing is not None and mask_phone(row.existing.contact_phone) == phone:
                del row.values["contact_phone"]
            else:
                row.errors.append((self.header["contact_phone"], _("联系电话为脱敏号码，请填写完整号码")))


class SiteImport(ImportKind):
    name = "sites"
    title = "经营场所"
    model = Site
    scope_column = "division"
    scope_columns = ("division_id", "organization_id")
    owner_editable = OWNER_SITE_EDITABLE_FIELDS
    columns = [
        Column("经营单位统一社会信用代码", "organization", True,
               "经营该场所的使用单位的统一社会信用代码(也可填写唯一的单位名称)；该单位须已登记",
               "91511902MA0000019X", aliases=("经营单位",)),
        Column("场所名称", "name", True, "同一单位的场所名称不重复", "江北加油站"),
        Column("场所类型", "kind", False, "、".join(str(label) for _, label in SiteKind.choices) + "；空白为其他",
               "加油(气)站"),
        Column("地址", "address", False, "", "巴中市巴州区江北大道 1 号"),
        Column("所在区划", "division", True, "县(区)、功能区或乡镇(街道)的区划代码或名称", "511902001 或 东城街道"),
        Column("纬度", "latitude", False, "WGS-84，-90 到 90，最多 6 位小数", "31.858"),
        Column("经度", "longitude", False, "WGS-84，-180 到 180，最多 6 位小数", "106.747"),
    ]
    parsers = {
        "organization": reference,
        "name": text(128, required=True),
        "kind": choice(SiteKind, SiteKind.OTHER),
        "address": text(255),
        "division": reference,
        "latitude": partial(parse_decimal, low=Decimal(-90), high=Decimal(90), places=6),
        "longitude": partial(parse_decimal, low=Decimal(-180), high=Decimal(180), places=6),
    }

    def context(self, user) -> dict:
        return {"user": user, "divisions": DivisionLookup()}

    def resolve(self, ctx, rows):
        resolve_divisions(self, ctx, rows, "division")
        resolve_organizations(self, ctx, rows, "organization")

    def natural_keys(self, row):
        if "organization" not in row.values or "name" not in row.values:
            return []
        organization = row.values["organization"]
        return [(f"{organization.uscc}/{row.values['name']}", "name")]

    def find_existing(self, ctx, rows):
        wanted = {(row.values["organization"].pk, row.values["name"]) for row in rows}
        found = {
            (site.organization_id, site.name): site
            for site in Site.objects.filter(organization_id__in={o for o, _ in wanted}, name__in={n for _, n in wanted})
        }
        for row in rows:
            row.existing = found.get((row.values["organization"].pk, row.values["name"]))

    def check_row(self, ctx, row):
        settle_division(self, row, "division")

    def after_write(self, ctx, created, updated):
        """Instruments copy their site's division for scoping; keep the copies true."""
        moved = defaultdict(list)
        for site, before in updated:
            if site.division_id != before.division_id:
                moved[site.division_id].append(site.pk)
        for division_id, site_ids in moved.items():
            Instrument.objects.filter(site_id__in=site_ids).update(
                division_id=division_id, county_id=county_id_of(division_id))


class InstrumentImport(ImportKind):
    name = "instruments"
    title = "计量器具"
    model = Instrument
    scope_column = "site"
    scope_columns = ("division_id", "owner_id")
    owner_editable = OWNER_INSTRUMENT_EDITABLE_FIELDS
    columns = [
        Column("公开码", "public_code", False, "平台生成的器具公开码；修改已登记器具时可填写，新器具留空",
               "ABCDE12345X"),
        Column("器具种类", "type", True, "强检目录中的编号或名称", "MI06 或 燃油加油机"),
        Column("出厂编号", "serial_no", True, "同一种类、制造单位的出厂编号不重复", "JY2024-00017"),
        Column("制造单位", "manufacturer", True, "", "正星科技股份有限公司"),
        Column("型号规格", "model", False, "", "CS46"),
        Column("型式批准编号", "pattern_approval_no", False, "", "2019F232-41"),
        Column("准确度等级", "accuracy_class", False, "", "0.3 级"),
        Column("测量范围", "measuring_range", False, "", "(5~50) L/min"),
        Column("使用单位统一社会信用代码", "owner", True,
               "使用单位的统一社会信用代码(也可填写唯一的单位名称)；该单位须已登记", "91511902MA0000019X",
               aliases=("使用单位",)),
        Column("安装场所", "site", True, "使用单位名下已登记的场所名称", "江北加油站"),
        Column("用途", "purpose", False, "、".join(str(label) for _, label in Purpose.choices) + "；空白为贸易结算",
               "贸易结算"),
        Column("状态", "status", False, "在用、停用或报废；空白为在用", "在用"),
        Column("状态日期", "status_since", False, "YYYY-MM-DD；空白时新器具取安装日期或今天", "2024-03-05"),
        Column("安装日期", "install_date", False, "YYYY-MM-DD，不晚于今天", "2024-03-05"),
    ]
    parsers = {
        "public_code": code_of,
        "type": reference,
        "serial_no": text(64, required=True),
        "manufacturer": text(128, required=True),
        "model": text(64),
        "pattern_approval_no": text(64),
        "accuracy_class": text(32),
        "measuring_range": text(64),
        "owner": reference,
        "site": reference,
        "purpose": choice(Purpose, Purpose.TRADE_SETTLEMENT),
        "status": choice(InstrumentStatus, InstrumentStatus.IN_USE),
        "status_since": parse_date,
        "install_date": parse_date,
    }

    def context(self, user) -> dict:
        types = list(InstrumentType.objects.all())
        lookup = {}
        for instrument_type in types:
            for name in (instrument_type.name_zh, str(instrument_type), instrument_type.code):
                # A name two catalogue entries share finds neither: the code must be given.
                lookup[name] = None if lookup.get(name, instrument_type) != instrument_type else instrument_type
        return {"user": user, "types": lookup, "types_by_id": {t.pk: t for t in types}, "sites": {},
                "today": timezone.localdate()}

    def missing_columns(self, match):
        """A file that names instruments by public code may carry only the columns it changes."""
        return [] if "public_code" in match.positions else match.missing

    def resolve(self, ctx, rows):
        # Every row of a file has the same columns.
        absent = [c.header for c in self.columns if c.required and c.key not in rows[0].cells] if rows else []
        for row in rows:
            if not row.values.get("public_code"):
                row.values.pop("public_code", None)  # a new instrument: the platform draws its code
                if absent:
                    row.errors.append((self.header["public_code"], _(
                        "未填写公开码的行登记新器具，文件须有这些列：%(columns)s") % {"columns": "、".join(absent)}))
            if "type" in row.values:
                value = row.values.pop("type")
                found = ctx["types"].get(value) or ctx["types"].get(value.upper())
                if found is None and value in ctx["types"]:
                    row.errors.append((self.header["type"], _(
                        "强检目录中有多个名为“%(v)s”的种类，请填写目录编号") % {"v": value}))
                elif found is None:
                    row.errors.append((self.header["type"], _(
                        "强检目录中没有“%(v)s”(应为目录编号或名称，如 MI06 或 燃油加油机)") % {"v": value}))
                else:
                    row.values["type"] = found
        resolve_organizations(self, ctx, rows, "owner")
        self._resolve_sites(ctx, rows)

    def _resolve_sites(self, ctx, rows):
        """A site by name among the owner's sites (see Recent for the cache)."""
        known: Recent = ctx.setdefault("known_sites", Recent())
        wanted = {(row.values["owner"].pk, row.values["site"]) for row in rows
                  if "site" in row.values and "owner" in row.values}
        resolved = {k: known[k] for k in wanted if k in known}
        missing = wanted - resolved.keys()
        found = {}
        if missing:
            found = {(site.organization_id, site.name): site for site in Site.objects.filter(
                organization_id__in={o for o, _ in missing}, name__in={n for _, n in missing})}
        for site_key in missing:
            site = found.get(site_key)
            resolved[site_key] = site, site is not None and is_within_scope(ctx["user"], site)
            known.remember(site_key, resolved[site_key])
        ctx["sites"] = {site.pk: site for site, _ in resolved.values() if site is not None}
        for row in rows:
            value = row.values.pop("site", None)
            if value is None or "owner" not in row.values:
                continue  # the owner's own error says what to fix first
            site, visible = resolved[(row.values["owner"].pk, value)]
            if site is None:
                row.errors.append((self.header["site"], _("使用单位“%(org)s”名下没有名为“%(v)s”的场所，请先导入经营场所")
                                   % {"org": row.values["owner"].name, "v": value}))
            elif not visible:
                row.errors.append((self.header["site"], _("场所“%(v)s”不在您的管辖或所属范围内") % {"v": value}))
            else:
                row.values["site"] = site

    def natural_keys(self, row):
        keys = []
        if all(k in row.values for k in ("type", "manufacturer", "serial_no")):
            keys.append((f"{row.values['type'].code}/{row.values['manufacturer']}/{row.values['serial_no']}",
                         "serial_no"))
        if row.values.get("public_code"):
            keys.append((f"#{row.values['public_code']}", "public_code"))
        return keys

    def find_existing(self, ctx, rows):
        codes = {row.values["public_code"] for row in rows if row.values.get("public_code")}
        by_code = Instrument.objects.in_bulk(codes, field_name="public_code") if codes else {}
        # Most rows of a large import are new: one bare query first, instances only for the keys found.
        search_keys = bulk.existing(
            Instrument, "search_key", {rules.search_key(row.values["serial_no"]) for row in rows if "serial_no" in row.values})
        by_key = {
            (i.type_id, i.manufacturer, i.serial_no): i
            for i in (Instrument.objects.filter(search_key__in=search_keys) if search_keys else ())
        }
        for row in rows:
            code = row.values.get("public_code")
            same_key = None
            if all(k in row.values for k in ("type", "manufacturer", "serial_no")):
                same_key = by_key.get((row.values["type"].pk, row.values["manufacturer"], row.values["serial_no"]))
            if code:
                row.existing = by_code.get(code)
                if row.existing is None:
                    row.errors.append((self.header["public_code"], _(
                        "公开码 %(c)s 未登记(公开码由平台生成，新器具请留空)") % {"c": code}))
                elif same_key is not None and same_key.pk != row.existing.pk:
                    row.errors.append((self.header["serial_no"], _(
                        "同一种类、制造单位和出厂编号的器具已登记，公开码为 %(c)s") % {"c": same_key.public_code}))
            else:
                row.existing = same_key

    def check_row(self, ctx, row):
        for key in ("status_since", "install_date"):
            if row.values.get(key) and row.values[key] > ctx["today"]:
                row.errors.append((self.header[key], _("日期 %(d)s 晚于今天") % {"d": row.values[key].isoformat()}))
        existing = row.existing
        if existing is None:
            return
        if "status_since" in row.values and row.values["status_since"] is None:
            # A blank status date is derived for a new instrument; a registered one keeps its own,
            # so re-importing the file that registered it changes nothing.
            del row.values["status_since"]
        if not is_within_scope(ctx["user"], existing):
            row.errors.append((self.header["serial_no"], _(
                "该器具已登记(公开码 %(c)s)，属于您管辖或所属范围以外的单位") % {"c": existing.public_code}))
            return
        status = row.values.get("status", existing.status)
        if status != existing.status and not rules.may_change_status(existing.status, status):
            row.errors.append((self.header["status"], _("不能从“%(from)s”改为“%(to)s”") % {
                "from": existing.get_status_display(), "to": InstrumentStatus(status).label}))

    def derive(self, ctx, obj):
        obj.type = ctx["types_by_id"][obj.type_id]
        site = ctx["sites"].get(obj.site_id)
        if site is not None:
            obj.site = site
        obj.fill_derived()

    def derive_new(self, ctx, values):
        values["public_code"] = values["public_code"] or new_public_code()
        values["status_since"] = values["status_since"] or values["install_date"] or ctx["today"]
        values["division_id"], values["county_id"] = located(ctx["sites"][values["site_id"]].division_id)
        values["mandatory"], values["search_key"] = flags(
            ctx["types_by_id"][values["type_id"]].mandatory, values["purpose"], values["serial_no"])

    def prepare_write(self, ctx, updates):
        site_ids = {fields["site_id"] for fields in updates if "site_id" in fields}
        ctx["sites"] = Site.objects.only("id", "division_id").in_bulk(site_ids)

    def apply(self, ctx, obj, fields):
        status_before = obj.status
        changed = super().apply(ctx, obj, fields)
        if obj.status != status_before and "status_since" not in fields:
            obj.status_since = ctx["today"]
        return changed

    def before_create(self, ctx, created):
        """Draw new public codes for the (vanishingly rare) ones already taken or drawn twice."""
        kept, pending = set(), created
        while pending:
            taken = bulk.existing(Instrument, "public_code", [row["public_code"] for row in pending])
            clashing = []
            for row in pending:
                if row["public_code"] in taken or row["public_code"] in kept:
                    row["public_code"] = new_public_code()
                    clashing.append(row)
                else:
                    kept.add(row["public_code"])
            pending = clashing

    def after_write(self, ctx, created, updated):
        user = ctx["user"] if getattr(ctx["user"], "is_authenticated", False) else None
        by = user.pk if user is not None else None
        registered, changed = _("登记(批量导入)"), _("批量导入")
        changes = [
            {"instrument_id": pk, "from_status": "", "to_status": row["status"], "effective_on": row["status_since"],
             "reason": registered, "changed_by_id": by}
            for pk, row in created
        ]
        changes += [
            {"instrument_id": i.pk, "from_status": before.status, "to_status": i.status,
             "effective_on": i.status_since, "reason": changed, "changed_by_id": by}
            for i, before in updated if i.status != before.status
        ]
        bulk.insert(InstrumentStatusChange, changes)


KINDS = {kind.name: kind for kind in (OrganizationImport(), SiteImport(), InstrumentImport())}
