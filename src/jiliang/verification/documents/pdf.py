"""The certificate as a Chinese A4 PDF (检定证书, 检定结果通知书, 校准证书) with the content the
Chinese forms carry, a QR code to the public check page, the CJK font embedded (Noto Sans SC, SIL OFL
1.1, shipped in ``fonts/``; reportlab embeds only the glyphs used) and a PAdES signature (pyHanko)
by the institution's key. Pure apart from the key it is handed: ``CertificateContents`` in, bytes out."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import qrcode
from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import dcc, pades
from .contents import CertificateContents, Point, xml_text

if TYPE_CHECKING:  # the key is handed in; pdf.py itself imports no Django
    from .keys import SigningKey

FONT = "NotoSansSC"
FONT_FILE = Path(__file__).parent / "fonts" / "NotoSansSC-Regular.ttf"
SIGNATURE_FIELD = "InstitutionSignature"
MASK_PATTERN = 2
DCC_ATTACHMENT = "dcc.xml"  # the certificate's DCC XML, attached: what the forgery check reads
TITLES_EN = {"verification": "VERIFICATION CERTIFICATE", "failure_notice": "NOTICE OF VERIFICATION RESULT",
             "calibration": "CALIBRATION CERTIFICATE"}
CONCLUSION_LABEL = {"verification": "检定结论", "failure_notice": "检定结论", "calibration": "校准结论"}
DATE_LABEL = {"verification": "检定日期", "failure_notice": "检定日期", "calibration": "校准日期"}


@cache
def _font() -> str:
    font = TTFont(FONT, str(FONT_FILE))
    # Each subset copies the tables it needs out of the 10 MB file, the glyph table (9 MB) whole: the
    # file never changes, so each table is copied once per process instead of once per subset.
    font.face.get_table = cache(font.face.get_table)
    pdfmetrics.registerFont(font)
    return FONT


@cache
def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11.5),
        "title": ParagraphStyle("title", parent=body, fontSize=24, leading=32, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=9, leading=12, alignment=TA_CENTER),
        "heading": ParagraphStyle("heading", parent=body, fontSize=13, leading=20, spaceBefore=6, spaceAfter=4),
    }


def _date(value) -> str:
    return f"{value.year} 年 {value.month:02d} 月 {value.day:02d} 日" if value else "—"


def _value(value: Decimal | None, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{format(value.normalize(), 'f')}{(' ' + unit) if unit else ''}"


def _mpe(point: Point) -> str:
    if point.mpe_lower is None and point.mpe_upper is None:
        return "—"
    return f"{_value(point.mpe_lower)} ～ {_value(point.mpe_upper)} {point.error_unit}".strip()


def _verdict(conforms: bool | None) -> str:
    return "—" if conforms is None else ("符合" if conforms else "不符合")


def _para(text, style: str = "body") -> Paragraph:
    """A paragraph of plain text: Paragraph reads markup, so "<" or "&" in a name is escaped."""
    return Paragraph(escape(xml_text(str(text))), _styles()[style])


CELL_PADDING = 12  # a table cell's left and right padding together (reportlab's default 6 + 6 points)


def _cell(value, style: str, width: float):
    """A cell's text drawn as a plain string when it fits the column on one line, sparing the
    paragraph's markup parsing and CJK line breaking (most of a results page's time); else a
    paragraph, which wraps."""
    text = xml_text(str(value))
    font = _styles()[style]
    if text.isprintable() and pdfmetrics.stringWidth(text, font.fontName, font.fontSize) <= width - CELL_PADDING:
        return text
    return _para(text, style)


def _grid(rows, widths, header: bool = False) -> Table:
    style = "small" if header else "body"
    table = Table([[_cell(cell, style, width) for cell, width in zip(row, widths, strict=True)] for row in rows],
                  colWidths=widths)
    font = _styles()[style]
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONT", (0, 0), (-1, -1), font.fontName, font.fontSize, font.leading)]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    table.setStyle(TableStyle(commands))
    return table


class QrCode(Flowable):
    """A QR code drawn as one filled path of its dark modules (the ``qrcode`` encoder): a few
    hundred rectangles in one operator stream instead of one drawing node each."""

    def __init__(self, url: str, size: float = 28 * mm):
        super().__init__()
        # A fixed mask pattern (any of the eight is valid, ISO/IEC 18004 7.8) spares the encoder
        # scoring all eight, a tenth of a PDF's time.
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=MASK_PATTERN)
        code.add_data(url)
        self.modules = code.get_matrix()
        self.width = self.height = size

    def draw(self) -> None:
        cell = self.width / len(self.modules)
        path = self.canv.beginPath()
        for row, line in enumerate(self.modules):
            for column, dark in enumerate(line):
                if dark:
                    path.rect(column * cell, self.height - (row + 1) * cell, cell, cell)
        self.canv.drawPath(path, stroke=0, fill=1)


def _cover(c: CertificateContents) -> list:
    authorisation = "；".join(f"{a.number}" + (f"（{a.issued_by}）" if a.issued_by else "") for a in c.authorisations)
    rows = [
        ["证书编号", c.number],
        ["送检单位", c.customer.name],
        ["计量器具名称", c.item.type_name_zh],
        ["型号规格", c.item.model or "—"],
        ["出厂编号", c.item.serial_no],
        ["制造单位", c.item.manufacturer or "—"],
        ["器具公开码", c.item.public_code],
        ["检定依据" if c.kind != "calibration" else "校准依据", c.regulation or "—"],
        [CONCLUSION_LABEL[c.kind], c.conclusion_zh + ("（结论处于限值的 U 范围内）" if c.near_limit else "")],
        ["批准人", c.approver or "—"], ["核验员", c.checker or "—"], ["检定员", c.verifier or "—"],
        [DATE_LABEL[c.kind], _date(c.performed_on)],
        ["签发日期", _date(c.issued_on)],
    ]
    if c.kind == "verification":
        rows.append(["有效期至", _date(c.valid_until)])
    if c.supersedes:
        rows.append(["更正的原证书", c.supersedes])
    flow = [_para(c.institution.name, "subtitle"), Spacer(1, 6 * mm),
            _para(c.kind_zh, "title"), _para(TITLES_EN[c.kind], "subtitle"), Spacer(1, 8 * mm),
            _grid(rows, [40 * mm, 130 * mm]), Spacer(1, 8 * mm)]
    issuer = [_para(f"检定机构：{c.institution.name}", "body"),
              _para(f"地址：{c.institution.address or '—'}", "body"),
              _para(f"统一社会信用代码：{c.institution.uscc or '—'}", "body"),
              _para(f"计量授权证书号：{authorisation or '—'}", "body"),
              _para("扫描右侧二维码，可在公开查验页核对本证书。", "small")]
    qr = QrCode(c.check_url) if c.check_url else ""
    block = Table([[issuer, qr]], colWidths=[138 * mm, 32 * mm])
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return flow + [block]


def _conditions(c: CertificateContents) -> str:
    parts = []
    if c.temperature_c is not None:
        parts.append(f"温度 {_value(c.temperature_c)} ℃")
    if c.humidity_pct is not None:
        parts.append(f"相对湿度 {_value(c.humidity_pct)} %")
    if c.environment_note:
        parts.append(c.environment_note)
    return "；".join(parts) or "—"


def _results(c: CertificateContents) -> list:
    flow = [_para("一、使用的计量标准", "heading")]
    standard_rows = [["名称", "测量范围", "准确度等级或不确定度", "考核证书编号", "校准证书编号 / 有效期至"]]
    standard_rows += [[st.name, st.measuring_range or "—", st.accuracy or "—", st.approval_no or "—",
                       f"{st.calibration_no or '—'} / {_date(st.calibration_valid_until)}"] for st in c.standards]
    if not c.standards:
        standard_rows.append(["—"] * 5)
    flow.append(_grid(standard_rows, [36 * mm, 28 * mm, 32 * mm, 34 * mm, 40 * mm], header=True))
    flow += [_para("二、检定环境条件", "heading"), _para(_conditions(c)),
             _para("三、检定结果", "heading")]
    point_rows = [["序号", "检定项目", "标准值", "示值", "误差", "U (k)", "最大允许误差", "判定"]]
    point_rows += [[p.position, p.quantity or "—", _value(p.nominal, p.unit), _value(p.indicated, p.unit),
                    _value(p.error, p.error_unit),
                    f"{_value(p.expanded_uncertainty, p.error_unit)} (k={_value(p.coverage_factor)})",
                    _mpe(p), _verdict(p.conforms)] for p in c.points]
    if not c.points:
        point_rows.append(["—"] * 8)
    flow.append(_grid(point_rows, [11 * mm, 27 * mm, 22 * mm, 22 * mm, 20 * mm, 26 * mm, 26 * mm, 16 * mm],
                      header=True))
    flow += [Spacer(1, 3 * mm), _para(f"判定规则：{c.decision_rule_zh}", "body"),
             _para(f"结论：{c.conclusion_zh}", "body")]
    if c.remarks:
        flow.append(_para(f"备注：{c.remarks}", "body"))
    flow.append(_para("U 为扩展不确定度，k 为包含因子。本证书仅对所检器具有效，未经检定机构书面同意不得部分复制。",
                      "small"))
    return flow


def _footer(number: str):
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(_font(), 8)
        canvas.drawString(20 * mm, 12 * mm, f"证书编号：{number}")
        canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, f"第 {doc.page} 页")
        canvas.restoreState()
    return draw


def render(c: CertificateContents) -> bytes:
    """The unsigned PDF."""
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                                 bottomMargin=20 * mm, title=f"{c.kind_zh} {c.number}", author=c.institution.name,
                                 subject=c.item.type_name_zh, creator="Jiliang", invariant=True)
    footer = _footer(c.number)
    document.build(_cover(c) + [PageBreak()] + _results(c), onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


@cache
def _signer(key_pem: bytes, cert_pem: bytes, chain_pem: bytes) -> pades.TemplateSigner:
    certificate = asn1_x509.Certificate.load(pem.unarmor(cert_pem)[2])
    private_key = asn1_keys.PrivateKeyInfo.load(pem.unarmor(key_pem)[2])
    # The issuing CA's certificate goes into the signature too, so a reader can build the chain.
    chain = [asn1_x509.Certificate.load(pem.unarmor(chain_pem)[2])] if chain_pem else []
    return pades.TemplateSigner(signing_cert=certificate, signing_key=private_key,
                                cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]))


def _attach_dcc(writer: IncrementalPdfFileWriter, c: CertificateContents) -> None:
    """The DCC XML as the PDF's associated file (PDF/A-3 style), inside the signed revision."""
    data = embed.EmbeddedFileObject.from_file_data(writer, dcc.build(c), mime_type="application/xml")
    embed.embed_file(writer, embed.FileSpec(
        file_spec_string=DCC_ATTACHMENT, file_name=DCC_ATTACHMENT, embedded_data=data,
        description="数字校准证书（DCC XML），含透明日志存证记录", af_relationship=generic.pdf_name("/Data")))


def sign(unsigned: bytes, c: CertificateContents, key: SigningKey) -> bytes:
    """The PDF with its DCC attached and an invisible PAdES baseline signature of the institution."""
    writer = IncrementalPdfFileWriter(io.BytesIO(unsigned))
    _attach_dcc(writer, c)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=f"{c.kind_zh} {c.number}", location=c.institution.address or None, name=c.institution.name,
    )
    # A fixed reservation (an ECDSA signature and one certificate need about 2 kB) spares pyHanko
    # the trial signature it otherwise makes to size the placeholder.
    out = signers.sign_pdf(writer, metadata, signer=_signer(key.key_pem, key.cert_pem, key.chain_pem), bytes_reserved=8192)
    return out.getvalue()


def build(c: CertificateContents, key: SigningKey) -> bytes:
    return sign(render(c), c, key)
