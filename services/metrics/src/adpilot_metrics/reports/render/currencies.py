"""How many decimals an amount of a currency has in reports: its ISO 4217 minor unit (the project has no
currency data library; Python has none built in). Only the exceptions to two decimals are listed."""

from __future__ import annotations

# ISO 4217 (list one, 2024) currencies whose minor unit is not 2. Currencies not listed, and codes we do not know,
# get 2 decimals.
MINOR_UNIT_EXCEPTIONS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def minor_unit_digits(currency: str) -> int:
    """Decimals of an amount in ``currency`` (JPY 0, EUR 2, KWD 3)."""
    return MINOR_UNIT_EXCEPTIONS.get(currency.upper(), 2)
