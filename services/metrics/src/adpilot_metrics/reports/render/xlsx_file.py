"""Excel: a Summary sheet (totals against the previous period), Trend (per bucket, with a line chart),
Campaigns (ranked by spend) and Breakdown (the CSV's flat table). Written in openpyxl's streaming mode, so
memory stays flat however many breakdown rows there are.

Every row goes through :func:`_row`, which types every string as a string (``reports.render.cells``): the
title, campaign names, statuses and filters are not ours, and openpyxl stores a string starting with "=" as a
formula."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from adpilot_metrics.reports.content import ReportContent
from adpilot_metrics.reports.render.columns import MEASURE_COLUMNS, Kind, digits, rounded

ACCOUNT_HEADERS = ("Account", "Platform account id", "AdPilot account id")


def number_format(kind: Kind, currency: str) -> str:
    """As many decimals as the CSV writes (the value is rounded the same way): ``#,##0`` for JPY, ``0.00%``."""
    if kind == "percent":
        places = digits(kind, currency) - 2  # of the percentage
        return f"0.{'0' * places}%" if places else "0%"
    places = digits(kind, currency)
    whole = "0" if kind == "ratio" else "#,##0"
    return f"{whole}.{'0' * places}" if places else whole


def render_xlsx(content: ReportContent) -> bytes:
    book = Workbook(write_only=True)
    _summary(book.create_sheet("Summary"), content)
    _trend(book.create_sheet("Trend"), content)
    _campaigns(book.create_sheet("Campaigns"), content)
    _breakdown(book.create_sheet("Breakdown"), content)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary(sheet: WriteOnlyWorksheet, content: ReportContent) -> None:
    sheet.append([_text(sheet, content.title, Font(bold=True, size=14))])
    _row(sheet, ["Period", f"{content.date_from.isoformat()} to {content.date_to.isoformat()}"])
    previous = content.totals.previous_period
    if previous is not None:
        _row(sheet, ["Compared with", f"{previous.date_from.isoformat()} to {previous.date_to.isoformat()}"])
    for name, value in content.filters.items():
        _row(sheet, [name.replace("_", " ").capitalize(), value])
    _row(sheet, ["Generated", content.generated_at.strftime("%Y-%m-%d %H:%M UTC")])
    if content.empty:
        sheet.append([])
        _row(sheet, ["No metrics in this period."])
    for entry in content.totals.totals:
        sheet.append([])
        _header(sheet, [f"Totals in {entry.currency}", "This period", "Previous period", "Change"])
        for column in MEASURE_COLUMNS:
            change = getattr(entry.change, column.field) if entry.change else None
            _row(
                sheet,
                [
                    column.header,
                    _number(sheet, column.read(entry.current), column.kind, entry.currency),
                    _number(sheet, column.read(entry.previous), column.kind, entry.currency)
                    if entry.previous
                    else None,
                    _number(sheet, change, "percent", entry.currency),
                ],
            )
        if entry.provisional:
            _row(sheet, ["Provisional: the platform may still restate some of these days."])


def _trend(sheet: WriteOnlyWorksheet, content: ReportContent) -> None:
    """One block per currency; ``row`` tracks the sheet's last row (streaming sheets cannot be asked)."""
    row = 0
    for series in content.timeseries.series:
        _header(sheet, ["Start", "End", "Currency", *(c.header for c in MEASURE_COLUMNS), "Provisional"])
        row += 1
        first = row + 1
        for point in series.points:
            _row(
                sheet,
                [
                    point.start,
                    point.end,
                    series.currency,
                    *(_number(sheet, c.read(point), c.kind, series.currency) for c in MEASURE_COLUMNS),
                    point.provisional,
                ],
            )
        row += len(series.points)
        if series.points:
            chart = _spend_chart(sheet, f"Spend per {content.bucket} ({series.currency})", first, row)
            sheet.add_chart(chart, f"P{first}")
        sheet.append([])
        row += 1


def _spend_chart(sheet: WriteOnlyWorksheet, title: str, first: int, last: int) -> LineChart:
    chart = LineChart()
    chart.title = title
    spend_column = 4 + [c.header for c in MEASURE_COLUMNS].index("Spend")
    chart.add_data(
        Reference(sheet, min_col=spend_column, min_row=first - 1, max_row=last), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    chart.height, chart.width = 8, 18
    return chart


def _campaigns(sheet: WriteOnlyWorksheet, content: ReportContent) -> None:
    _header(
        sheet,
        [
            "Rank",
            "Currency",
            "Platform",
            *ACCOUNT_HEADERS,
            "Campaign id",
            "Campaign",
            "Status",
            *(c.header for c in MEASURE_COLUMNS),
            "Provisional",
        ],
    )
    for group in content.campaigns.groups:
        for c in group.campaigns:
            _row(
                sheet,
                [
                    c.rank,
                    group.currency,
                    c.platform,
                    *_account_cells(content, c.account_id),
                    c.campaign_id,
                    c.name,
                    c.status,
                    *(_number(sheet, col.read(c), col.kind, group.currency) for col in MEASURE_COLUMNS),
                    c.provisional,
                ],
            )


def _breakdown(sheet: WriteOnlyWorksheet, content: ReportContent) -> None:
    _header(
        sheet,
        [
            "Start",
            "End",
            "Currency",
            "Platform",
            *ACCOUNT_HEADERS,
            "Campaign id",
            "Campaign",
            *(c.header for c in MEASURE_COLUMNS),
            "Provisional",
        ],
    )
    for r in content.breakdown:
        _row(
            sheet,
            [
                r.start,
                r.end,
                r.currency,
                r.platform,
                *_account_cells(content, r.account_id),
                r.campaign_id,
                r.campaign_name,
                *(_number(sheet, c.read(r.measures), c.kind, r.currency) for c in MEASURE_COLUMNS),
                r.provisional,
            ],
        )


def _account_cells(content: ReportContent, account_id: uuid.UUID) -> list[str | None]:
    """Under :data:`ACCOUNT_HEADERS`: the account's name and platform id (when campaign events told them), ours."""
    account = content.account(account_id)
    return [account.name, account.platform_id or None, str(account_id)]


def _row(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    """Append a row, every string in it as a text cell (never a formula)."""
    sheet.append([_text(sheet, v) if isinstance(v, str) else v for v in values])


def _number(sheet: WriteOnlyWorksheet, value: Any, kind: Kind, currency: str) -> WriteOnlyCell | None:
    """The figure the CSV writes (``columns.rounded``), shown with as many decimals."""
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=rounded(value, kind, currency))
    cell.number_format = number_format(kind, currency)
    return cell


def _text(sheet: WriteOnlyWorksheet, value: str, font: Font | None = None) -> WriteOnlyCell:
    """A string cell: openpyxl would store text starting with "=" as a formula (see ``cells``)."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def _header(sheet: WriteOnlyWorksheet, titles: Iterable[str]) -> None:
    sheet.append([_text(sheet, title, Font(bold=True)) for title in titles])
