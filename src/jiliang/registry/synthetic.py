"""Deterministic synthetic Bazhong registry data, for `jiliang demo` and `jiliang seed`.

One generator, two sizes: the demo set (about 2,000 organizations, 15,000 instruments) and the
city-scale set for benchmarks (`seed --instruments N` scales every kind of site alike). The same
seed gives the same organizations, sites, serial numbers and public codes on every run, so loading
is idempotent by natural keys (USCC; organization + site name; type + manufacturer + serial).

Everything is inserted in batches with the import's fast insert (importing.bulk), each batch in one transaction with one audit event naming
what it inserted (``demo.load`` / ``seed.load``), so a stopped load resumes where it stopped.
"""

import datetime
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from jiliang.accounts import audit, boundaries
from jiliang.accounts.models import Division, DivisionLevel
from jiliang.registry import public_code
from jiliang.registry.codes import make_uscc
from jiliang.registry.importing import bulk
from jiliang.registry.models import (
    Instrument,
    InstrumentStatus,
    InstrumentStatusChange,
    InstrumentType,
    Organization,
    Purpose,
    Site,
    SiteKind,
    flags,
    located,
)

BATCH_SIZE = 5000
# County-level units and the share of sites in each (roughly by population).
COUNTY_WEIGHTS = {"511902": 30, "511903": 12, "511921": 18, "511922": 15, "511923": 18, "511900JK": 4,
                  "511900WL": 3}
COUNTY_CENTRES = {  # approximate, for plausible demo coordinates only
    "511902": (31.86, 106.77), "511903": (31.79, 106.64), "511921": (31.91, 107.25),
    "511922": (32.35, 106.83), "511923": (31.56, 107.10), "511900JK": (31.83, 106.72),
    "511900WL": (31.88, 106.80),
}
MANUFACTURERS = {
    "MI02": ["上海友声衡器有限公司", "凯丰集团有限公司", "浙江大华技术股份有限公司", "厦门顶尖电子有限公司"],
    "MI03": ["梅特勒-托利多(常州)称重设备系统有限公司", "上海耀华称重系统有限公司"],
    "MI06": ["正星科技股份有限公司", "托肯恒山科技(广州)有限公司", "北京长吉加油设备有限公司"],
    "MI10": ["宁波水表(集团)股份有限公司", "三川智慧科技股份有限公司"],
    "MI11": ["宁波水表(集团)股份有限公司", "三川智慧科技股份有限公司"],
    "MI12": ["宁波水表(集团)股份有限公司"],
    "MI13": ["金卡智能集团股份有限公司", "成都秦川物联网科技股份有限公司"],
    "MI14": ["威胜集团有限公司", "江苏林洋能源股份有限公司"],
    "MI16": ["深圳市百富智能新技术有限公司", "广州聚利电子有限公司"],
    "MI17": ["江苏鱼跃医疗设备股份有限公司"],
    "MI18": ["欧姆龙(大连)有限公司", "江苏鱼跃医疗设备股份有限公司"],
    "MI19": ["上海精密科学仪器有限公司"],
    "MI20": ["拓普康(北京)科技有限公司"],
    "MI21": ["苏州六六视觉科技股份有限公司"],
    "MI25": ["汉威科技集团股份有限公司", "梅思安(中国)安全设备有限公司"],
    "MI29": ["青岛特来电新能源科技有限公司", "万帮数字能源股份有限公司"],
    "MI30": ["青岛特来电新能源科技有限公司", "万帮数字能源股份有限公司"],
    "MI32": ["红旗仪表有限公司", "上海布莱迪仪器仪表有限公司"],
    "MI01": ["江苏华星医疗器械实业有限公司"],
    "MI04": ["梅特勒-托利多(常州)称重设备系统有限公司"],
    "MI05": ["中航电测仪器股份有限公司"],
    "MI07": ["成都华气厚普机电设备股份有限公司"], "MI08": ["成都华气厚普机电设备股份有限公司"],
    "MI09": ["成都华气厚普机电设备股份有限公司"],
    "MI15": ["山东力创科技股份有限公司"],
    "MI22": ["深圳市安星泰科技有限公司"], "MI23": ["成都携恩科技有限公司"],
    "MI24": ["杭州爱华仪器有限公司"], "MI26": ["佛山市南华仪器股份有限公司"],
    "MI27": ["上海青浦绿洲检测仪器有限公司"], "MI28": ["上海一诺仪表有限公司"],
    "MI31": ["拓普康(北京)科技有限公司"],
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
T, H, S, E, O = Purpose.TRADE_SETTLEMENT, Purpose.HEALTH, Purpose.SAFETY, Purpose.ENVIRONMENT, Purpose.OTHER


@dataclass(frozen=True)
class Plan:
    """One kind of site: how many in the demo set, who runs them, what instruments each holds."""

    kind: str
    industry: str
    site_name: str  # "{place}" is a township or county name, "{n}" a number
    org_name: str
    sites: int
    instruments: tuple[tuple[str, int, str], ...]  # (type code, how many per site, purpose)
    # Markets: the scales belong to stallholders (个体工商户), not to the market's operator.
    stallholders: int = 0
    stallholder_industry: str = ""


PLANS = (
    Plan(SiteKind.GAS_STATION, "成品油零售", "{place}加油站{n}号", "巴中{place}石化加油站{n}有限公司", 150,
         (("MI06", 8, T), ("MI25", 2, S))),
    Plan(SiteKind.MARKET, "农贸市场", "{place}农贸市场{n}号", "巴中{place}农贸市场管理{n}有限公司", 60,
         (("MI02", 6, T),), stallholders=17, stallholder_industry="农产品零售"),
    Plan(SiteKind.SUPERMARKET, "超市零售", "{place}超市{n}号店", "巴中{place}惠民超市{n}有限公司", 40,
         (("MI02", 15, T), ("MI03", 3, T))),
    Plan(SiteKind.HOSPITAL, "医疗卫生", "{place}卫生院{n}号", "巴中{place}医疗{n}有限公司", 100,
         (("MI17", 8, H), ("MI18", 6, H))),
    Plan(SiteKind.OPTICIAN, "眼镜配镜", "{place}眼镜店{n}号", "巴中{place}明视眼镜{n}有限公司", 60,
         (("MI19", 1, H), ("MI20", 1, H), ("MI21", 1, H))),
    Plan(SiteKind.TAXI_COMPANY, "出租汽车", "{place}出租车运营基地{n}号", "巴中{place}出租汽车{n}有限公司", 12,
         (("MI16", 80, T),)),
    Plan(SiteKind.WATER_UTILITY, "供水", "{place}供水营业所{n}号", "巴中{place}自来水{n}有限公司", 7,
         (("MI10", 200, T), ("MI11", 40, T), ("MI12", 20, T))),
    Plan(SiteKind.POWER_UTILITY, "供电", "{place}供电营业厅{n}号", "巴中{place}供电服务{n}有限公司", 2,
         (("MI14", 200, T),)),
    Plan(SiteKind.GAS_UTILITY, "燃气供应", "{place}燃气服务站{n}号", "巴中{place}燃气{n}有限公司", 5,
         (("MI13", 80, T),)),
    Plan(SiteKind.CHARGING_STATION, "充电设施", "{place}充电站{n}号", "巴中{place}新能源充电{n}有限公司", 80,
         (("MI29", 6, T), ("MI30", 4, T))),
    Plan(SiteKind.FACTORY, "制造业", "{place}工业园厂区{n}号", "巴中{place}实业{n}有限公司", 50,
         (("MI03", 2, T), ("MI32", 6, S), ("MI25", 4, S))),
    Plan(SiteKind.SCHOOL, "教育", "{place}学校食堂{n}号", "巴中{place}后勤服务{n}有限公司", 30,
         (("MI02", 1, O),)),
    Plan(SiteKind.OTHER, "餐饮服务", "{place}餐馆{n}号", "巴中{place}餐饮{n}有限公司", 380, ()),
    # The catalogue types the plans above hold none of, so that the demo has every type (placed
    # last: the plans above draw the same names and numbers as before).
    Plan(SiteKind.GAS_STATION, "燃气零售", "{place}加气站{n}号", "巴中{place}燃气加气{n}有限公司", 6,
         (("MI07", 2, T), ("MI08", 2, T), ("MI09", 1, T))),
    Plan(SiteKind.OTHER, "粮食收储", "{place}粮站{n}号", "巴中{place}粮食购销{n}有限公司", 5,
         (("MI04", 1, T), ("MI05", 2, T), ("MI27", 2, T))),
    Plan(SiteKind.OTHER, "道路交通安全", "{place}交通安全服务站{n}号", "巴中{place}交通安全服务{n}有限公司", 4,
         (("MI22", 3, S), ("MI23", 2, S))),
    Plan(SiteKind.OTHER, "机动车检测", "{place}机动车检测站{n}号", "巴中{place}机动车检测{n}有限公司", 4,
         (("MI24", 1, E), ("MI26", 2, E))),
    Plan(SiteKind.FACTORY, "热力供应", "{place}供热站{n}号", "巴中{place}热力{n}有限公司", 2,
         (("MI15", 10, T), ("MI28", 2, T))),
    Plan(SiteKind.HOSPITAL, "医疗卫生", "{place}社区卫生服务站{n}号", "巴中{place}社区医疗{n}有限公司", 6,
         (("MI01", 5, H), ("MI31", 1, H))),
)


def site_count(plan: Plan, scale: float) -> int:
    return max(1, round(plan.sites * scale))


def instrument_count(scale: float = 1.0) -> int:
    return sum(
        site_count(p, scale) * (p.stallholders or 1) * sum(count for _, count, _ in p.instruments) for p in PLANS
    )


DEMO_INSTRUMENTS = instrument_count()


@dataclass
class OrgSpec:
    uscc: str
    name: str
    division_code: str
    industry: str
    contact_phone: str


@dataclass
class SiteSpec:
    org: OrgSpec
    name: str
    kind: str
    division_code: str
    latitude: Decimal
    longitude: Decimal
    owners: list[OrgSpec] = field(default_factory=list)
    # (owner, type code, manufacturer, serial, purpose, status, install date)
    instruments: list[tuple] = field(default_factory=list)


@dataclass(frozen=True)
class Namespace:
    """Keeps a data set's natural keys apart from another's: the demo and the seed never collide."""

    name: str
    org_body_prefix: str  # 2 characters of the GB 11714 body, e.g. "MB"
    serial_prefix: str
    seed: int


DEMO = Namespace("demo", "MB", "D", 20261126)
SEED = Namespace("seed", "MC", "S", 19491001)


class Generator:
    def __init__(self, namespace: Namespace, scale: float = 1.0, fixed: list[OrgSpec] | None = None):
        self.namespace, self.scale = namespace, scale
        self.rng = random.Random(namespace.seed)
        # Public codes come from their own stream, so drawing them never shifts the rest of the data.
        self.code_rng = random.Random(namespace.seed + 1)
        self.fixed = list(fixed or [])
        self.boundaries = boundaries.load()
        self.divisions = {d.code: d for d in Division.objects.select_related("parent")}
        self.townships: dict[str, list[str]] = {}
        for division in self.divisions.values():
            if division.level == DivisionLevel.TOWNSHIP:
                self.townships.setdefault(division.parent.code if division.parent_id else "", []).append(division.code)
        for codes in self.townships.values():
            codes.sort()
        self.org_count = 0
        self.serials: dict[str, int] = {}

    def _new_org(self, county: str, name: str, industry: str, category: str = "91") -> OrgSpec:
        self.org_count += 1
        registering = county if county.isdigit() else county[:6]
        body = f"{self.namespace.org_body_prefix}{self.org_count:06d}"
        return OrgSpec(make_uscc(category, registering, body), name, county, industry,
                       f"1380{self.rng.randrange(10**7):07d}")

    def _serial(self, type_code: str) -> str:
        self.serials[type_code] = self.serials.get(type_code, 0) + 1
        return f"{self.namespace.serial_prefix}{type_code[2:]}{self.serials[type_code]:07d}"

    def _install_date(self) -> datetime.date:
        return datetime.date(2015, 1, 1) + datetime.timedelta(days=self.rng.randrange(3650))

    def _status(self) -> str:
        roll = self.rng.random()
        return InstrumentStatus.SCRAPPED if roll < 0.01 else (
            InstrumentStatus.OUT_OF_SERVICE if roll < 0.04 else InstrumentStatus.IN_USE)

    def _inside_county(self, county: str, lon: float, lat: float) -> tuple[float, float]:
        """The point moved toward the county's centre until the county's boundary holds it, so the
        map shows each site in its own county (a zone's sites in the county around the zone)."""
        centre_lat, centre_lon = COUNTY_CENTRES[county]
        code = boundaries.county_at(self.boundaries, centre_lon, centre_lat)
        feature = next(f for f in self.boundaries["features"] if f["properties"]["code"] == code)
        return boundaries.pull_inside(feature["geometry"], (centre_lon, centre_lat), lon, lat)

    def sites(self) -> Iterator[SiteSpec]:
        counties, weights = list(COUNTY_WEIGHTS), list(COUNTY_WEIGHTS.values())
        for plan in PLANS:
            fixed = [org for org in self.fixed if org.industry == plan.industry]
            for n in range(1, site_count(plan, self.scale) + 1):
                org = fixed.pop(0) if fixed else None
                county = org.division_code if org else self.rng.choices(counties, weights)[0]
                division = self.rng.choice(self.townships.get(county) or [county])
                place = self.divisions[division].name
                suffix = "" if self.namespace is DEMO else f"·{self.namespace.name}"
                org = org or self._new_org(county, plan.org_name.format(place=place, n=n) + suffix, plan.industry)
                lat, lon = COUNTY_CENTRES[county]
                lat, lon = lat + self.rng.uniform(-0.15, 0.15), lon + self.rng.uniform(-0.15, 0.15)
                lon, lat = self._inside_county(county, lon, lat)
                site = SiteSpec(org, plan.site_name.format(place=place, n=n), plan.kind, division,
                                Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}"))
                site.owners = [org] if not plan.stallholders else [
                    self._new_org(county, f"{place}{self.rng.choice(SURNAMES)}记摊位{n}-{k}{suffix}",
                                  plan.stallholder_industry, category="92")
                    for k in range(1, plan.stallholders + 1)
                ]
                for owner in site.owners:
                    for type_code, count, purpose in plan.instruments:
                        for _ in range(count):
                            site.instruments.append((
                                owner, type_code, self.rng.choice(MANUFACTURERS[type_code]), self._serial(type_code),
                                purpose, self._status(), self._install_date(),
                            ))
                yield site

    def public_code(self) -> str:
        return public_code.new_code(self.code_rng.randrange)


# ---------------------------------------------------------------------------------------------
# Loading

def _batches(items: list, size: int = BATCH_SIZE) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _record_batch(actor: str, model, count: int, first: str, last: str) -> None:
    audit.record(actor, f"{actor}.load", object_type=model._meta.label, object_id="",
                 object_repr=f"{count} × {model._meta.verbose_name}", after={"count": count, "first": first, "last": last})


def load(namespace: Namespace, scale: float = 1.0, fixed: list[OrgSpec] | None = None,
         progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Insert what is missing of the data set; returns how many rows of each kind were created.

    Two passes over the same generator: the first keeps organizations and sites (small), the second
    streams the instruments batch by batch, so memory stays flat at a million instruments.
    """
    progress = progress or (lambda stage, done, total: None)
    generator = Generator(namespace, scale, fixed)
    site_specs = []
    for site in generator.sites():
        site.instruments = []
        site_specs.append(site)
    created = {"organizations": _load_organizations(namespace, generator, site_specs, progress)}
    org_ids = dict(Organization.objects.values_list("uscc", "id"))
    created["sites"] = _load_sites(namespace, generator, site_specs, org_ids, progress)
    created["instruments"] = _load_instruments(namespace, Generator(namespace, scale, fixed), org_ids, progress)
    for model in (Organization, Site, Instrument):
        bulk.refresh_statistics(model)
    return created


def _load_organizations(namespace, generator, site_specs, progress) -> int:
    """Organizations, by USCC."""
    orgs = {o.uscc: o for site in site_specs for o in [site.org, *site.owners]}
    existing = set(Organization.objects.values_list("uscc", flat=True))
    missing = [o for uscc, o in orgs.items() if uscc not in existing]
    divisions = generator.divisions
    for done, batch in enumerate(_batches(missing), start=1):
        with transaction.atomic():
            bulk.insert(Organization, [
                bulk.values_of(Organization(
                    uscc=o.uscc, name=o.name, division_id=divisions[o.division_code].pk, industry=o.industry,
                    contact_name=f"{o.name[:2]}负责人", contact_phone=o.contact_phone,
                    address=divisions[o.division_code].name))
                for o in batch
            ])
            _record_batch(namespace.name, Organization, len(batch), batch[0].uscc, batch[-1].uscc)
        progress("organizations", min(done * BATCH_SIZE, len(missing)), len(missing))
    return len(missing)


def _load_sites(namespace, generator, site_specs, org_ids, progress) -> int:
    """Sites, by (organization, name)."""
    existing = set(Site.objects.values_list("organization_id", "name"))
    missing = [s for s in site_specs if (org_ids[s.org.uscc], s.name) not in existing]
    divisions = generator.divisions
    for done, batch in enumerate(_batches(missing), start=1):
        with transaction.atomic():
            bulk.insert(Site, [
                bulk.values_of(Site(
                    organization_id=org_ids[s.org.uscc], name=s.name, kind=s.kind,
                    division_id=divisions[s.division_code].pk, address=f"{divisions[s.division_code].name}{s.name}",
                    latitude=s.latitude, longitude=s.longitude))
                for s in batch
            ])
            _record_batch(namespace.name, Site, len(batch), batch[0].name, batch[-1].name)
        progress("sites", min(done * BATCH_SIZE, len(missing)), len(missing))
    return len(missing)


def _load_instruments(namespace, generator, org_ids, progress) -> int:
    """Instruments, by (type, manufacturer, serial), a batch at a time. A batch whose first
    instrument exists was committed by an earlier run (each batch is one transaction): skipped.
    Rows go in as column values with reserved ids (the import's fast path), not model instances."""
    types = {t.code: t for t in InstrumentType.objects.all()}
    sites = {(o, n): (pk, d) for pk, o, n, d in Site.objects.values_list("id", "organization_id", "name", "division_id")}
    defaults = {f.attname: f.get_default() for f in bulk.columns(Instrument)}
    total, done, created = instrument_count(generator.scale), 0, 0
    batch: list[tuple] = []

    def flush() -> int:
        codes = [generator.public_code() for _ in batch]  # drawn even when skipped: codes stay stable
        _, _, type_code, manufacturer, serial, *_ = batch[0]
        if Instrument.objects.filter(type=types[type_code], manufacturer=manufacturer, serial_no=serial).exists():
            return 0
        rows = []
        for ((site_id, division_id), owner, type_code, manufacturer, serial, purpose, status, installed), code \
                in zip(batch, codes, strict=True):
            row = {**defaults, "public_code": code, "type_id": types[type_code].pk, "serial_no": serial,
                   "manufacturer": manufacturer, "owner_id": org_ids[owner.uscc], "site_id": site_id,
                   "purpose": purpose, "status": status, "status_since": installed, "install_date": installed}
            row["division_id"], row["county_id"] = located(division_id)
            row["mandatory"], row["search_key"] = flags(types[type_code].mandatory, purpose, serial)
            rows.append(row)
        with transaction.atomic():
            for pk, row in zip(bulk.reserve_ids(Instrument, len(rows)), rows, strict=True):
                row["id"] = pk
            bulk.insert(Instrument, rows, with_pk=True)
            bulk.insert(InstrumentStatusChange, [
                {"instrument_id": row["id"], "from_status": "", "to_status": row["status"],
                 "effective_on": row["status_since"], "reason": "登记", "changed_by_id": None}
                for row in rows
            ])
            _record_batch(namespace.name, Instrument, len(rows), rows[0]["public_code"], rows[-1]["public_code"])
        return len(rows)

    for spec in generator.sites():
        site = sites[(org_ids[spec.org.uscc], spec.name)]
        for instrument in spec.instruments:
            batch.append((site, *instrument))
            if len(batch) == BATCH_SIZE:
                created += flush()
                done += len(batch)
                batch.clear()
                progress("instruments", done, total)
    if batch:
        created += flush()
        progress("instruments", total, total)
    return created
