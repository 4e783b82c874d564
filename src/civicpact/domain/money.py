"""Money: Decimal amounts and the one rounding rule (half up, to the cent) used everywhere."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import floor

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """Round to the cent, halves away from zero: the rule for every published or paid amount."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def exact_to_cents(value: Fraction) -> Decimal:
    """Round an exact value (a ratio such as amount * index / base) to the cent, halves away from zero: the same
    rule as `to_cents`, without rounding the ratio first."""
    hundredths = value * 100
    magnitude = floor(abs(hundredths) + Fraction(1, 2))
    return Decimal(f"{magnitude if hundredths >= 0 else -magnitude}e-2")  # from text: exact at any size
