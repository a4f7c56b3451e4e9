"""Turning :class:`ReportContent` into a file: one module per format, shared column definitions."""

from __future__ import annotations

from dataclasses import dataclass

from adpilot_metrics.reports.content import ReportContent
from adpilot_metrics.reports.render.file_names import file_name


@dataclass(frozen=True)
class RenderedFile:
    file_name: str
    content_type: str
    data: bytes


def render(content: ReportContent, fmt: str) -> RenderedFile:
    """CPU-bound (PDF layout takes a while): callers run it in a worker thread."""
    # Imported here so a process that never renders a format never loads its library (WeasyPrint is heavy).
    if fmt == "csv":
        from adpilot_metrics.reports.render.csv_file import render_csv

        return RenderedFile(_file_name(content, "csv"), "text/csv; charset=utf-8", render_csv(content))
    if fmt == "xlsx":
        from adpilot_metrics.reports.render.xlsx_file import render_xlsx

        return RenderedFile(
            _file_name(content, "xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            render_xlsx(content),
        )
    if fmt == "pdf":
        from adpilot_metrics.reports.render.pdf_file import render_pdf

        return RenderedFile(_file_name(content, "pdf"), "application/pdf", render_pdf(content))
    raise ValueError(f"unknown report format {fmt!r}")


def _file_name(content: ReportContent, extension: str) -> str:
    return file_name(content.title, content.date_from, content.date_to, extension)
