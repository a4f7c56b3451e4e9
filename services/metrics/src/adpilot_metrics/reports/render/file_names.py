"""A report's file name, from its title and period: an ASCII one (stored, in ``report.v1.ready``, the plain
``filename`` of the download) and a UTF-8 one (the download's ``filename*``, RFC 6266/5987) for the clients that
read it. ``Q4 «Ünïcødé» report`` → ``q4-unicode-report-…`` and ``q4-ünïcødé-report-…``."""

from __future__ import annotations

import unicodedata
from datetime import date
from urllib.parse import quote

from adpilot_metrics.models import Report

MAX_SLUG = 60
# Latin letters that Unicode does not decompose into a base letter and marks (NFKD leaves them whole).
LATIN_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ß": "ss",
        "ẞ": "SS",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
        "\u0131": "i",  # dotless i
        "ħ": "h",
        "Ħ": "H",
    }
)


def transliterated(text: str) -> str:
    """Latin letters without their accents (``Ünïcødé`` → ``Unicode``); other scripts are left as they are."""
    decomposed = unicodedata.normalize("NFKD", text.translate(LATIN_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _slug(text: str, *, ascii_only: bool) -> str:
    kept = "".join(c if c.isalnum() and (c.isascii() or not ascii_only) else "-" for c in text.lower())
    return "-".join(part for part in kept.split("-") if part)[:MAX_SLUG].strip("-") or "report"


def file_name(title: str, date_from: date, date_to: date, extension: str, *, ascii_only: bool = True) -> str:
    """ASCII by default (safe in any header and file system); ``ascii_only=False`` keeps letters of any script."""
    slug = _slug(
        transliterated(title) if ascii_only else unicodedata.normalize("NFKC", title), ascii_only=ascii_only
    )
    return f"{slug}-{date_from.isoformat()}-to-{date_to.isoformat()}.{extension}"


def content_disposition(report: Report) -> str:
    """The download's ``attachment`` with both names (RFC 6266): the stored ASCII one, and the UTF-8 one as
    ``filename*`` (RFC 5987), which browsers prefer when they know it."""
    plain = report.file_name  # set with the success that makes a report downloadable
    assert plain is not None
    utf8 = file_name(report.title, report.date_from, report.date_to, report.format, ascii_only=False)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(utf8, safe='')}"
