"""The registry: market entities (organizations), their sites, the instrument type catalogue and instruments."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import scoped_by
from jiliang.accounts.masking import mask_phone
from jiliang.accounts.models import Division, Role
from jiliang.registry import rules

REGULATORS = (Role.CITY_REGULATOR, Role.COUNTY_REGULATOR)


class OrganizationStatus(models.TextChoices):
    ACTIVE = "active", _("存续")
    SUSPENDED = "suspended", _("停业")
    DEREGISTERED = "deregistered", _("注销")


@scoped_by(
    division="division",
    organization="pk",
    writers={"create": REGULATORS, "change": (*REGULATORS, Role.OWNER), "delete": REGULATORS},
)
class Organization(models.Model):
    """A market entity (使用单位/市场主体) that owns or uses instruments, identified by its USCC."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("单位名称"), max_length=128, db_index=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=64, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    division = models.ForeignKey(Division, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("住所"), max_length=255, blank=True)
    industry = models.CharField(_("行业"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=OrganizationStatus.choices, default=OrganizationStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    personal_fields = {"contact_phone": mask_phone}

    class Meta:
        verbose_name = _("使用单位")
        verbose_name_plural = _("使用单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def choice_label(self) -> str:
        """How a select names it: two units can share a name, never a code."""
        return f"{self.name}（{self.uscc}）"

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)


class SiteKind(models.TextChoices):
    GAS_STATION = "gas_station", _("加油(气)站")
    MARKET = "market", _("集贸市场")
    SUPERMARKET = "supermarket", _("超市")
    HOSPITAL = "hospital", _("医院/诊所")
    OPTICIAN = "optician", _("眼镜店")
    TAXI_COMPANY = "taxi_company", _("出租汽车公司")
    WATER_UTILITY = "water_utility", _("供水企业")
    POWER_UTILITY = "power_utility", _("供电企业")
    GAS_UTILITY = "gas_utility", _("燃气企业")
    CHARGING_STATION = "charging_station", _("充电站")
    FACTORY = "factory", _("工厂")
    SCHOOL = "school", _("学校")
    OTHER = "other", _("其他")


# Institution staff read every site and instrument of the city (they verify on site, for any owner);
# owners read and write their own organization's; county regulators their county's.
@scoped_by(
    division="division",
    organization="organization",
    read_all=(Role.INSTITUTION_STAFF,),
    writers={"create": (*REGULATORS, Role.OWNER), "change": (*REGULATORS, Role.OWNER)},
)
class Site(models.Model):
    """Premises (经营场所) run by an organization: a gas station, a market, a hospital …"""

    organization = models.ForeignKey(
        Organization, verbose_name=_("经营单位"), on_delete=models.PROTECT, related_name="sites"
    )
    name = models.CharField(_("场所名称"), max_length=128)
    kind = models.CharField(_("场所类型"), max_length=32, choices=SiteKind.choices, default=SiteKind.OTHER)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    division = models.ForeignKey(Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+")
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("经营场所")
        verbose_name_plural = _("经营场所")
        ordering = ["name"]
        constraints = [
            # The natural key an import matches on: an organization does not run two sites of one name.
            models.UniqueConstraint(fields=["organization", "name"], name="site_organization_name_unique"),
        ]
        indexes = [models.Index(fields=["division", "kind"], name="site_division_kind")]

    def __str__(self) -> str:
        return self.name

    def choice_label(self) -> str:
        return f"{self.name}（{self.address}）" if self.address else self.name


class VerificationMode(models.TextChoices):
    """The verification modes of SAMR announcement 2020 No.42, as the catalogue file spells them."""

    PERIODIC = "periodic", _("周期检定")
    INITIAL_ONLY_SCRAP = "initial_only_scrap", _("只做首次强制检定，失准报废")
    INITIAL_ONLY_LIMITED_LIFE = "initial_only_limited_life", _("只做首次强制检定，限期使用，到期轮换")
    UNVERIFIED = "unverified", _("待核实")


@scoped_by(shared=True, writers={"create": (Role.CITY_REGULATOR,), "change": (Role.CITY_REGULATOR,)})
class InstrumentType(models.Model):
    """One entry of the catalogue of instruments under mandatory control (实施强制管理的计量器具目录).

    Seeded from data/mandatory_instruments.csv with its source and confidence; every value is an
    editable default the city regulator corrects against the official text.
    """

    code = models.CharField(_("目录编号"), max_length=16, unique=True)
    name_zh = models.CharField(_("名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=128, blank=True)
    category = models.CharField(_("目录项目"), max_length=128, blank=True)
    catalogue_status = models.TextField(_("目录状态说明"), blank=True)
    regulation = models.TextField(_("检定规程"), blank=True)
    verification_mode = models.CharField(
        _("检定方式"), max_length=32, choices=VerificationMode.choices, default=VerificationMode.PERIODIC
    )
    verification_interval_months = models.PositiveSmallIntegerField(
        _("检定周期/使用年限(月)"), null=True, blank=True
    )
    period_note = models.TextField(_("周期说明"), blank=True)
    typical_scope = models.TextField(_("典型用途"), blank=True)
    mandatory = models.BooleanField(
        _("实施强制检定"), default=True,
        help_text=_("用于贸易结算、医疗卫生、安全防护、环境监测时是否实施强制检定。"),
    )
    source = models.TextField(_("来源"), blank=True)
    confidence = models.CharField(_("可信度"), max_length=128, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("计量器具种类")
        verbose_name_plural = _("计量器具种类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"


_COUNTY_IDS: dict[int, int] = {}


def county_id_of(division_id: int) -> int:
    """The id of the county-level unit a division lies in (itself for a county or zone), from a
    per-process map of the division tree, re-read when it meets a division it does not know."""
    if division_id not in _COUNTY_IDS:
        _COUNTY_IDS.clear()
        for division in Division.objects.select_related("parent"):
            _COUNTY_IDS[division.pk] = division.county.pk
    return _COUNTY_IDS[division_id]


class Purpose(models.TextChoices):
    """The four uses for which the Metrology Law (Art. 9) makes verification mandatory, and the rest."""

    TRADE_SETTLEMENT = "trade_settlement", _("贸易结算")
    HEALTH = "health", _("医疗卫生")
    SAFETY = "safety", _("安全防护")
    ENVIRONMENT = "environment", _("环境监测")
    OTHER = "other", _("其他(非强检用途)")


class InstrumentStatus(models.TextChoices):
    IN_USE = "in_use", _("在用")
    OUT_OF_SERVICE = "out_of_service", _("停用")
    SCRAPPED = "scrapped", _("报废")


@scoped_by(
    division="division",
    organization="owner",
    read_all=(Role.INSTITUTION_STAFF,),
    writers={
        "create": (*REGULATORS, Role.OWNER),
        "change": (*REGULATORS, Role.OWNER),
        "change_status": (*REGULATORS, Role.OWNER),
    },
)
class Instrument(models.Model):
    """One physical measuring instrument (计量器具) with its serial number, owner and site.

    ``division`` copies the site's division and ``county`` its county-level unit, so that scoping
    and filtering a million rows are indexed columns;
    ``mandatory`` follows from the type and the purpose (rules.is_mandatory); ``search_key`` is the
    serial number normalised for an indexed prefix search. ``fill_derived`` sets all three, and the
    public code, before any insert (also before a bulk_create).
    """

    public_code = models.CharField(_("公开码"), max_length=16, unique=True, editable=False)
    type = models.ForeignKey(
        InstrumentType, verbose_name=_("器具种类"), on_delete=models.PROTECT, related_name="instruments",
        db_index=False,  # led by the (type, status) index below
    )
    serial_no = models.CharField(_("出厂编号"), max_length=64)
    manufacturer = models.CharField(_("制造单位"), max_length=128)
    model = models.CharField(_("型号规格"), max_length=64, blank=True)
    pattern_approval_no = models.CharField(_("型式批准编号"), max_length=64, blank=True)
    accuracy_class = models.CharField(_("准确度等级"), max_length=32, blank=True)
    measuring_range = models.CharField(_("测量范围"), max_length=64, blank=True)
    owner = models.ForeignKey(
        Organization, verbose_name=_("使用单位"), on_delete=models.PROTECT, related_name="instruments"
    )
    site = models.ForeignKey(Site, verbose_name=_("安装场所"), on_delete=models.PROTECT, related_name="instruments")
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+", editable=False,
    )
    # The county-level unit (county, district or zone) of ``division``: one value per county
    # regulator, so that its filtered, newest-first page is a single ordered index range.
    county = models.ForeignKey(
        Division, verbose_name=_("所在县(区)"), on_delete=models.PROTECT, related_name="+", editable=False,
        db_index=False,  # led by the (county, …) indexes below
    )
    purpose = models.CharField(_("用途"), max_length=32, choices=Purpose.choices, default=Purpose.TRADE_SETTLEMENT)
    mandatory = models.BooleanField(_("强制检定"), default=True, editable=False)
    status = models.CharField(_("状态"), max_length=16, choices=InstrumentStatus.choices, default=InstrumentStatus.IN_USE)
    status_since = models.DateField(_("状态日期"), null=True, blank=True)
    install_date = models.DateField(_("安装日期"), null=True, blank=True)
    search_key = models.CharField(_("检索键"), max_length=64, editable=False, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("计量器具")
        verbose_name_plural = _("计量器具")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["type", "manufacturer", "serial_no"], name="instrument_type_manufacturer_serial_unique"
            ),
        ]
        indexes = [
            # The filtered list page: county + type + status, newest first, read in index order.
            models.Index(fields=["county", "type", "status", "-id"], name="instrument_county_type_status"),
            models.Index(fields=["county", "status", "-id"], name="instrument_county_status"),
            # The same filters across the whole city (no county condition).
            models.Index(fields=["type", "status", "-id"], name="instrument_type_status"),
        ]

    def __str__(self) -> str:
        return f"{self.type.name_zh} {self.serial_no}"

    def fill_derived(self) -> "Instrument":
        """Set the columns derived from other rows; call before save() or bulk_create()."""
        from jiliang.registry import public_code

        if self.site_id is not None:
            self.division_id, self.county_id = located(self.site.division_id)
        if self.type_id is not None:
            self.mandatory, self.search_key = flags(self.type.mandatory, self.purpose, self.serial_no)
        else:
            self.search_key = rules.search_key(self.serial_no)
        if not self.public_code:
            self.public_code = public_code.new_code()
        return self


def located(site_division_id: int) -> tuple[int, int]:
    """An instrument's (division, county) columns: its site's division and that division's county."""
    return site_division_id, county_id_of(site_division_id)


def flags(type_is_mandatory: bool, purpose: str, serial_no: str) -> tuple[bool, str]:
    """An instrument's (mandatory, search_key) columns."""
    return rules.is_mandatory(type_is_mandatory, purpose), rules.search_key(serial_no)


@scoped_by(
    division="instrument__division",
    organization="instrument__owner",
    read_all=(Role.INSTITUTION_STAFF,),
)
class InstrumentStatusChange(models.Model):
    """One change of an instrument's status: from, to, the date it took effect, why, by whom."""

    instrument = models.ForeignKey(Instrument, verbose_name=_("计量器具"), on_delete=models.CASCADE,
                                   related_name="status_changes")
    from_status = models.CharField(_("原状态"), max_length=16, choices=InstrumentStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=InstrumentStatus.choices)
    effective_on = models.DateField(_("生效日期"))
    reason = models.CharField(_("原因"), max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("器具状态变更")
        verbose_name_plural = _("器具状态变更")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.instrument_id}: {self.from_status} → {self.to_status} ({self.effective_on})"
