"""Money: Decimal amounts and the one rounding rule (half up, to the cent) used everywhere."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """Round to the cent, halves away from zero: the rule for every published or paid amount."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
