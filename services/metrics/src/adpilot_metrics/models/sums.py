from decimal import Decimal

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.orm import Mapped, mapped_column


class MetricSums:
    """The additive measures shared by facts and rollups; ratios (CTR, CPA, ...) are derived from these."""

    impressions: Mapped[int] = mapped_column(BigInteger)
    clicks: Mapped[int] = mapped_column(BigInteger)
    spend_micros: Mapped[int] = mapped_column(BigInteger)
    conversions: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    conversion_value_micros: Mapped[int] = mapped_column(BigInteger)
