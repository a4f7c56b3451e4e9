"""PDF: an HTML/CSS template (Jinja2, autoescaped: campaign names come from the platforms) laid out by
WeasyPrint, with an SVG chart per currency. WeasyPrint may fetch nothing: every URL is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import jinja2
import weasyprint

from adpilot_metrics.reports.content import ReportContent
from adpilot_metrics.reports.render.chart import spend_chart_svg
from adpilot_metrics.reports.render.columns import CAMPAIGN_TABLE_COLUMNS, MEASURE_COLUMNS, change_text, human

TEMPLATES = Path(__file__).parent / "templates"
# Campaigns in the PDF's table per currency (the CSV and Excel files list them all).
PDF_CAMPAIGNS = 25

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
)


def render_pdf(content: ReportContent) -> bytes:
    html = _environment.get_template("report.html.j2").render(**_context(content))
    pdf: bytes = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    return pdf


def _context(content: ReportContent) -> dict[str, Any]:
    charts = {s.currency: spend_chart_svg(s) for s in content.timeseries.series if s.points}
    top = {g.currency: g.campaigns[:PDF_CAMPAIGNS] for g in content.campaigns.groups}
    return {
        "c": content,
        "charts": charts,
        "top": top,
        "measure_columns": MEASURE_COLUMNS,
        "campaign_columns": CAMPAIGN_TABLE_COLUMNS,
        "human": human,
        "change_text": change_text,
        "pdf_campaigns": PDF_CAMPAIGNS,
    }


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"report templates load nothing from outside: {url}")
