"""The case documents as Chinese A4 PDFs (立案审批表, 行政处罚告知书, 行政处罚决定书), laid out
with reportlab in the Noto Sans SC font and styles the certificates use (verification/documents/pdf.py)."""

import io

from django.utils.translation import gettext_lazy as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from jiliang.enforcement import reference
from jiliang.enforcement.models import Case, CaseStage
from jiliang.enforcement.services import penalty_words
from jiliang.verification.documents.pdf import _font, _styles

TITLES = {"filing": _("立案审批表"), "notice": _("行政处罚告知书"), "decision": _("行政处罚决定书")}
# The stage a document belongs to: it exists once the case has reached that stage.
NEEDS = {"filing": CaseStage.FILED, "notice": CaseStage.NOTIFIED, "decision": CaseStage.DECIDED}
ORDER = [CaseStage.FILED, CaseStage.INVESTIGATING, CaseStage.NOTIFIED, CaseStage.HEARING, CaseStage.DECIDED,
         CaseStage.ENFORCING, CaseStage.CLOSED]


def available(case: Case, kind: str) -> bool:
    if kind == "decision":
        return case.decided_on is not None
    return ORDER.index(case.stage) >= ORDER.index(NEEDS[kind])


def basis_text(case: Case) -> str:
    basis = reference.bases().get(case.basis)
    return f"{basis.title}（{basis.citation}）" if basis else ""


def _authority(case: Case) -> str:
    return f"{case.division.name}市场监督管理局"


def _rows(case: Case, kind: str) -> list[tuple[str, str]]:
    organization = case.organization
    rows = [("案件编号", case.number), ("案由", case.title), ("当事人", organization.name),
            ("统一社会信用代码", organization.uscc), ("住所", organization.address or "—"),
            ("法定代表人", organization.legal_representative or "—"), ("案件来源", case.get_source_type_display()),
            ("发现日期", case.discovered_on.isoformat()), ("立案日期", case.filed_on.isoformat())]
    if kind in ("notice", "decision"):
        rows += [("违法事实", case.facts or "（调查终结后填写）"), ("处罚依据", basis_text(case) or "（待定）")]
    if kind == "decision":
        rows += [("处罚内容", penalty_words(case)), ("决定日期", case.decided_on.isoformat())]
    return rows


CLOSING = {
    "filing": "经初步核查，当事人涉嫌违反计量法律法规，符合立案条件，拟予立案调查。\n承办人意见：　　　　　　负责人审批：",
    "notice": "根据《中华人民共和国行政处罚法》第四十四条、第六十三条的规定，你（单位）有权进行陈述、申辩，"
              "符合听证条件的，有权要求举行听证。请在收到本告知书之日起五个工作日内提出，逾期视为放弃。",
    "decision": "如不服本处罚决定，可以在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"
                "罚款应当自收到本决定书之日起十五日内缴纳。",
}


def render(case: Case, kind: str) -> bytes:
    styles = _styles()
    body, title = styles["body"], styles["title"]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                                 bottomMargin=18 * mm, title=f"{TITLES[kind]} {case.number}")
    table = Table([[Paragraph(escape(label), body), Paragraph(escape(value).replace("\n", "<br/>"), body)]
                   for label, value in _rows(case, kind)], colWidths=[38 * mm, 132 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONTNAME", (0, 0), (-1, -1), _font()),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [Paragraph(escape(_authority(case)), styles["subtitle"]), Paragraph(str(TITLES[kind]), title),
             Spacer(1, 6 * mm), table, Spacer(1, 6 * mm),
             Paragraph(escape(CLOSING[kind]).replace("\n", "<br/>"), body), Spacer(1, 12 * mm),
             Paragraph(escape(f"{_authority(case)}（印章）"), body)]
    document.build(story)
    return buffer.getvalue()
