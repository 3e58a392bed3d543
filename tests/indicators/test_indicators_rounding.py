"""Exact percentages rounded half up to one decimal (INSTRUMENT.md: 6.25 -> 6.3)."""
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from indicators.rounding import percent, percent_array, round_half_up


@pytest.mark.parametrize(
    ("positive", "valid", "expected"),
    [
        (1, 16, "6.3"),     # 6.25 exactly: half up, where float round() would give 6.2
        (1, 80, "1.3"),     # 1.25
        (3, 80, "3.8"),     # 3.75
        (1, 400, "0.3"),    # 0.25
        (117, 133, "88.0"),  # 87.969... (the INSTRUMENT.md example "88,0 % (117 av 133)")
        (1, 3, "33.3"),
        (2, 3, "66.7"),
        (1, 6, "16.7"),
        (0, 7, "0.0"),
        (5, 5, "100.0"),
    ],
)
def test_percent_is_exact_half_up_with_one_decimal(positive, valid, expected):
    value = percent(positive, valid)
    assert isinstance(value, Decimal)
    assert str(value) == expected


def test_percent_of_nothing_is_none():
    assert percent(0, 0) is None


@pytest.mark.parametrize(("positive", "valid"), [(-1, 3), (4, 3), (0, -1)])
def test_percent_refuses_impossible_counts(positive, valid):
    with pytest.raises(ValueError):
        percent(positive, valid)


def test_percent_array_agrees_with_percent_everywhere():
    pairs = [(p, v) for v in range(0, 201) for p in range(0, v + 1)]
    positive = np.array([p for p, _ in pairs])
    valid = np.array([v for _, v in pairs])
    got = percent_array(positive, valid)
    assert list(got) == [percent(p, v) for p, v in pairs]


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (Fraction(9, 4), "2.3"),
        (Fraction(-9, 4), "-2.3"),   # symmetric: halves go away from zero
        (Fraction(1, 3), "0.3"),
        (Fraction(-1, 1000), "0.0"),
        (Decimal("2.25"), "2.3"),
        (-14.049999, "-14.0"),
        (1.95, "2.0"),               # repr(1.95) is '1.95': rounded as written, not as stored
    ],
)
def test_round_half_up_signed(x, expected):
    assert str(round_half_up(x)) == expected
