"""Reading an incoming DCC: the calibration certificate a higher institution issued for one of the
city's measurement standards (DCC 3.1.2 with D-SI). No database: bytes in, the values a
``StandardCalibration`` needs out, or ``DccRejected`` with every problem keyed by the element's path
(``/dcc:digitalCalibrationCertificate/dcc:administrativeData/…``), so nothing is half-read. The
forgery check parses uploads with the same ``parse``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from lxml import etree

from . import dcc

# Uploads are parsed without DTDs, entities or network: a file cannot make the parser fetch or expand.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
PREFIXES = {dcc.DCC: "dcc", dcc.SI: "si"}
NS = {"dcc": dcc.DCC, "si": dcc.SI}
DOCUMENT = "/dcc:digitalCalibrationCertificate"
CORE = "dcc:administrativeData/dcc:coreData"
# What the issuer's conformity statement says, as the calibration's result.
CONFORMITY_RESULTS = {"pass": "in_tolerance", "conditionalPass": "in_tolerance", "fail": "out_of_tolerance",
                      "conditionalFail": "out_of_tolerance"}


class DccRejected(ValueError):
    """A DCC that cannot be read: ``message`` for the reader, ``errors`` maps element paths to messages."""

    def __init__(self, message: str, errors: dict[str, list[str]]):
        super().__init__(message)
        self.message, self.errors = message, errors


@dataclass(frozen=True)
class Result:
    """One calibrated value with its expanded uncertainty U and coverage factor k, as stated."""

    name: str
    value: str
    unit: str
    uncertainty: str = ""
    coverage_factor: str = ""

    def as_json(self) -> dict:
        return {"name": self.name, "value": self.value, "unit": self.unit, "U": self.uncertainty,
                "k": self.coverage_factor}


@dataclass(frozen=True)
class IncomingCalibration:
    certificate_no: str
    issuer: str
    calibrated_on: datetime.date
    valid_until: datetime.date | None
    result: str | None  # in_tolerance / out_of_tolerance when the issuer states conformity
    item_name: str
    item_identifiers: list[str]
    results: list[Result] = field(default_factory=list)


def path_of(element) -> str:
    """The element's path with the usual prefixes, e.g. ``/dcc:digitalCalibrationCertificate/dcc:x``."""
    steps = []
    for node in [element, *element.iterancestors()]:
        name = etree.QName(node)
        steps.append(f"{PREFIXES.get(name.namespace, '')}:{name.localname}".lstrip(":"))
    return "/" + "/".join(reversed(steps))


def _text_of(element) -> str:
    """A dcc:textType's Chinese content, else its first."""
    if element is None:
        return ""
    return (element.findtext("dcc:content[@lang='zh']", namespaces=NS)
            or element.findtext("dcc:content", namespaces=NS) or "").strip()


def parse(data: bytes):
    """The document's root, a schema-valid DCC 3.1.2, or DccRejected naming each bad element."""
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as error:
        message = _("文件不是格式正确的 XML（第 %(line)s 行）。") % {"line": error.lineno}
        raise DccRejected(message, {"/": [message]}) from None
    if root.getroottree().docinfo.doctype:  # a DCC has no DTD; its entities would stay unexpanded
        message = _("该 XML 含有文档类型声明(DOCTYPE)，不是数字校准证书(DCC)。")
        raise DccRejected(message, {"/": [message]})
    if root.tag != f"{{{dcc.DCC}}}digitalCalibrationCertificate":
        message = _("该 XML 不是数字校准证书(DCC)。")
        raise DccRejected(message, {path_of(root): [message]})
    schema = dcc.schema()
    if not schema.validate(root):
        errors: dict[str, list[str]] = {}
        for entry in schema.error_log:
            errors.setdefault(entry.path or "/", []).append(_("第 %(line)s 行：%(reason)s") % {
                "line": entry.line, "reason": entry.message})
        raise DccRejected(_("该 DCC 不符合 DCC 3.1.2 官方模式（第 %(line)s 行）。") % {"line": schema.error_log[0].line},
                          errors)
    return root


def _date(root, xpath: str, errors: dict) -> datetime.date | None:
    found = root.find(xpath, namespaces=NS)
    if found is None:
        return None
    try:
        return datetime.date.fromisoformat((found.text or "").strip()[:10])
    except ValueError:
        errors.setdefault(path_of(found), []).append(_("日期格式无法识别"))
        return None


def _results(root) -> list[Result]:
    results = []
    for real in root.iterfind("dcc:measurementResults//si:real", namespaces=NS):
        quantity = next((a for a in real.iterancestors() if etree.QName(a).localname == "quantity"), None)
        name = _text_of(quantity.find("dcc:name", namespaces=NS)) if quantity is not None else ""
        expanded = real.find("si:expandedUnc", namespaces=NS)
        results.append(Result(
            name=name or (real.findtext("si:label", namespaces=NS) or "").strip(),
            value=(real.findtext("si:value", namespaces=NS) or "").strip(),
            unit=(real.findtext("si:unit", namespaces=NS) or "").strip(),
            uncertainty=(expanded.findtext("si:uncertainty", namespaces=NS) or "").strip() if expanded is not None else "",
            coverage_factor=(expanded.findtext("si:coverageFactor", namespaces=NS) or "").strip()
            if expanded is not None else "",
        ))
    return results


def read(data: bytes) -> IncomingCalibration:
    """The calibration an incoming DCC states."""
    root = parse(data)
    errors: dict[str, list[str]] = {}
    calibrated_on = _date(root, f"{CORE}/dcc:endPerformanceDate", errors)
    valid_until = _date(root, "dcc:administrativeData/dcc:statements/dcc:statement/dcc:date", errors)
    issuer = _text_of(root.find("dcc:administrativeData/dcc:calibrationLaboratory/dcc:contact/dcc:name",
                                namespaces=NS))
    if not issuer:
        errors[f"{DOCUMENT}/dcc:administrativeData/dcc:calibrationLaboratory/dcc:contact/dcc:name"] = [
            _("缺少校准机构名称")]
    if errors:
        raise DccRejected(_("DCC 中有无法读取的内容。"), errors)
    conformity = root.findtext("dcc:administrativeData/dcc:statements/dcc:statement/dcc:conformity", namespaces=NS)
    item = root.find("dcc:administrativeData/dcc:items/dcc:item", namespaces=NS)
    return IncomingCalibration(
        certificate_no=root.findtext(f"{CORE}/dcc:uniqueIdentifier", namespaces=NS).strip(),
        issuer=issuer, calibrated_on=calibrated_on, valid_until=valid_until,
        result=CONFORMITY_RESULTS.get((conformity or "").strip()),
        item_name=_text_of(item.find("dcc:name", namespaces=NS)),
        item_identifiers=[(v.text or "").strip() for v in item.iterfind(".//dcc:identification/dcc:value", namespaces=NS)],
        results=_results(root),
    )
