"""The plan's mid-term and final evaluation reports (保障措施四: 中期评估、总结评估) as Chinese A4 PDFs, laid
out with reportlab in the font and styles of the certificates (verification/documents/pdf.py)."""

import io
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from jiliang.portal.plan import plan
from jiliang.portal.tracker import Tracker
from jiliang.verification.documents.pdf import _font, _styles

STAGES = {"midterm": "中期评估报告", "final": "总结评估报告"}
STATUS_WORDS = {"unreported": "未填报"}


def _cell(text: str, style) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _row(row, body) -> list[Paragraph]:
    report = row.report
    progress = f"{report.department}：{report.progress}\n佐证：{report.evidence}" if report else "—"
    figures = "\n".join(f"{i.label}：{i.value}" for i in row.indicators) or "—"
    number = f"{row.task.number}. " if row.task.kind == "task" else ""
    return [_cell(number + row.task.title, body), _cell("、".join(row.task.lead), body), _cell(figures, body),
            _cell(row.status[1], body), _cell(progress, body)]


def render(board: Tracker, stage: str) -> bytes:
    styles = _styles()
    body, title = styles["body"], styles["title"]
    the_plan = plan()
    buffer = io.BytesIO()
    name = f"{the_plan.number}实施情况{STAGES[stage]}"
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=18 * mm,
                                 bottomMargin=18 * mm, title=name)
    counted = {code: board.count(code) for code in ("completed", "on_track", "behind", "not_started", "unreported")}
    summary = (f"方案共列重点任务和保障措施 {len(board.rows)} 项：已完成 {counted['completed']} 项，按计划推进 "
               f"{counted['on_track']} 项，滞后 {counted['behind']} 项，未启动 {counted['not_started']} 项，"
               f"未填报 {counted['unreported']} 项。")
    as_of = timezone.localtime(board.as_of).strftime("%Y-%m-%d %H:%M") if board.as_of else "尚未统计"
    header = [_cell(text, body) for text in ("任务", "牵头部门", "平台数据", "状态", "最新进展及佐证")]
    table = Table([header, *(_row(row, body) for row in board.rows)],
                  colWidths=[38 * mm, 30 * mm, 40 * mm, 18 * mm, 54 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONTNAME", (0, 0), (-1, -1), _font()),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)]))
    story = [
        Paragraph(escape(settings.JILIANG_BUREAU_NAME), styles["subtitle"]),
        Paragraph(escape(f"{the_plan.document}{STAGES[stage]}"), title), Spacer(1, 4 * mm),
        _cell(f"报告生成日期：{timezone.localdate().isoformat()}；平台数据统计于：{as_of}。", body),
        _cell("一、主要目标：" + "".join(the_plan.goals), body), Spacer(1, 2 * mm),
        _cell("二、总体进展：" + summary, body), Spacer(1, 4 * mm),
        _cell("三、各项任务进展：", body), Spacer(1, 2 * mm), table,
    ]
    document.build(story)
    return buffer.getvalue()
