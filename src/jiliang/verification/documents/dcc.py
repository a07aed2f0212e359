"""The certificate as a PTB Digital Calibration Certificate (DCC 3.1.2 with D-SI 2.1.0): Chinese as
the mandatory language, English beside it. Pure: ``CertificateContents`` in, XML bytes out, and a
validator against the official schemas shipped in ``schemas/`` (LGPL-3.0, see COPYING.LESSER)."""

from __future__ import annotations

import base64
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree

from .contents import CertificateContents, Party, Point, xml_text

SCHEMA_VERSION = "3.1.2"
DCC = "https://ptb.de/dcc"
SI = "https://ptb.de/si"
NSMAP = {"dcc": DCC, "si": SI}
SCHEMAS = Path(__file__).parent / "schemas"
SI_REMOTE = "https://ptb.de/si/v2.1.0/SI_Format.xsd"
LOG_DOCUMENT_FILE = "log-document.json"
SOFTWARE = ("Jiliang 智慧计量监管服务平台", "0.1.0")

# D-SI unit strings for the units records use; anything else is written as a non-SI unit ("|…").
UNITS = {
    "L": r"\litre", "l": r"\litre", "mL": r"\milli\litre", "m³": r"\metre\tothe{3}", "m3": r"\metre\tothe{3}",
    "kg": r"\kilogram", "g": r"\gram", "mg": r"\milli\gram", "t": r"\tonne",
    "m": r"\metre", "mm": r"\milli\metre", "cm": r"\centi\metre", "km": r"\kilo\metre",
    "Pa": r"\pascal", "kPa": r"\kilo\pascal", "MPa": r"\mega\pascal",
    "℃": r"\degreecelsius", "°C": r"\degreecelsius", "K": r"\kelvin", "%": r"\percent",
    "kWh": r"\kilo\watt\hour", "kW·h": r"\kilo\watt\hour", "W": r"\watt", "V": r"\volt", "A": r"\ampere",
    "s": r"\second", "Hz": r"\hertz", "m³/h": r"\metre\tothe{3}\hour\tothe{-1}", "L/min": r"\litre\minute\tothe{-1}",
}
# The conformity words of the schema: a calibration states none.
CONFORMITY = {"pass": "pass", "fail": "fail"}
DECISION_RULES_EN = {
    "simple_acceptance": "Simple acceptance: the error decides when U <= MPE/3 (JJF 1094)",
    "guarded_acceptance": "Guarded acceptance: the error must lie within the MPE narrowed by U (JJF 1094, ILAC-G8)",
}
KINDS_EN = {"verification": "Verification certificate", "failure_notice": "Notice of verification result (failed)",
            "calibration": "Calibration certificate"}


class DccInvalid(ValueError):
    """A generated document the schema refuses; the message lists each line and reason."""


def si_unit(unit: str) -> str:
    """The D-SI form of a record's unit: ``\\one`` when the record gives none (a count or a ratio)."""
    unit = (unit or "").strip()
    if not unit:
        return r"\one"
    return UNITS.get(unit) or "|" + unit


def number(value: Decimal) -> str:
    """A decimal as D-SI writes it: plain digits, never Python's "1E+1"."""
    text = format(value, "f")
    return text if text not in ("", "-") else "0"


def coverage_probability(k: Decimal) -> str:
    """The probability the records' k stands for under a normal distribution (JJF 1059.1)."""
    return "0.99" if k >= 3 else "0.95"


def _sub(parent, tag: str, text: str | None = None, ns: str = DCC, **attrs):
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", **attrs)
    if text is not None:
        element.text = xml_text(text)
    return element


def _text(parent, tag: str, zh: str, en: str = ""):
    element = _sub(parent, tag)
    _sub(element, "content", zh, lang="zh")
    if en:
        _sub(element, "content", en, lang="en")
    return element


def _contact(parent, tag: str, party: Party):
    contact = _sub(parent, tag)
    _text(contact, "name", party.name)
    _sub(contact, "eMail", "")
    location = _sub(contact, "location")
    if party.address:
        _text(location, "further", party.address)
    _sub(location, "countryCode", "CN")
    return contact


def _identification(parent, issuer: str, value: str, zh: str, en: str):
    identification = _sub(parent, "identification")
    _sub(identification, "issuer", issuer)
    _sub(identification, "value", value)
    _text(identification, "name", zh, en)


def _real(parent, value: Decimal, unit: str, label: str = "", point: Point | None = None):
    real = _sub(parent, "real", ns=SI)
    if label:
        _sub(real, "label", label, ns=SI)
    _sub(real, "value", number(value), ns=SI)
    _sub(real, "unit", si_unit(unit), ns=SI)
    if point is not None:
        expanded = _sub(real, "expandedUnc", ns=SI)
        _sub(expanded, "uncertainty", number(point.expanded_uncertainty), ns=SI)
        _sub(expanded, "coverageFactor", number(point.coverage_factor), ns=SI)
        _sub(expanded, "coverageProbability", coverage_probability(point.coverage_factor), ns=SI)
    return real


def _quantity(parent, zh: str, en: str, value: Decimal, unit: str, point: Point | None = None):
    quantity = _sub(parent, "quantity")
    _text(quantity, "name", zh, en)
    _real(quantity, value, unit, point=point)


def _administrative_data(root, c: CertificateContents) -> None:
    data = _sub(root, "administrativeData")
    software = _sub(_sub(data, "dccSoftware"), "software")
    _text(software, "name", SOFTWARE[0], "Jiliang smart metrology supervision platform")
    _sub(software, "release", SOFTWARE[1])

    core = _sub(data, "coreData")
    _sub(core, "countryCodeISO3166_1", "CN")
    _sub(core, "usedLangCodeISO639_1", "zh")
    _sub(core, "usedLangCodeISO639_1", "en")
    _sub(core, "mandatoryLangCodeISO639_1", "zh")
    _sub(core, "uniqueIdentifier", c.number)
    identifications = _sub(core, "identifications")
    _identification(identifications, "calibrationLaboratory", c.number, "证书编号", "Certificate number")
    _identification(identifications, "calibrationLaboratory", c.kind_zh, "证书类别", KINDS_EN[c.kind])
    if c.supersedes:
        _identification(identifications, "calibrationLaboratory", c.supersedes, "更正的原证书",
                        "Certificate superseded")
    _sub(core, "beginPerformanceDate", c.performed_on.isoformat())
    _sub(core, "endPerformanceDate", c.performed_on.isoformat())
    _sub(core, "performanceLocation", "laboratory")

    items = _sub(data, "items")
    item = _sub(items, "item")
    _text(item, "name", c.item.type_name_zh, c.item.type_name_en)
    if c.item.accuracy_class or c.item.measuring_range:
        _text(item, "description", f"准确度等级：{c.item.accuracy_class or '—'}；测量范围：{c.item.measuring_range or '—'}")
    _text(_sub(item, "manufacturer"), "name", c.item.manufacturer or "—")
    if c.item.model:
        _sub(item, "model", c.item.model)
    item_ids = _sub(item, "identifications")
    _identification(item_ids, "manufacturer", c.item.serial_no, "出厂编号", "Serial number")
    _identification(item_ids, "owner", c.item.public_code, "器具公开码", "Public instrument code")

    laboratory = _sub(data, "calibrationLaboratory")
    if c.authorisations:
        _sub(laboratory, "calibrationLaboratoryCode", "；".join(a.number for a in c.authorisations))
    _contact(laboratory, "contact", c.institution)

    persons = _sub(data, "respPersons")
    for name, role_zh, main in ((c.verifier, "检定员", False), (c.checker, "核验员", False),
                                (c.approver, "批准人", True)):
        person = _sub(persons, "respPerson")  # the schema wants at least one: an unknown name reads —
        _text(_sub(person, "person"), "name", name or "—")
        _sub(person, "role", role_zh)
        if main:
            _sub(person, "mainSigner", "true")
    _contact(data, "customer", c.customer)
    _statements(data, c)


def _statements(data, c: CertificateContents) -> None:
    statements = _sub(data, "statements")
    conformity = _sub(statements, "statement")
    _sub(conformity, "countryCodeISO3166_1", "CN")
    _sub(conformity, "convention", c.decision_rule)
    _sub(conformity, "traceable", "true")
    if c.regulation:
        _sub(conformity, "norm", c.regulation)
    declaration = f"结论：{c.conclusion_zh}。判定规则：{c.decision_rule_zh}。"
    if c.near_limit:
        declaration += "结论处于限值的 U 范围内。"
    _text(conformity, "declaration", declaration,
          f"Conclusion: {c.conclusion}. Decision rule: {DECISION_RULES_EN.get(c.decision_rule, c.decision_rule)}.")
    if c.valid_until:
        _sub(conformity, "valid", "true")
        _sub(conformity, "date", c.valid_until.isoformat())
    if c.conclusion in CONFORMITY:
        _sub(conformity, "conformity", CONFORMITY[c.conclusion])


def _measurement_results(root, c: CertificateContents) -> None:
    result_set = _sub(_sub(root, "measurementResults"), "measurementResult")
    _text(result_set, "name", f"{c.kind_zh}结果", "Results")
    if c.regulation:
        method = _sub(_sub(result_set, "usedMethods"), "usedMethod")
        _text(method, "name", "检定/校准依据", "Regulation or specification applied")
        _sub(method, "norm", c.regulation)
    if c.standards:
        equipment = _sub(result_set, "measuringEquipments")
        for standard in c.standards:
            _standard(equipment, standard)
    _conditions(result_set, c)
    result = _sub(_sub(result_set, "results"), "result")
    _text(result, "name", "检定点", "Test points")
    data = _sub(result, "data")
    if not c.points:
        _text(data, "text", "无检定点数据", "No test points recorded")
    for point in c.points:
        _point(data, point)


def _standard(parent, standard) -> None:
    equipment = _sub(parent, "measuringEquipment")
    _text(equipment, "name", standard.name)
    details = [f"测量范围：{standard.measuring_range}" if standard.measuring_range else "",
               f"准确度等级或不确定度：{standard.accuracy}" if standard.accuracy else "",
               f"校准机构：{standard.calibrated_by}" if standard.calibrated_by else "",
               f"校准证书有效期至：{standard.calibration_valid_until.isoformat()}"
               if standard.calibration_valid_until else ""]
    if any(details):
        _text(equipment, "description", "；".join(d for d in details if d))
    if standard.approval_no or standard.calibration_no:
        ids = _sub(equipment, "identifications")
        if standard.approval_no:
            _identification(ids, "owner", standard.approval_no, "计量标准考核证书编号",
                            "Measurement standard approval number")
        if standard.calibration_no:
            _identification(ids, "other", standard.calibration_no, "校准证书编号", "Calibration certificate number")


def _conditions(parent, c: CertificateContents) -> None:
    values = [(zh, en, value, unit) for zh, en, value, unit in (
        ("环境温度", "ambient temperature", c.temperature_c, "℃"),
        ("相对湿度", "relative humidity", c.humidity_pct, "%"),
    ) if value is not None]
    if not values and not c.environment_note:
        return
    condition = _sub(_sub(parent, "influenceConditions"), "influenceCondition")
    _text(condition, "name", "环境条件", "Environmental conditions")
    data = _sub(condition, "data")
    if c.environment_note:
        _text(data, "text", c.environment_note)
    for zh, en, value, unit in values:
        _quantity(data, zh, en, value, unit)


def _point(parent, point: Point) -> None:
    listing = _sub(parent, "list")
    _text(listing, "name", f"检定点 {point.position}：{point.quantity}".rstrip("："), f"Test point {point.position}")
    if point.nominal is not None:
        _quantity(listing, "标准值", "reference value", point.nominal, point.unit)
    if point.indicated is not None:
        _quantity(listing, "示值", "indicated value", point.indicated, point.unit)
    _quantity(listing, "误差", "error", point.error, point.error_unit, point=point)
    if point.mpe_lower is not None:
        _quantity(listing, "最大允许误差下限", "MPE lower limit", point.mpe_lower, point.error_unit)
    if point.mpe_upper is not None:
        _quantity(listing, "最大允许误差上限", "MPE upper limit", point.mpe_upper, point.error_unit)
    if point.conforms is not None:
        verdict = _sub(listing, "quantity")
        _text(verdict, "name", "单点判定", "point verdict")
        _text(verdict, "noQuantity", "符合" if point.conforms else "不符合", "pass" if point.conforms else "fail")


def _log_document(root, c: CertificateContents) -> None:
    """The log document as the DCC's attached file (docs/public-check.md: recomputing the digest)."""
    if not c.log_document:
        return
    document = _sub(root, "document")
    _text(document, "name", "透明日志存证记录（其 SHA-256 即日志条目中的摘要）",
          "Transparency log document (its SHA-256 is the digest in the log entry)")
    _sub(document, "fileName", LOG_DOCUMENT_FILE)
    _sub(document, "mimeType", "application/json")
    _sub(document, "dataBase64", base64.b64encode(c.log_document).decode())


def build(contents: CertificateContents) -> bytes:
    """The DCC document of one certificate, UTF-8 XML."""
    root = etree.Element(f"{{{DCC}}}digitalCalibrationCertificate", nsmap=NSMAP, schemaVersion=SCHEMA_VERSION)
    _administrative_data(root, contents)
    _measurement_results(root, contents)
    _log_document(root, contents)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@cache
def schema() -> etree.XMLSchema:
    """The official DCC 3.1.2 schema, its D-SI import pointed at the shipped copy (no network)."""
    text = (SCHEMAS / "dcc-3.1.2.xsd").read_bytes().replace(
        SI_REMOTE.encode(), (SCHEMAS / "SI_Format-2.1.0.xsd").as_uri().encode()
    )
    return etree.XMLSchema(etree.fromstring(text, base_url=(SCHEMAS / "dcc-3.1.2.xsd").as_uri()))


def validate(document: bytes) -> None:
    """Raise ``DccInvalid`` listing every schema error of ``document``."""
    checker = schema()
    if not checker.validate(etree.fromstring(document)):
        raise DccInvalid("; ".join(f"line {e.line}: {e.message}" for e in checker.error_log))
