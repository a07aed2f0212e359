"""The rule registry: code → function, the device kinds and window fields it reads, descriptions.

The Django side asks `rules_for_kind(kind)` which rules to run for a device kind, loads a Window
of at least `spec.window_length(rulebook)` for the device's site, and calls `evaluate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Mapping

from jiliang.monitoring.rules import chargers, fuel, meters
from jiliang.monitoring.rules.thresholds import RuleBook
from jiliang.monitoring.rules.types import DeviceKind, Finding, Window

RuleFunction = Callable[[Window, Any], list[Finding]]


@dataclass(frozen=True)
class RuleSpec:
    code: str
    function: RuleFunction
    device_kinds: tuple[DeviceKind, ...]  # whose findings it raises and whose data it reads
    inputs: tuple[str, ...]  # Window fields it reads ("profiles" when it needs ratings, "daily_use" the daily rollups)
    lookback: timedelta | str  # fixed length, or the name of the threshold that sets it
    time_driven: bool  # can fire with no new data (silence, due dates): evaluate on a clock, not only on arrival
    description_zh: str
    description_en: str
    # Whether a device's findings depend on other devices of the site (a tank and its nozzles,
    # sibling nozzles, a station meter and its chargers): then the rule needs the whole site's
    # window; the others look at one device at a time, and on arrival get only the devices that sent.
    site_wide: bool = False
    # Data the rule needs around its lookback to judge it: a measured day of the daily rollups needs
    # the day before it reported, and the day in progress is never measured, so a rule over N
    # measured days reads N + 2 days (without them, MT-01 saw at most 13 of its 14 days on the clock).
    context: timedelta = timedelta(0)

    def window_length(self, rulebook: RuleBook) -> timedelta:
        if isinstance(self.lookback, timedelta):
            return self.lookback + self.context
        return getattr(rulebook.for_rule(self.code), self.lookback) + self.context

    def evaluate(self, window: Window, rulebook: RuleBook) -> list[Finding]:
        return self.function(window, rulebook.for_rule(self.code))


HOUR = timedelta(hours=1)
DAY = 24 * HOUR
# Rules on silence and due dates need only `now`, the profiles and Window.last_seen.
NOW_ONLY = timedelta(0)
MEASURED_DAY_CONTEXT = 2 * DAY  # the day before the first measured day, and today's unfinished one
_SPECS = (
    RuleSpec("FD-01", fuel.parameter_change_without_work_order, (DeviceKind.NOZZLE,), ("parameter_changes", "work_orders"),
             2 * DAY, False, "未经检定工单修改脉冲当量/校准系数", "Pulse equivalent or calibration coefficient changed without a verification work order"),
    RuleSpec("FD-02", fuel.pulse_volume_mismatch, (DeviceKind.NOZZLE,), ("transactions",),
             "lock_period", False, "脉冲折算体积与显示体积不符", "Volume from encoder pulses differs from displayed volume"),
    RuleSpec("FD-03", fuel.component_identity_change, (DeviceKind.NOZZLE,), ("component_identities", "transactions", "work_orders"),
             7 * DAY, False, "主板/编码器/流量计/软件标识变更未经初始化", "Main board, encoder, flow transducer or software identity changed without initialisation"),
    RuleSpec("FD-04", fuel.implausible_flow_rate, (DeviceKind.NOZZLE,), ("transactions", "profiles"),
             DAY, False, "加油流速不合理", "Implausible implied flow rate"),
    RuleSpec("FD-05", fuel.totaliser_discontinuity, (DeviceKind.NOZZLE,), ("transactions",),
             DAY, False, "电子累计数与交易记录不连续", "Electronic totaliser does not match the reported fills"),
    RuleSpec("FD-06", fuel.amount_mismatch, (DeviceKind.NOZZLE,), ("transactions",),
             DAY, False, "金额与单价×体积不符", "Amount differs from unit price × volume"),
    RuleSpec("FD-07", fuel.tank_variance, (DeviceKind.TANK, DeviceKind.NOZZLE), ("tank_readings", "tank_deliveries", "transactions", "profiles"),
             "period", False, "油罐20 °C累计损溢超限", "Tank cumulative variance at 20 °C beyond limits", site_wide=True),
    RuleSpec("FD-08", fuel.meter_factor_drift, (DeviceKind.NOZZLE, DeviceKind.TANK), ("tank_readings", "tank_deliveries", "transactions", "profiles"),
             "minimum_span", False, "单枪计量系数回归偏离", "Per-nozzle meter factor from tank regression out of range", site_wide=True),
    RuleSpec("FD-09", fuel.sibling_nozzle_outlier, (DeviceKind.NOZZLE,), ("transactions", "profiles"),
             "period", False, "同站同油品加油枪流速离群", "Nozzle flow rate is an outlier among sibling nozzles", site_wide=True),
    RuleSpec("FD-10", fuel.dispenser_verification_overdue, (DeviceKind.NOZZLE,), ("profiles",),
             NOW_ONLY, True, "加油机超期未检", "Fuel dispenser overdue for verification"),
    RuleSpec("FD-11", fuel.seal_event, (DeviceKind.NOZZLE,), ("events", "profiles"),
             DAY, False, "铅封/机盖/机门开启事件", "Seal, cover or door event"),
    RuleSpec("FD-12", fuel.dispenser_communication_loss, (DeviceKind.NOZZLE,), ("heartbeats", "transactions", "profiles"),
             NOW_ONLY, True, "加油机通信中断", "Dispenser communication loss"),
    RuleSpec("FD-13", fuel.implausible_fuel_data, (DeviceKind.NOZZLE, DeviceKind.TANK), ("transactions", "tank_readings", "tank_deliveries"),
             DAY, False, "油温数据不合理", "Implausible fuel or tank temperature data"),
    RuleSpec("MT-01", meters.zero_use_with_occupancy, (DeviceKind.METER,), ("daily_use", "profiles"),
             "zero_days", False, "有人居住但零用量", "Zero consumption while the premises is occupied", context=MEASURED_DAY_CONTEXT),
    RuleSpec("MT-02", meters.register_decrease, (DeviceKind.METER,), ("meter_readings", "work_orders", "profiles"),
             "repeat_period", False, "示数倒走/反向计量", "Register decrease or reverse flow without a replacement record"),
    RuleSpec("MT-03", meters.tamper_event, (DeviceKind.METER,), ("events", "profiles"),
             DAY, False, "强磁/开盖/阀门强制事件", "Magnetic field, cover open or forced valve event"),
    RuleSpec("MT-04", meters.meter_clock_drift, (DeviceKind.METER,), ("heartbeats", "profiles"),
             DAY, False, "表计时钟偏差", "Meter clock drift"),
    RuleSpec("MT-05", meters.continuous_flow, (DeviceKind.METER,), ("meter_readings", "work_orders", "profiles"),
             4 * DAY, False, "持续流量（疑似泄漏）", "Continuous flow (suspected leak)"),
    RuleSpec("MT-06", meters.over_range, (DeviceKind.METER,), ("meter_readings", "work_orders", "profiles"),
             DAY, False, "超量程/不可能的用量", "Over-range flow or physically impossible consumption"),
    RuleSpec("MT-07", meters.consumption_drop, (DeviceKind.METER,), ("daily_use", "profiles"),
             400 * DAY, False, "用量突降（变点）", "Consumption drop found by change-point detection", context=MEASURED_DAY_CONTEXT),
    RuleSpec("MT-08", meters.current_mismatch, (DeviceKind.METER,), ("meter_readings", "profiles"),
             DAY, False, "相线/零线电流不平衡", "Phase/neutral current mismatch"),
    RuleSpec("MT-09", meters.meter_communication_loss, (DeviceKind.METER,), ("meter_readings", "heartbeats", "profiles"),
             NOW_ONLY, True, "表计通信中断", "Meter communication loss"),
    RuleSpec("MT-10", meters.service_life_overdue, (DeviceKind.METER,), ("profiles",),
             NOW_ONLY, True, "表计超期服役/超期未检", "Meter beyond its service life or verification period"),
    RuleSpec("MT-11", meters.meter_status_flag, (DeviceKind.METER,), ("events", "profiles"),
             DAY, False, "电池欠压/阀门故障", "Battery low or valve fault"),
    RuleSpec("CP-01", chargers.billed_energy_mismatch, (DeviceKind.CHARGER,), ("charger_sessions", "profiles"),
             "repeat_period", False, "结算电量与计量模块不符", "Billed energy differs from the metering module"),
    RuleSpec("CP-02", chargers.billing_mismatch, (DeviceKind.CHARGER,), ("charger_sessions", "profiles"),
             DAY, False, "充电金额计算错误", "Charged amount differs from energy × (price + service fee)"),
    RuleSpec("CP-03", chargers.charger_clock_drift, (DeviceKind.CHARGER,), ("heartbeats", "profiles"),
             DAY, False, "充电桩时钟偏差", "Charger clock error"),
    RuleSpec("CP-04", chargers.implausible_session_energy, (DeviceKind.CHARGER,), ("charger_sessions", "profiles"),
             DAY, False, "充电电量超过额定功率可能值", "Session energy above rated power × duration"),
    RuleSpec("CP-05", chargers.station_energy_reconciliation, (DeviceKind.CHARGER, DeviceKind.METER), ("charger_sessions", "charger_meter_values", "meter_readings", "work_orders", "profiles"),
             "period", False, "充电站电量对账异常", "Station sessions do not reconcile with the main meter", site_wide=True),
    RuleSpec("CP-06", chargers.meter_values_stopped, (DeviceKind.CHARGER,), ("charger_meter_values", "charger_sessions", "profiles"),
             3 * HOUR, True, "充电中计量数据中断", "Meter values stopped during a session"),
    RuleSpec("CP-07", chargers.register_reset, (DeviceKind.CHARGER,), ("charger_meter_values", "events", "profiles"),
             DAY, False, "电能示值回退且无固件升级", "Energy register went back without a firmware update"),
    RuleSpec("CP-08", chargers.charger_verification_overdue, (DeviceKind.CHARGER,), ("profiles",),
             NOW_ONLY, True, "充电桩超期未检", "Charger overdue for verification"),
)

RULES: Mapping[str, RuleSpec] = {spec.code: spec for spec in _SPECS}


def rules_for_kind(kind: DeviceKind | str) -> list[RuleSpec]:
    return [spec for spec in _SPECS if kind in spec.device_kinds]


def evaluate_all(window: Window, rulebook: RuleBook, specs: list[RuleSpec] | None = None) -> list[Finding]:
    """Every (or every given) rule over one window, findings in rule order."""
    return [f for spec in (specs if specs is not None else _SPECS) for f in spec.evaluate(window, rulebook)]
