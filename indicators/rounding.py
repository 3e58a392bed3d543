"""Exact percentages, rounded half up to one decimal (INSTRUMENT.md: 6.25 -> 6.3).

Floats cannot represent most tenths exactly (6.25 is fine, but 0.1 + 0.2 is not 0.3), so every
published figure is computed with integers and Decimal. The vectorised variant serves the tables,
which can hold hundreds of thousands of cells.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np

__all__ = ["CAUTION_BELOW", "needs_caution", "percent", "percent_array", "percent_whole", "round_half_up"]

CAUTION_BELOW = 20
"""A percentage resting on fewer valid answers (or records) than this carries a caution and no
decimal (GENUSKOMPASS.md: "osäker: få svar"). At 19 answers one answer moves the share by more
than 5 points, so a tenth of a point would suggest a precision the figure does not have. The rule
lives here, with the rounding, so that no view decides a "< n" of its own (DISCLOSURE.md rule 8)."""

_TENTH = Decimal("0.1")
# A percentage of a proportion in [0, 1] has at most 1001 possible tenths: build each Decimal once
# and pick them by index, so a column of 500k values costs one numpy take, not 500k constructors.
_TENTHS = np.array([Decimal(i).scaleb(-1) for i in range(1001)], dtype=object)


def _tenths(positive: int, valid: int) -> int:
    """round_half_up(1000 * positive / valid) in pure integer arithmetic (no double rounding)."""
    quotient, remainder = divmod(1000 * positive, valid)
    return quotient + (2 * remainder >= valid)


def percent(positive: int, valid: int) -> Decimal | None:
    """positive / valid as a percentage with one decimal, rounded half up; None when valid == 0.

    >>> percent(1, 16)
    Decimal('6.3')
    >>> percent(117, 133)
    Decimal('88.0')
    """
    positive, valid = int(positive), int(valid)
    if valid < 0 or not 0 <= positive <= valid:
        raise ValueError(f"need 0 <= positive <= valid, got positive={positive}, valid={valid}")
    if valid == 0:
        return None
    return _TENTHS[_tenths(positive, valid)]


def needs_caution(base) -> bool:
    """True when a share rests on fewer than CAUTION_BELOW valid answers or records (and on any)."""
    return base is not None and 0 < int(base) < CAUTION_BELOW


def percent_whole(positive: int, valid: int) -> Decimal | None:
    """positive / valid as a whole percentage, rounded half up from the exact share (never from
    the one-decimal figure, which would round twice: 12.45 -> 12.5 -> 13).

    >>> percent_whole(1, 8)
    Decimal('13')
    """
    positive, valid = int(positive), int(valid)
    if valid < 0 or not 0 <= positive <= valid:
        raise ValueError(f"need 0 <= positive <= valid, got positive={positive}, valid={valid}")
    if valid == 0:
        return None
    return round_half_up(Fraction(100 * positive, valid), 0)


def percent_array(positive: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Vectorised percent(): an object array of Decimal, None where valid == 0.

    The caller guarantees 0 <= positive <= valid (the tables validate their input).
    """
    positive = np.asarray(positive, dtype=np.int64)
    valid = np.asarray(valid, dtype=np.int64)
    out = np.full(positive.shape, None, dtype=object)
    ok = valid > 0
    p, v = positive[ok], valid[ok]
    quotient, remainder = np.divmod(1000 * p, v)
    out[ok] = _TENTHS[quotient + (2 * remainder >= v)]
    return out


def round_half_up(x: Fraction | Decimal | float, places: int = 1) -> Decimal:
    """Round a signed number to `places` decimals, halves away from zero.

    Away from zero keeps the rounding symmetric, so a gap of -2.25 points (women minus men)
    rounds to -2.3 exactly as +2.25 rounds to 2.3. Floats are taken by their shortest repr.
    """
    quantum = Decimal(1).scaleb(-places)
    if isinstance(x, Fraction):
        # Decimal division is inexact for e.g. 1/3; scale to an integer problem instead.
        scaled = x * 10**places
        q, r = divmod(abs(scaled.numerator), scaled.denominator)
        q += 2 * r >= scaled.denominator
        return (Decimal(q if scaled >= 0 else -q) * quantum).quantize(quantum)
    if isinstance(x, float):
        x = Decimal(repr(x))
    return Decimal(x).quantize(quantum, rounding=ROUND_HALF_UP)
