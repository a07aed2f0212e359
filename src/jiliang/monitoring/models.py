"""Devices and their credentials, the messages they send, rollups, dead letters, alerts, thresholds.

``Reading`` is not managed by Django: its table is created by vendor-specific SQL in the migration
(a range-partitioned table with a BRIN index on PostgreSQL, a plain table on SQLite), and the ORM
reads it like any other model. Idempotency rests on ``MessageKey``, an unpartitioned table whose
primary key is (device, sequence); see docs/monitoring.md.
"""

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import scoped_by
from jiliang.accounts.models import Division, Role

REGULATORS = (Role.CITY_REGULATOR, Role.COUNTY_REGULATOR)


class DeviceKind(models.TextChoices):
    NOZZLE = "nozzle", _("加油枪")
    TANK_GAUGE = "tank_gauge", _("液位仪")
    METER = "meter", _("水/电/气表")
    CHARGER = "charger", _("充电桩")
    GATEWAY = "gateway", _("场所网关")


class MeterMedium(models.TextChoices):
    NONE = "", _("—")
    WATER = "water", _("水")
    ELECTRICITY = "electricity", _("电")
    GAS = "gas", _("燃气")
    HEAT = "heat", _("热")


@scoped_by(
    division="division",
    organization="organization",
    writers={"create": REGULATORS, "change": REGULATORS, "revoke": REGULATORS},
)
class Device(models.Model):
    """A monitoring point: one data source bound to a registered instrument or to a site.

    ``code`` is the device id in messages and MQTT topics. The HTTP token is stored as a SHA-256
    digest; the MQTT signing secret is derived from the server key and ``secret_version`` and never
    stored (credentials.py). A gateway may send messages for every device at its site.
    """

    code = models.CharField(_("设备编号"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=128, blank=True)
    kind = models.CharField(_("设备类型"), max_length=16, choices=DeviceKind.choices)
    medium = models.CharField(_("介质"), max_length=16, choices=MeterMedium.choices, blank=True, default="")
    instrument = models.ForeignKey(
        "registry.Instrument", verbose_name=_("计量器具"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="monitoring_devices",
    )
    site = models.ForeignKey(
        "registry.Site", verbose_name=_("经营场所"), on_delete=models.PROTECT, related_name="monitoring_devices"
    )
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("使用单位"), on_delete=models.PROTECT, related_name="+",
        editable=False,
    )
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    feeds_from = models.ForeignKey(
        "self", verbose_name=_("供油油罐(液位仪)"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="fed_nozzles",
    )
    attributes = models.JSONField(_("参数"), default=dict, blank=True)
    token_prefix = models.CharField(max_length=12, blank=True, editable=False)
    token_digest = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    secret_version = models.PositiveIntegerField(default=0, editable=False)
    credentials_issued_at = models.DateTimeField(_("凭据签发时间"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)
    # The time of the latest accepted message (never ahead of the platform clock by more than the
    # allowed skew): what the communication-loss rules measure silence from.
    last_seen_at = models.DateTimeField(_("最后通信时间"), null=True, blank=True, editable=False)
    # When the latest batch with a new message of the device came in: a batch of readings uploaded
    # hours late moves no last_seen_at past the heartbeat sent meanwhile, and the clock must still
    # run the device's rules over it (engine.tick).
    last_received_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The latest stored register reading by (time, sequence), kept by ingest: readings that come
    # after it only add to the rollups, without re-reading stored ones (rollups.py).
    last_register_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_register_seq = models.BigIntegerField(null=True, blank=True, editable=False)
    last_register = models.FloatField(null=True, blank=True, editable=False)
    # The reporting interval learned from the device's own messages (rules/intervals.py), kept by
    # the daily learning job; the silence rules judge it together with the configured one.
    learned_interval_s = models.FloatField(_("学习所得上报间隔（秒）"), null=True, blank=True, editable=False)
    interval_learned_at = models.DateTimeField(_("上报间隔学习时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("监测设备")
        verbose_name_plural = _("监测设备")
        ordering = ["code"]
        indexes = [models.Index(fields=["division", "kind"], name="device_division_kind")]

    def __str__(self) -> str:
        return self.code

    @staticmethod
    def digest_of(raw_token: str) -> str:
        return hashlib.sha256(raw_token.encode()).hexdigest()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


@scoped_by(division="device__division", organization="device__organization")
class Reading(models.Model):
    """One accepted device message (a reading or an event), in a time-partitioned table.

    ``register`` holds the cumulative register of the message kinds that have one (meter reading,
    charger meter values, dispenser totaliser), the input of the consumption rollups.
    """

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(Device, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    sequence = models.BigIntegerField()
    time = models.DateTimeField()
    kind = models.CharField(max_length=32)
    register = models.FloatField(null=True)
    data = models.JSONField()
    received_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "monitoring_reading"
        verbose_name = _("监测数据")
        verbose_name_plural = _("监测数据")

    def __str__(self) -> str:
        return f"{self.device_id}#{self.sequence} {self.kind} {self.time:%Y-%m-%d %H:%M:%S}"


@scoped_by(division="device__division")
class MessageKey(models.Model):
    """(device, sequence) of every accepted message: the unique key that makes ingest idempotent."""

    pk = models.CompositePrimaryKey("device", "sequence")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, db_constraint=False, related_name="+")
    sequence = models.BigIntegerField()
    time = models.DateTimeField()

    class Meta:
        verbose_name = _("消息键")
        verbose_name_plural = _("消息键")
        indexes = [models.Index(fields=["time"], name="messagekey_time")]


class WorkOrderKind(models.TextChoices):
    VERIFICATION = "verification", _("检定")
    INITIALISATION = "initialisation", _("初始化(铅封/参数确认)")
    METER_REPLACEMENT = "meter_replacement", _("换表")


@scoped_by(division="device__division", writers={"create": REGULATORS})
class WorkOrder(models.Model):
    """A verification, initialisation or meter replacement on record: it excuses a parameter
    change, a component swap or a register restart that the rules would otherwise flag."""

    device = models.ForeignKey(Device, verbose_name=_("设备"), on_delete=models.CASCADE, related_name="work_orders")
    kind = models.CharField(_("类型"), max_length=24, choices=WorkOrderKind.choices)
    time = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["device", "time"], name="workorder_device_time")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.kind} {self.time:%Y-%m-%d %H:%M}"


class RollupPeriod(models.TextChoices):
    HOUR = "hour", _("小时")
    DAY = "day", _("日")


@scoped_by(division="device__division", organization="device__organization")
class Rollup(models.Model):
    """Consumption of one device over one hour or one (local) day, from register deltas."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="rollups")
    period = models.CharField(max_length=8, choices=RollupPeriod.choices)
    start = models.DateTimeField()
    consumption = models.FloatField(default=0.0)
    readings = models.PositiveIntegerField(default=0)
    resets = models.PositiveIntegerField(default=0)
    unbooked = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("用量汇总")
        verbose_name_plural = _("用量汇总")
        constraints = [
            models.UniqueConstraint(fields=["device", "period", "start"], name="rollup_device_period_start")
        ]


class IngestSource(models.TextChoices):
    HTTP = "http", _("HTTP 批量")
    MQTT = "mqtt", _("MQTT")
    FILE = "file", _("文件上传")


@scoped_by(division="division")
class DeadLetter(models.Model):
    """A message that was not accepted: why, and the raw payload exactly as received."""

    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True, db_index=True)
    source = models.CharField(_("来源"), max_length=8, choices=IngestSource.choices)
    device_code = models.CharField(_("设备编号"), max_length=64, blank=True)
    device = models.ForeignKey(
        Device, verbose_name=_("设备"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=32, db_index=True)
    detail = models.TextField(_("说明"), blank=True)
    payload = models.TextField(_("原始数据"), blank=True)

    class Meta:
        verbose_name = _("死信")
        verbose_name_plural = _("死信")
        ordering = ["-received_at", "-id"]


class Severity(models.TextChoices):
    WARNING = "warning", _("预警")
    CRITICAL = "critical", _("告警")
    DATA_QUALITY = "data_quality", _("数据质量")


class AlertState(models.TextChoices):
    NEW = "new", _("新预警")
    ACKNOWLEDGED = "acknowledged", _("已确认收到")
    INVESTIGATING = "investigating", _("核查中")
    CONFIRMED = "confirmed", _("属实")
    FALSE_ALARM = "false_alarm", _("误报")
    CLOSED = "closed", _("已关闭")


class DeadlineNotice(models.TextChoices):
    NEARING = "nearing", _("期限将至")
    PASSED = "passed", _("已超期")


# 预警 → 核查 → 处置: the workflow's allowed moves.
TRANSITIONS: dict[str, frozenset[str]] = {
    AlertState.NEW: frozenset({AlertState.ACKNOWLEDGED, AlertState.FALSE_ALARM}),
    AlertState.ACKNOWLEDGED: frozenset({AlertState.INVESTIGATING, AlertState.FALSE_ALARM}),
    AlertState.INVESTIGATING: frozenset({AlertState.CONFIRMED, AlertState.FALSE_ALARM}),
    AlertState.CONFIRMED: frozenset({AlertState.CLOSED}),
    AlertState.FALSE_ALARM: frozenset({AlertState.CLOSED}),
    AlertState.CLOSED: frozenset(),
}
TERMINAL_STATES = frozenset({AlertState.CLOSED, AlertState.FALSE_ALARM})


@scoped_by(division="division", writers={"transition": REGULATORS, "assign": REGULATORS})
class Alert(models.Model):
    """An early warning (预警) raised by a rule, assigned to the county that owns the site.

    A standing condition is one alert: while ``active`` there is at most one row per (rule, device,
    subject), and each new observation updates it. ``active`` ends when the condition has not been
    seen for the clear time or when the alert is closed or marked a false alarm.
    """

    rule_code = models.CharField(_("规则"), max_length=16, db_index=True)
    severity = models.CharField(_("级别"), max_length=16, choices=Severity.choices)
    state = models.CharField(_("状态"), max_length=16, choices=AlertState.choices, default=AlertState.NEW)
    active = models.BooleanField(_("持续中"), default=True)
    device = models.ForeignKey(Device, verbose_name=_("设备"), on_delete=models.PROTECT, related_name="alerts")
    site = models.ForeignKey(
        "registry.Site", verbose_name=_("经营场所"), on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("负责区划"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    subject = models.CharField(_("对象"), max_length=64, blank=True, default="")
    message = models.CharField(_("说明"), max_length=255)
    evidence = models.JSONField(_("证据"), default=dict)
    occurrences = models.PositiveIntegerField(_("触发次数"), default=1)
    opened_at = models.DateTimeField(_("产生时间"))
    last_seen_at = models.DateTimeField(_("最近触发"))
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    # When the rule last ran on the clock with its full window and did not find the condition
    # (since its last finding): only such an alert may clear; one whose rule did not run stays.
    absent_since = models.DateTimeField(_("复核未见时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("最近提醒"), null=True, blank=True)
    reminders = models.PositiveIntegerField(_("提醒次数"), default=0)
    # Follow-up (services.assign_alert, followup.run): who handles it by when, which stage of the
    # deadline the assignee was last told of, and the verification request it led to.
    assignee = models.ForeignKey(
        "accounts.User", verbose_name=_("承办人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    deadline_notice = models.CharField(_("期限提醒"), max_length=16, choices=DeadlineNotice.choices, blank=True,
                                       default="")
    verification_request = models.ForeignKey(
        "verification.VerificationRequest", verbose_name=_("报检申请"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("写入时间"), auto_now_add=True, null=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_code", "device", "subject"], condition=models.Q(active=True),
                name="alert_one_standing_condition",
            )
        ]
        indexes = [
            models.Index(fields=["division", "state", "-opened_at"], name="alert_division_state"),
            models.Index(fields=["active", "last_seen_at"], name="alert_active_seen"),
            models.Index(fields=["due_at"], condition=models.Q(assignee__isnull=False, active=True),
                         name="alert_assigned_due"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} {self.device_id} {self.message}"

    def allowed_transitions(self) -> list[str]:
        return sorted(TRANSITIONS[self.state])


@scoped_by(shared=True, writers={"change": (Role.CITY_REGULATOR,)})
class RuleThreshold(models.Model):
    """One version of one rule's thresholds; the highest version of a rule is the one in force.

    Version 1 of each rule is loaded from rules/…/rules.json (the cited defaults); every edit by the
    city regulator adds a version and an audit row, so an alert's evidence names the version used.
    """

    rule_code = models.CharField(_("规则"), max_length=16)
    version = models.PositiveIntegerField(_("版本"))
    params = models.JSONField(_("阈值"))
    enabled = models.BooleanField(_("启用"), default=True)
    source = models.TextField(_("依据"), blank=True)
    note = models.CharField(_("修改说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("生效时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("修改人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("预警规则阈值")
        verbose_name_plural = _("预警规则阈值")
        ordering = ["rule_code", "-version"]
        constraints = [models.UniqueConstraint(fields=["rule_code", "version"], name="threshold_rule_version")]

    def __str__(self) -> str:
        return f"{self.rule_code} v{self.version}"


@scoped_by(shared=True)
class ClockTurn(models.Model):
    """When the rule clock last turned: the next turn evaluates the sites that sent since then, so a
    replay (`jiliang monitor tick --at T` every hour) sees the hour's data and not its last minute."""

    name = models.CharField(_("时钟"), max_length=32, primary_key=True)
    at = models.DateTimeField(_("最近运行时间"))

    class Meta:
        verbose_name = _("规则时钟")
        verbose_name_plural = _("规则时钟")

    def __str__(self) -> str:
        return f"{self.name} @ {self.at.isoformat()}"
