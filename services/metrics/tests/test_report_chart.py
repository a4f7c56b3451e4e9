"""The PDF's spend chart: every label inside the SVG (WeasyPrint clips at its edge: "25 Nov" was cut off) and
date labels apart, measured with the font the report uses (DejaVu Sans, as the template asks)."""

from __future__ import annotations

import itertools
import subprocess
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from functools import cache

import pytest
from fontTools.ttLib import TTFont

from adpilot_metrics.queries.schemas import Point, Series
from adpilot_metrics.reports.render.chart import WIDTH, spend_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
LAST = date(2026, 11, 25)


@cache
def dejavu() -> TTFont:
    path = subprocess.run(
        ["fc-match", "--format=%{file}", "DejaVu Sans"], capture_output=True, text=True, check=True
    ).stdout
    assert "DejaVuSans" in path, path  # WeasyPrint lays the report out in it
    return TTFont(path)


def text_width(text: str, size: float) -> float:
    font = dejavu()
    glyphs, metrics = font.getBestCmap(), font["hmtx"]
    units: int = font["head"].unitsPerEm
    return float(sum(metrics[glyphs[ord(c)]][0] for c in text)) * size / units


def extent(label: ET.Element) -> tuple[float, float]:
    x, width = float(label.attrib["x"]), text_width(label.text or "", float(label.attrib["font-size"]))
    anchor = label.attrib.get("text-anchor", "start")
    start = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
    return start, start + width


def series(days: int, spend_micros: int) -> Series:
    measures = {
        "impressions": 1000,
        "clicks": 10,
        "spend_micros": spend_micros,
        "conversions": 1.0,
        "conversion_value_micros": 0,
        "ctr": 0.01,
        "cpc_micros": None,
        "cpm_micros": None,
        "cpa_micros": None,
        "roas": None,
        "conversion_rate": None,
    }
    first = LAST - timedelta(days=days - 1)
    return Series(
        currency="VND",
        points=[
            Point(
                start=first + timedelta(days=i), end=first + timedelta(days=i), provisional=False, **measures
            )
            for i in range(days)
        ],
    )


@pytest.mark.parametrize("days", [1, 7, 25, 31, 61, 92, 366])
@pytest.mark.parametrize("spend_micros", [57_823_099, 2_345_678_000_000_000])
def test_chart_labels_stay_inside_and_apart(days: int, spend_micros: int) -> None:
    svg = ET.fromstring(spend_chart_svg(series(days, spend_micros)))  # noqa: S314  # our own SVG
    labels = svg.findall(f"{SVG}text")
    for label in labels:
        start, end = extent(label)
        assert start >= 0 and end <= WIDTH, (label.text, start, end)
    dates = [label for label in labels if label.attrib["text-anchor"] == "middle"]
    assert dates[-1].text == "25 Nov"  # the last day is always labelled
    spans = [extent(label) for label in dates]
    assert all(previous[1] < following[0] for previous, following in itertools.pairwise(spans))
