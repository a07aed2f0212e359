"""Which fields of a presented DCC document differ from the document the platform makes for the same
certificate, named as the Chinese certificate form names them (证书编号, 出厂编号, 检定点 2 示值 …).

Pure (lxml only): both trees are walked in step; where an element's name, attributes, text or number
of children differ, the difference is named by the nearest element whose meaning is known, read from
the platform's own tree (a forger's labels are never trusted)."""

from __future__ import annotations

from lxml import etree

DCC = "https://ptb.de/dcc"
ANYWHERE = "证书内容"

# Elements named by their local name wherever they stand.
NAMES = {
    "uniqueIdentifier": "证书编号",
    "beginPerformanceDate": "检定日期",
    "endPerformanceDate": "检定日期",
    "performanceLocation": "检定地点",
    "calibrationLaboratoryCode": "计量授权证书号",
    "calibrationLaboratory": "检定机构",
    "customer": "送检单位",
    "convention": "判定规则",
    "declaration": "检定结论",
    "conformity": "检定结论",
    "date": "有效期至",
    "valid": "有效期至",
    "norm": "检定依据",
    "usedMethod": "检定依据",
    "measuringEquipments": "使用的计量标准",
    "influenceCondition": "环境条件",
    "results": "检定结果",
    "document": "透明日志存证记录",
    "dccSoftware": "生成软件",
    "coreData": "证书基本信息",
    "items": "计量器具",
}
# Parts of the instrument (dcc:item), named by their local name.
ITEM_PARTS = {"name": "计量器具名称", "description": "准确度等级和测量范围", "manufacturer": "制造单位",
              "model": "型号规格"}


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _zh_name(element) -> str:
    return (element.findtext(f"{{{DCC}}}name/{{{DCC}}}content[@lang='zh']") or "").strip()


def label(element) -> str:
    """The Chinese name of what ``element`` (of the platform's tree) states."""
    chain = [element, *element.iterancestors()]
    for position, node in enumerate(chain):
        name = _local(node)
        parent = chain[position + 1] if position + 1 < len(chain) else None
        if parent is not None and _local(parent) == "item" and name in ITEM_PARTS:
            return ITEM_PARTS[name]
        if name == "identification":
            return _within_equipment(chain, _zh_name(node) or ANYWHERE)
        if name == "respPerson":
            return node.findtext(f"{{{DCC}}}role") or "签字人员"
        if name == "quantity":
            point = next((a for a in chain if _local(a) == "list"), None)
            return f"{_zh_name(point)} · {_zh_name(node)}" if point is not None else _zh_name(node) or ANYWHERE
        if name == "list":
            return _zh_name(node) or ANYWHERE
        if name == "measuringEquipment":
            return f"使用的计量标准（{_zh_name(node)}）"
        if name in NAMES:
            return NAMES[name]
    return ANYWHERE


def _within_equipment(chain, what: str) -> str:
    equipment = next((a for a in chain if _local(a) == "measuringEquipment"), None)
    return f"使用的计量标准（{_zh_name(equipment)}）{what}" if equipment is not None else what


def _children(element) -> list:
    return [child for child in element if isinstance(child.tag, str)]


def _same_node(expected, found) -> bool:
    return (expected.tag == found.tag and dict(expected.attrib) == dict(found.attrib)
            and (expected.text or "").strip() == (found.text or "").strip())


def _walk(expected, found, out: list[str]) -> None:
    if not _same_node(expected, found):
        out.append(label(expected))
        return
    mine, theirs = _children(expected), _children(found)
    if len(mine) != len(theirs):
        out.append(label(expected))
        return
    for a, b in zip(mine, theirs, strict=True):
        _walk(a, b, out)


def differences(expected, found) -> list[str]:
    """The names of the fields in which ``found`` differs from ``expected`` (both parsed DCC roots),
    each once, in document order; empty when the two state the same."""
    out: list[str] = []
    _walk(expected, found, out)
    return list(dict.fromkeys(out))
