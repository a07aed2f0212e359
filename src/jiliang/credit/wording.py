"""The plain-language Chinese explanation of a score: one sentence per event and one for the total."""

from django.utils.translation import gettext as _

from jiliang.credit import scoring, weights
from jiliang.credit.models import EventKind


def _signed(value: float) -> str:
    return _("加 %(points)s 分") % {"points": f"{value:.2f}".rstrip("0").rstrip(".")} if value >= 0 else \
        _("扣 %(points)s 分") % {"points": f"{-value:.2f}".rstrip("0").rstrip(".")}


def line(entry: scoring.Line | None) -> str:
    if entry is None:
        return _("该事项未设分值，不计分。")
    if entry.half_life_days is None:
        return _("该事项%(full)s，不随时间减轻，现%(counted)s。") % {
            "full": _signed(entry.points), "counted": _signed(entry.counted)}
    return _("该事项%(full)s；已过 %(age)s 天，每过 %(half)s 天影响减半，现%(counted)s。") % {
        "full": _signed(entry.points), "age": entry.age_days, "half": entry.half_life_days,
        "counted": _signed(entry.counted)}


def total(score: float, grade: str, lines: list[scoring.Line | None]) -> str:
    scale, weight_table = weights.scale(), weights.in_force()
    kinds = scoring.by_kind([entry for entry in lines if entry is not None], weight_table)
    counted = sum(value for _sum, value in kinds.values())
    text = _("基础分 %(base)s 分，%(count)s 条有效信用记录合计%(sum)s，信用分 %(score)s 分（0 至 100 分），"
             "评为 %(grade)s 类。A 类不低于 %(a)s 分，B 类不低于 %(b)s 分，C 类不低于 %(c)s 分，其余为 D 类。") % {
        "base": f"{scale.base_score:g}", "count": len(lines), "sum": _signed(counted), "score": f"{score:g}",
        "grade": grade, "a": f"{scale.thresholds['A']:g}", "b": f"{scale.thresholds['B']:g}",
        "c": f"{scale.thresholds['C']:g}"}
    for kind, (raw, value) in sorted(kinds.items()):
        if raw != value:
            text += _("其中“%(kind)s”各条合计%(raw)s，超过该类累计上限，按%(value)s计。") % {
                "kind": EventKind(kind).label, "raw": _signed(raw), "value": _signed(value)}
    return text
