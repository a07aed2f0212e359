"""Which fields of a presented DCC document differ from the document the platform makes for the same
certificate, named as the Chinese certificate form names them (证书编号, 出厂编号, 检定点 2 示值 …).

Pure (lxml only): both trees are walked in step; where an element's name, attributes, text or number
of children differ, the difference is named by the nearest element whose meaning is known, read from
the platform's own tree (a forger's labels are never trusted). The labels are gettext msgids: the
caller hands in its ``gettext`` (``_``), so this module stays free of Django."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

Translate = Callable[[str], str]


def gettext_noop(text: str) -> str:
    """Marks a label for makemessages; it is translated where it is used, by the caller's gettext
    (this identity is also the default ``_``: the Chinese msgid itself)."""
    return text


DCC = "https://ptb.de/dcc"
ANYWHERE = gettext_noop("证书内容")

# Elements named by their local name wherever they stand.
NAMES = {
    "uniqueIdentifier": gettext_noop("证书编号"),
    "beginPerformanceDate": gettext_noop("检定日期"),
    "endPerformanceDate": gettext_noop("检定日期"),
    "performanceLocation": gettext_noop("检定地点"),
    "calibrationLaboratoryCode": gettext_noop("计量授权证书号"),
    "calibrationLaboratory": gettext_noop("检定机构"),
    "customer": gettext_noop("送检单位"),
    "convention": gettext_noop("判定规则"),
    "declaration": gettext_noop("检定结论"),
    "conformity": gettext_noop("检定结论"),
    "date": gettext_noop("有效期至"),
    "valid": gettext_noop("有效期至"),
    "norm": gettext_noop("检定依据"),
    "usedMethod": gettext_noop("检定依据"),
    "measuringEquipments": gettext_noop("使用的计量标准"),
    "influenceCondition": gettext_noop("环境条件"),
    "results": gettext_noop("检定结果"),
    "document": gettext_noop("透明日志存证记录"),
    "dccSoftware": gettext_noop("生成软件"),
    "coreData": gettext_noop("证书基本信息"),
    "items": gettext_noop("计量器具"),
}
# Parts of the instrument (dcc:item), named by their local name.
ITEM_PARTS = {"name": gettext_noop("计量器具名称"), "description": gettext_noop("准确度等级和测量范围"),
              "manufacturer": gettext_noop("制造单位"), "model": gettext_noop("型号规格")}


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _zh_name(element) -> str:
    return (element.findtext(f"{{{DCC}}}name/{{{DCC}}}content[@lang='zh']") or "").strip()


def label(element, _: Translate = gettext_noop) -> str:
    """The name of what ``element`` (of the platform's tree) states, through ``_``."""
    chain = [element, *element.iterancestors()]
    for position, node in enumerate(chain):
        name = _local(node)
        parent = chain[position + 1] if position + 1 < len(chain) else None
        if parent is not None and _local(parent) == "item" and name in ITEM_PARTS:
            return _(ITEM_PARTS[name])
        if name == "identification":
            return _within_equipment(chain, _zh_name(node) or _(ANYWHERE), _)
        if name == "respPerson":
            return node.findtext(f"{{{DCC}}}role") or _("签字人员")
        if name == "quantity":
            point = next((a for a in chain if _local(a) == "list"), None)
            return f"{_zh_name(point)} · {_zh_name(node)}" if point is not None else _zh_name(node) or _(ANYWHERE)
        if name == "list":
            return _zh_name(node) or _(ANYWHERE)
        if name == "measuringEquipment":
            return _("使用的计量标准（%(name)s）") % {"name": _zh_name(node)}
        if name in NAMES:
            return _(NAMES[name])
    return _(ANYWHERE)


def _within_equipment(chain, what: str, _: Translate) -> str:
    equipment = next((a for a in chain if _local(a) == "measuringEquipment"), None)
    if equipment is None:
        return what
    return _("使用的计量标准（%(name)s）%(what)s") % {"name": _zh_name(equipment), "what": what}


def _children(element) -> list:
    return [child for child in element if isinstance(child.tag, str)]


def _same_node(expected, found) -> bool:
    return (expected.tag == found.tag and dict(expected.attrib) == dict(found.attrib)
            and (expected.text or "").strip() == (found.text or "").strip())


def _walk(expected, found, out: list[str], _: Translate) -> None:
    if not _same_node(expected, found):
        out.append(label(expected, _))
        return
    mine, theirs = _children(expected), _children(found)
    if len(mine) != len(theirs):
        out.append(label(expected, _))
        return
    for a, b in zip(mine, theirs, strict=True):
        _walk(a, b, out, _)


def differences(expected, found, _: Translate = gettext_noop) -> list[str]:
    """The names of the fields in which ``found`` differs from ``expected`` (both parsed DCC roots),
    each once, in document order, through the caller's gettext ``_``; empty when the two state the same."""
    out: list[str] = []
    _walk(expected, found, out, _)
    return list(dict.fromkeys(out))
