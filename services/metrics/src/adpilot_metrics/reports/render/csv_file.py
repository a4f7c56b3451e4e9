"""CSV: one flat table, a row per campaign and bucket, ready for a spreadsheet's pivot table. Figures are
rounded as in the other formats (``columns.rounded``): amounts to the currency's minor unit, ratios (CTR,
conversion rate) as fractions with 4 decimals, ROAS and conversions with 2."""

from __future__ import annotations

import csv
import io

from adpilot_metrics.reports.content import ReportContent
from adpilot_metrics.reports.render.cells import csv_text
from adpilot_metrics.reports.render.columns import MEASURE_COLUMNS, plain

HEADER = (
    "period_start",
    "period_end",
    "currency",
    "platform",
    "account_id",
    "platform_account_id",
    "account_name",
    "campaign_id",
    "campaign_name",
    *(c.header.lower().replace(" ", "_") for c in MEASURE_COLUMNS),
    "provisional",
)


def render_csv(content: ReportContent) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow(HEADER)
    for row in content.breakdown:
        account = content.account(row.account_id)
        writer.writerow(
            (
                row.start.isoformat(),
                row.end.isoformat(),
                # Every text cell, even ids: they come from the platforms, not from us.
                csv_text(row.currency),
                csv_text(row.platform),
                str(row.account_id),
                csv_text(account.platform_id),
                csv_text(account.name),
                csv_text(row.campaign_id),
                csv_text(row.campaign_name),
                *(plain(c.read(row.measures), c.kind, row.currency) for c in MEASURE_COLUMNS),
                "true" if row.provisional else "false",
            )
        )
    # A BOM so Excel opens UTF-8 (campaign names in any script) correctly.
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
