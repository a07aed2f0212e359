"""An alert's evidence as a table a regulator reads: each key with its Chinese label and unit, times
in Beijing time, event and parameter codes in words, nested records (the fill, the event) as
labelled groups. A key without a label is still shown, under its own name, so nothing the rule
recorded is hidden; units follow the key's suffix (``_s`` seconds, ``_l`` litres, ...) unless the
key or the rule says otherwise."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# key -> (label, unit); the unit "" means none, None means "from the key's suffix".
LABELS: dict[str, tuple[str, str | None]] = {
    "rulebook_version": (_("规则库版本"), ""),
    "finding_time": (_("判定时间"), ""),
    "finding_times": (_("历次判定时间"), ""),
    "computation": (_("计算过程"), ""),
    "transaction": (_("加油交易"), ""),
    "change": (_("参数变更"), ""),
    "event": (_("设备事件"), ""),
    "session": (_("充电会话"), ""),
    "reading": (_("读数"), ""),
    "reconciliation": (_("对账"), ""),
    "device_id": (_("设备编号"), ""),
    "tank_id": (_("油罐编号"), ""),
    "site_id": (_("场所编号"), ""),
    "session_id": (_("会话编号"), ""),
    "sequence": (_("报文序号"), ""),
    "time": (_("时间"), ""),
    "device_clock": (_("设备时钟"), ""),
    "code": (_("事件"), ""),
    "watched_codes": (_("关注的事件"), ""),
    "parameter": (_("参数"), ""),
    "old_value": (_("原值"), ""),
    "new_value": (_("新值"), ""),
    "work_order_searched_from": (_("检索工单起"), ""),
    "work_order_searched_to": (_("检索工单止"), ""),
    "work_orders": (_("工单"), ""),
    "duration_s": (_("加油时长"), None),
    "volume_l": (_("加油量"), None),
    "reported_volume_l": (_("上报加油量"), None),
    "pulses": (_("脉冲数"), ""),
    "k_factor": (_("K系数"), _("脉冲/L")),
    "meter_factor": (_("仪表系数"), ""),
    "pulse_volume_l": (_("脉冲折算体积"), None),
    "unit_price": (_("单价"), _("元/L")),
    "amount": (_("金额"), _("元")),
    "expected_amount": (_("应收金额"), _("元")),
    "difference": (_("差额"), _("元")),
    "tolerance": (_("允许偏差"), ""),
    "totaliser_start_l": (_("累计数（起）"), None),
    "totaliser_end_l": (_("累计数（止）"), None),
    "totaliser_advance_l": (_("累计数增量"), None),
    "fuel_temperature_c": (_("油温"), None),
    "flow_l_per_min": (_("流量"), None),
    "average_flow_l_per_min": (_("平均流量"), None),
    "qmax": (_("最大流量"), _("L/min")),
    "qmin": (_("最小流量"), _("L/min")),
    "qmax_limit": (_("最大流量上限"), _("L/min")),
    "direction": (_("偏离方向"), ""),
    "check": (_("检查项"), ""),
    "minimum_c": (_("下限"), None),
    "maximum_c": (_("上限"), None),
    "jump_c": (_("温度跳变"), None),
    "limit_c": (_("温度限值"), None),
    "last_seen": (_("最后通信时间"), ""),
    "silence_s": (_("静默时长"), None),
    "warning_silence_s": (_("预警静默时长"), None),
    "critical_silence_s": (_("严重静默时长"), None),
    "opening_hours": (_("营业时间"), ""),
    "report_interval_s": (_("上报间隔"), None),
    "configured_interval_s": (_("设定上报间隔"), None),
    "learned_interval_s": (_("学习所得上报间隔"), None),
    "minimum_silence_s": (_("最短静默时长"), None),
    "counted_silence_s": (_("计入的静默时长（营业时间内、节假日除外）"), None),
    "missed_reports": (_("漏报次数"), _("次")),
    "battery_low_reports": (_("电池欠压上报次数"), _("次")),
    "required_reports": (_("所需欠压上报次数"), _("次")),
    "limit": (_("限值"), ""),
    "warning_limit": (_("预警限值"), ""),
    "critical_limit": (_("严重限值"), ""),
    "due": (_("到期日"), ""),
    "today": (_("判定日"), ""),
    "days_past_due": (_("逾期"), _("天")),
    "installed_on": (_("安装日期"), ""),
    "service_life_years": (_("使用年限"), _("年")),
    "offset_s": (_("时钟偏差"), None),
    "tolerance_s": (_("允许偏差"), None),
    "tolerance_l": (_("允许偏差"), None),
    "discrepancy_l": (_("差异量"), None),
    "dispensed_l": (_("付油量"), None),
    "deliveries_l": (_("卸油量"), None),
    "opening_l": (_("期初库存"), None),
    "book_close_l": (_("账面期末库存"), None),
    "measured_close_l": (_("实测期末库存"), None),
    "variance_l": (_("差异量"), None),
    "variance_share_of_throughput": (_("差异占付油量比例"), ""),
    "largest_gap_l": (_("最大缺口"), None),
    "energy_kwh": (_("电量"), None),
    "sessions_kwh": (_("充电会话电量合计"), None),
    "main_meter_kwh": (_("总表电量"), None),
    "main_meter_from": (_("总表读数起"), ""),
    "main_meter_to": (_("总表读数止"), ""),
    "still_charging_kwh": (_("仍在充电电量"), None),
    "decrease_kwh": (_("读数回退"), None),
    "limit_kwh": (_("电量限值"), None),
    "rated_power_kw": (_("额定功率"), None),
    "mpe": (_("最大允许误差"), ""),
    "relative_error": (_("相对误差"), ""),
    "ratio": (_("比值"), ""),
    "product": (_("油品"), ""),
    "since": (_("起始时间"), ""),
    "opened_at": (_("开始时间"), ""),
    "closed_at": (_("结束时间"), ""),
    "days": (_("天数"), _("天")),
    "hours": (_("小时数"), _("小时")),
    "gap_s": (_("间隔"), None),
}

# Units that differ by rule family (household meters measure flow in m³/h).
RULE_UNITS: dict[str, dict[str, str]] = {
    "MT": {"qmax": "m³/h", "qmin": "m³/h"},
}

SUFFIX_UNITS = (("_l_per_min", "L/min"), ("_kwh", "kWh"), ("_kw", "kW"), ("_s", _("秒")), ("_l", "L"),
                ("_c", "℃"), ("_years", _("年")))

VALUE_LABELS: dict[str, dict[str, str]] = {
    "code": {
        "seal_broken": _("铅封破坏"), "cover_open": _("开盖"), "door_open": _("机门打开"),
        "magnetic_field": _("磁场干扰"), "valve_forced": _("阀门被强制"), "battery_low": _("电池电量低"),
        "valve_fault": _("阀门故障"), "firmware_update": _("固件升级"),
    },
    "parameter": {"k_factor": _("K系数"), "unit_price": _("单价"), "meter_factor": _("仪表系数")},
    "direction": {"high": _("偏高"), "low": _("偏低")},
    "check": {"fuel_temperature": _("油温范围"), "tank_temperature_jump": _("油罐温度跳变")},
}
VALUE_LABELS["watched_codes"] = VALUE_LABELS["code"]

_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})")
LONG_LIST = 6  # longer lists of times show their count, first and last


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    unit: str
    depth: int  # 0 for a top-level key, 1 inside a group, ...
    group: bool = False  # the heading of a nested record; its keys follow one level deeper


def rows(rule_code: str, evidence: Mapping) -> list[Row]:
    """The evidence of an alert of ``rule_code`` as labelled rows, in the rule's order."""
    units = RULE_UNITS.get(rule_code.split("-", 1)[0], {})
    return list(_rows(evidence, units, 0))


def _rows(values: Mapping, units: dict[str, str], depth: int) -> Iterable[Row]:
    for key, value in values.items():
        label = str(LABELS.get(key, (key, None))[0])
        if isinstance(value, Mapping):
            yield Row(label, "", "", depth, group=True)
            yield from _rows(value, units, depth + 1)
        else:
            yield Row(label, _text(key, value), _unit(key, value, units), depth)


def _unit(key: str, value, units: dict[str, str]) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if key in units:
        return units[key]
    unit = LABELS.get(key, ("", None))[1]
    if unit is None:
        unit = next((str(u) for suffix, u in SUFFIX_UNITS if key.endswith(suffix)), "")
    return str(unit)


def _text(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, list):
        return _list(key, value)
    text = str(value)
    if _INSTANT.fullmatch(text):
        return beijing_time(text)
    return str(VALUE_LABELS.get(key, {}).get(text, text))


def _number(value: int | float) -> str:
    """At most four decimals, thousands grouped from 10,000 on: 61.0278, 704,255.23, 12,537."""
    text = f"{value:,.4f}" if abs(value) >= 10_000 else f"{value:.4f}"
    return text.rstrip("0").rstrip(".")


def _list(key: str, items: list) -> str:
    texts = [_text(key, item) for item in items]
    if len(texts) > LONG_LIST and all(isinstance(item, str) and _INSTANT.fullmatch(item) for item in items):
        return str(_("共 %(count)d 次，最早 %(first)s，最近 %(last)s")) % {
            "count": len(texts), "first": texts[0], "last": texts[-1]}
    return "、".join(texts) if texts else "—"


def beijing_time(instant: str) -> str:
    """An ISO 8601 instant with its offset, in the platform's time zone (Beijing time)."""
    moment = dt.datetime.fromisoformat(instant.replace("Z", "+00:00"))
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
