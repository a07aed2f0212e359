"""Typed device profiles: the attributes each device kind's rules read, with type and unit.

`Device.attributes` is a JSON object; before this module a rule met a wrong type or a missing value
by quietly skipping the device (``accuracy_class`` as the number 1 instead of "1" switched CP-01
off). Now every attribute is declared here per kind, checked at registration and on change (an
error per field, in Chinese, naming it), and the device page lists the rules that lack an input.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.monitoring.models import DeviceKind
from jiliang.monitoring.rules import types as rt
from jiliang.monitoring.rules.registry import RULES


@dataclass(frozen=True)
class Attribute:
    name: str
    type: str  # number (positive), text, date (ISO), flag, hours ([open, close) local hours)
    unit: str
    label: object  # lazy Chinese label


_NUMBER, _TEXT, _DATE, _FLAG, _HOURS = "number", "text", "date", "flag", "hours"
_REPORT = Attribute("report_interval_s", _NUMBER, "s", gettext_lazy("上报间隔（心跳或定时上报，秒）"))
_VERIFIED = Attribute("last_verified", _DATE, "", gettext_lazy("最近检定日期"))
_VALID = Attribute("valid_until", _DATE, "", gettext_lazy("检定有效期至"))
_INSTALLED = Attribute("installed_on", _DATE, "", gettext_lazy("安装日期"))
_CLASS = Attribute("accuracy_class", _TEXT, "", gettext_lazy("准确度等级（文本，如 \"1\"、\"0.5S\"）"))
_PRODUCT = Attribute("product", _TEXT, "", gettext_lazy("油品"))
_HOURS_ATTR = Attribute("opening_hours", _HOURS, "h", gettext_lazy("营业时间（本地小时 [开门, 关门)）"))

ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {
    DeviceKind.NOZZLE: (
        _PRODUCT, _REPORT, _HOURS_ATTR, _VERIFIED, _VALID,
        Attribute("qmax", _NUMBER, "L/min", gettext_lazy("最大流量（升/分钟）")),
        Attribute("qmin", _NUMBER, "L/min", gettext_lazy("最小流量（升/分钟）")),
        Attribute("verified_k_factor", _NUMBER, "pulses/L", gettext_lazy("检定时记录的脉冲当量（脉冲/升）")),
    ),
    DeviceKind.TANK_GAUGE: (
        _PRODUCT, _REPORT,
        Attribute("density_20_kg_m3", _NUMBER, "kg/m³", gettext_lazy("20 ℃ 标准密度（千克/立方米）")),
    ),
    DeviceKind.METER: (
        _REPORT, _HOURS_ATTR, _CLASS, _INSTALLED, _VERIFIED, _VALID,
        Attribute("qmax", _NUMBER, "m³/h | kW", gettext_lazy("最大流量或功率（立方米/小时或千瓦）")),
        Attribute("register_resolution", _NUMBER, "m³ | kWh", gettext_lazy("示数分辨力")),
        Attribute("account_active", _FLAG, "", gettext_lazy("用户账户在用")),
        Attribute("role", _TEXT, "", gettext_lazy("用途（充电站总表填 charger_main_meter）")),
    ),
    DeviceKind.CHARGER: (
        _REPORT, _CLASS, _VERIFIED, _VALID,
        Attribute("rated_power_kw", _NUMBER, "kW", gettext_lazy("额定功率（千瓦）")),
    ),
    DeviceKind.GATEWAY: (),
}

# What each rule reads from a device's profile, and which profile field holds it: a device of the
# rule's kind that lacks one is listed on its page instead of being skipped without a word.
RULE_INPUTS: dict[str, tuple[tuple[str, ...], ...]] = {
    # each entry: alternatives (any one of them suffices)
    "FD-02": (("verified_k_factor",),),
    "FD-04": (("qmax",), ("qmin",)),
    "FD-07": (("density_20_kg_m3",),),
    "FD-08": (("density_20_kg_m3",),),
    "FD-10": (("last_verified", "valid_until"),),
    "FD-12": (("report_interval", "learned_interval"),),
    "MT-06": (("qmax",),),
    "MT-09": (("report_interval", "learned_interval"),),
    "MT-10": (("installed_on",),),
    "CP-01": (("accuracy_class",),),
    "CP-04": (("rated_power_kw",),),
    "CP-08": (("last_verified", "valid_until"),),
}
_PROFILE_ATTRIBUTE = {"report_interval": "report_interval_s"}  # profile field -> attribute name


def _type_error(attribute: Attribute, value) -> str | None:
    if attribute.type == _NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _("须为数值（单位 %(unit)s）。") % {"unit": attribute.unit}
        if not math.isfinite(value) or value <= 0:
            return _("须为大于零的数值（单位 %(unit)s）。") % {"unit": attribute.unit}
    elif attribute.type == _TEXT:
        if not isinstance(value, str) or not value.strip():
            return _("须为文本，例如 \"1\"，而不是数字 1。") if isinstance(value, (int, float)) else _("须为非空文本。")
    elif attribute.type == _DATE:
        try:
            dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return _("须为日期，格式 YYYY-MM-DD。")
    elif attribute.type == _FLAG:
        if not isinstance(value, bool):
            return _("须为 true 或 false。")
    elif attribute.type == _HOURS:
        if (not isinstance(value, list) or len(value) != 2 or any(isinstance(h, bool) or not isinstance(h, int) for h in value)
                or not all(0 <= h <= 24 for h in value) or value[0] == value[1]):
            return _("须为两个 0–24 的整数小时 [开门, 关门]，例如 [6, 22]。")
    return None


def attribute_errors(kind: str, attributes) -> dict[str, list[str]]:
    """Every wrong attribute of a device of ``kind``, keyed ``attributes.NAME``: unknown names (a typo
    would otherwise switch a rule off) and values of the wrong type or unit."""
    if not isinstance(attributes, dict):
        return {"attributes": [_("须为对象（属性名: 值）。")]}
    declared = {a.name: a for a in ATTRIBUTES.get(kind, ())}
    errors: dict[str, list[str]] = {}
    for name, value in attributes.items():
        attribute = declared.get(name)
        if attribute is None:
            known = "、".join(declared) or _("无")
            errors[f"attributes.{name}"] = [_("该类设备没有此属性；可用属性：%(known)s。") % {"known": known}]
        elif value is not None and (message := _type_error(attribute, value)):
            errors[f"attributes.{name}"] = [f"{attribute.label}：{message}"]
    return errors


def missing_inputs(kind: str, profile: rt.DeviceProfile) -> list[tuple[str, str, list[str]]]:
    """(rule code, rule description, labels of the missing attributes) of each rule of the device's
    kind that cannot judge the device, or only part of it, for want of a profile value."""
    labels = {a.name: a.label for a in ATTRIBUTES.get(kind, ())}
    missing = []
    for code, needs in RULE_INPUTS.items():
        spec = RULES[code]
        if profile.kind not in spec.device_kinds or (code in {"FD-07", "FD-08"} and profile.kind != rt.DeviceKind.TANK):
            continue
        lacking = [alternatives[0] for alternatives in needs
                   if all(getattr(profile, field) is None for field in alternatives)]
        if lacking:
            names = [str(labels[_PROFILE_ATTRIBUTE.get(field, field)]) for field in lacking]
            missing.append((code, spec.description_zh, names))
    return missing


def device_missing_inputs(device) -> list[tuple[str, str, list[str]]]:
    """``missing_inputs`` of a stored device (gateways have no rules), its profile as the engine builds it."""
    from jiliang.monitoring import engine  # the engine imports the models this module's callers load first

    profile = engine.device_profile(device.pk)
    return missing_inputs(device.kind, profile) if profile is not None else []
