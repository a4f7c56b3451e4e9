"""QR code rendering of a provisioning URI, as PNG (segno: pure Python, no Pillow).

Scale and quiet zone follow what phone cameras read reliably: 8 px per module and the 4-module quiet zone
the QR standard requires, which for a typical ``otpauth://`` URI (version 6-8 at error level M) gives an
image of roughly 390-460 px square. Error correction M (~15 %) tolerates glare and a slightly dirty screen.
The PNG is 1-bit greyscale, a few hundred bytes to ~1 KB, so it can be returned inline as a data URI.
"""

from __future__ import annotations

import base64
import io

import segno

__all__ = ["QR_BORDER_MODULES", "QR_SCALE", "qr_png", "qr_png_data_uri"]

QR_SCALE = 8
QR_BORDER_MODULES = 4


def qr_png(uri: str) -> bytes:
    """A PNG image (black on white) of a QR code encoding ``uri``."""
    code = segno.make(uri, error="m", micro=False, boost_error=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER_MODULES, dark="black", light="white")
    return buffer.getvalue()


def qr_png_data_uri(uri: str) -> str:
    """``qr_png(uri)`` as a ``data:image/png;base64,...`` URI, for an ``<img src>`` in a JSON response."""
    return "data:image/png;base64," + base64.b64encode(qr_png(uri)).decode("ascii")
