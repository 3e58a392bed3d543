"""question_table: the genuskompass's background and staff questions (omsorg, vald_rutin) get a
table of their own, keyed by the question id, with exactly the indicator table's disclosure
(they used to pass through indicator_table under stand-in indicator numbers 901/902)."""
from __future__ import annotations

import pandas as pd
import pytest

from indicators import indicator_table, question_table
from indicators.compute import INDICATOR_COLUMNS, QUESTION_COLUMNS


def _counts() -> pd.DataFrame:
    """omsorg among participants of three förbund (one with 3 men), vald_rutin among staff (no
    gender split)."""
    rows = []
    for forbund, women, men in (("a", (20, 12), (18, 4)), ("b", (9, 3), (3, 1)), ("c", (30, 10), (25, 9))):
        for gender, (valid, positive) in (("kvinna", women), ("man", men)):
            rows.append((forbund, 2024, "deltagare_avslut", "omsorg", gender, valid, valid, positive))
        rows.append((forbund, 2024, "insatspersonal", "vald_rutin", "", 7, 7, 5))
    return pd.DataFrame(rows, columns=["forbund", "year", "respondent_group", "question", "gender",
                                       "n_responses", "valid", "positive"])


def test_question_table_is_keyed_by_the_question_and_hides_what_the_indicator_table_hides():
    counts = _counts()
    table = question_table(counts, k=5)
    assert tuple(table.columns) == QUESTION_COLUMNS and "indicator" not in table.columns
    assert set(table["question"]) == {"omsorg", "vald_rutin"}
    # The same counts through the indicator table, one stand-in number per question: the very
    # same cells, values and hidden cells, only the key differs.
    numbers = {"omsorg": 1, "vald_rutin": 2}
    as_indicator = indicator_table(counts.assign(indicator=counts["question"].map(numbers)).drop(columns="question"),
                                   k=5, by_gender=True)
    assert tuple(as_indicator.columns) == INDICATOR_COLUMNS
    back = as_indicator.assign(indicator=as_indicator["indicator"].map({v: q for q, v in numbers.items()}))
    back = back.rename(columns={"indicator": "question"})
    key = ["forbund", "year", "respondent_group", "question", "gender"]
    pd.testing.assert_frame_equal(table.sort_values(key).reset_index(drop=True),
                                  back[list(QUESTION_COLUMNS)].sort_values(key).reset_index(drop=True))
    b = table[table["forbund"].eq("b") & table["question"].eq("omsorg")].set_index("gender")
    # 3 men: hidden, and one more of the förbund's cells with them (the total, keeping women visible).
    assert b.loc["man", "suppressed"] == 1 and b["suppressed"].sum() >= 2
    staff = table[table["question"].eq("vald_rutin")]
    assert set(staff["gender"]) == {"alla"}  # staff are not asked their gender


def test_question_table_refuses_counts_without_a_question_column():
    with pytest.raises(KeyError, match="question"):
        question_table(_counts().drop(columns="question"), k=5)
