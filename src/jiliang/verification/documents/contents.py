"""What a certificate document says, as plain values: the one input of the DCC XML (dcc.py) and the
Chinese PDF (pdf.py). Built from the database by gather.py; imports no Django, so both renderers
and their tests run on hand-made contents too."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

# Characters XML 1.0 cannot carry (controls, surrogates, U+FFFE, U+FFFF), which neither the DCC nor
# the PDF's text markup accepts: dropped, so a stray control character in a stored name never stops
# a document from being made.
NOT_XML = re.compile(r"[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return NOT_XML.sub("", text)


@dataclass(frozen=True)
class Party:
    name: str
    address: str = ""
    uscc: str = ""


@dataclass(frozen=True)
class Authorisation:
    number: str
    issued_by: str = ""


@dataclass(frozen=True)
class StandardUsed:
    """A measurement standard used, with the calibration certificate in force on the day of use."""

    name: str
    approval_no: str = ""
    measuring_range: str = ""
    accuracy: str = ""
    calibration_no: str = ""
    calibration_valid_until: datetime.date | None = None
    calibrated_by: str = ""


@dataclass(frozen=True)
class Point:
    position: int
    quantity: str
    nominal: Decimal | None
    indicated: Decimal | None
    unit: str
    error: Decimal
    error_unit: str
    expanded_uncertainty: Decimal
    coverage_factor: Decimal
    mpe_lower: Decimal | None = None
    mpe_upper: Decimal | None = None
    conforms: bool | None = None


@dataclass(frozen=True)
class Item:
    type_name_zh: str
    type_name_en: str
    manufacturer: str
    model: str
    serial_no: str
    public_code: str
    accuracy_class: str = ""
    measuring_range: str = ""


@dataclass(frozen=True)
class CertificateContents:
    number: str
    kind: str  # verification / failure_notice / calibration (CertificateKind)
    kind_zh: str
    verification_kind_zh: str
    issued_on: datetime.date
    performed_on: datetime.date
    valid_until: datetime.date | None
    institution: Party
    authorisations: list[Authorisation]
    customer: Party
    item: Item
    regulation: str
    conclusion: str  # pass / fail / calibrated (Conclusion)
    conclusion_zh: str
    decision_rule: str
    decision_rule_zh: str
    near_limit: bool
    verifier: str
    checker: str
    approver: str
    standards: list[StandardUsed]
    points: list[Point]
    temperature_c: Decimal | None = None
    humidity_pct: Decimal | None = None
    environment_note: str = ""
    remarks: str = ""
    supersedes: str = ""
    check_url: str = ""
    # The RFC 8785 JSON of the certificate's issue entry on the transparency log, whose SHA-256 is
    # the entry's digest: carried by both documents so that anyone can recompute it.
    log_document: bytes = b""
