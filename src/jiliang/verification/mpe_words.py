"""Chinese names for the English research wording of the MPE reference rows (data/mpe.csv): the
test-point names (检定项目), their conditions, the verification kinds and unretrieved clauses.
Pure logic, no Django. The stored text stays as researched (the admin reads it with its source);
pages show these names. A text this table does not know is shown as it is stored."""

import re

QUANTITIES = {
    "volume indication error": "体积示值误差",
    "volume": "体积示值误差",
    "repeatability": "重复性",
    "mass": "称量示值误差",
    "error at minimum measured quantity": "最小被测量示值误差",
    "flow measurement transducer": "流量测量变换器示值误差",
    "active energy, percentage error": "有功电能百分数误差",
    "operating (energy) error": "工作误差(电能示值)",
    "minimum energy increment": "最小电能增量",
    "clock time error": "时钟示值误差",
    "distance (计程) error": "计程误差",
    # A rule whose table was not retrieved names its instrument instead (mpe_table: quantity or instrument).
    "price-computing scale": "电子计价秤",
}
CONDITIONS = {
    "all flow rates": "全部流量点",
    "Q3, meter in service": "常用流量 Q3，在用水表",
    "as tested at verification": "按检定时的试验条件",
    "display": "显示值",
    "minimum measured quantity": "最小被测量",
    "piles with time-of-use tariff": "分时计费的充电桩",
    "taximeter installed in vehicle": "装车后的出租汽车计价器",
    "lower zone Q1<=Q<Q2, any water temperature": "低区 Q1≤Q<Q2，任意水温",
    "upper zone Q2<=Q<=Q4, water 0.1-30 °C": "高区 Q2≤Q≤Q4，水温 0.1–30 °C",
    "upper zone, water 0.1-30 °C": "高区，水温 0.1–30 °C",
    "upper zone, water > 30 °C": "高区，水温高于 30 °C",
}
APPLIES_TO = {
    "all": "全部",
    "verification": "检定",
    "first verification": "首次检定",
    "subsequent verification": "后续检定",
    "first/subsequent verification": "首次检定和后续检定",
    "in-service": "使用中检查",
    "verification (reference conditions)": "检定(参比条件)",
}
CLAUSES = {"not retrieved": "未查得"}
# The research's confidence in a value; "default" marks an editable default nobody has verified.
CONFIDENCE = {"high": "高", "medium": "中", "low": "低", "unverified": "未核实", "default": "待核实默认值"}
_CONFIDENCE_WORD = re.compile(r"\b(high|medium|low|unverified|default)\b")
UNITS = {"% (max)": "%(最大)", "min (max)": "分钟(最大)", "s (max)": "s(最大)"}

# Electricity-meter conditions are formulas in the regulation's own notation (Ib, In, Imax, PF)
# joined by English words; those words are translated and the notation kept.
_CONDITION_WORDS = [
    ("three-phase meter, single-phase load, balanced voltages", "三相表单相负载、电压平衡"),
    ("CT-connected", "经互感器接入"), ("CT", "经互感器"), ("direct", "直接接入"), (" or ", " 或 "),
]
_WEIGHING_ZONE = re.compile(r"^[\d\s<=em.]+$")  # "500e < m <= 2000e": notation only


def _translated(text: str, table: dict[str, str]) -> str:
    return table.get(text.strip(), text)


def quantity_zh(text: str) -> str:
    return _translated(text, QUANTITIES)


def condition_zh(text: str) -> str:
    if text in CONDITIONS:
        return CONDITIONS[text]
    if _WEIGHING_ZONE.match(text):
        return text.replace("<=", "≤")
    for english, chinese in _CONDITION_WORDS:
        text = text.replace(english, chinese)
    return text.replace("<=", "≤")


def applies_to_zh(text: str) -> str:
    return _translated(text, APPLIES_TO)


def clause_zh(text: str) -> str:
    return _translated(text, CLAUSES) if text in CLAUSES else _clause_reference(text)


def confidence_zh(text: str) -> str:
    """"high (1997) / medium (2016)" -> "高 (1997) / 中 (2016)"; text typed in Chinese stays."""
    text = _CONFIDENCE_WORD.sub(lambda m: CONFIDENCE[m.group(1)], text)
    return text.replace("dates", "日期")


_URL = re.compile(r"https?://\S+")


def source_addresses(text: str) -> list[str]:
    """The web addresses in a researched source; its English remarks stay in the stored text, which
    the edit form shows."""
    return [url.rstrip(";,") for url in _URL.findall(text)]


def unit_zh(text: str) -> str:
    return _translated(text, UNITS)


def _clause_reference(text: str) -> str:
    """"5.1 operating error (JJG 1148-2022 contents list)" -> "5.1": the clause number a reader
    looks up; the research remark stays in the stored text."""
    match = re.match(r"^(?:OIML R[\d-]+:\d{4} )?\d+(?:\.\d+)*", text)
    return match.group(0) if match else text
