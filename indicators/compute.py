"""Indicator tables: from per-cell counts to published figures (INSTRUMENT.md, DISCLOSURE.md,
EXCHANGE.md `export indicators`).

The web app counts in SQL and hands over one row per (förbund, [insats,] year, respondent group,
indicator, kön) with n_responses, valid and positive. Those counts add up across kön and förbund
(n_responses counts distinct responses within one kön cell), so every published cell, the
national `riket` row included, is a sum of input rows, and its value is computed from the pooled
counts, never as a mean of percentages.

Disclosure is applied once, to the whole table, after computing. To keep several views of the
same data consistent (a page filtered on one förbund, the export with and without `--by gender`),
compute the fullest table once and filter its rows; do not recompute on a filtered input, since a
cell's visibility depends on its siblings (rule 7: no back doors through filters).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._tables import (
    INSATS_TOTAL,
    NATIONAL,
    NO_INSATS,
    RESERVED,
    clean_keys,
    count_columns,
    decode,
    pool,
    require_columns,
    sort_rows,
)
from .disclosure import (
    DEFAULT_K,
    GENDER_TOTAL,
    REPORT_GENDERS,
    SUPPRESSED,
    blank_suppressed,
    check_k,
    report_gender,
)
from .protection import HIDDEN_REASON, LIVE_AUDIT, protect_indicator_cells
from .instrument import PARTICIPANT_GROUPS
from .rounding import percent_array

__all__ = [
    "COUNT_COLUMNS",
    "INDICATOR_COLUMNS",
    "INSATS_TOTAL",
    "NATIONAL",
    "QUESTION_COLUMNS",
    "indicator_counts",
    "indicator_table",
    "question_table",
]

COUNT_COLUMNS = ("n_responses", "valid", "positive")
INDICATOR_COLUMNS = (
    "forbund", "year", "respondent_group", "indicator", "gender",
    *COUNT_COLUMNS, "value", SUPPRESSED, HIDDEN_REASON,
)
"""Columns of `indicator_table` (EXCHANGE.md); with by_insats, `insats` follows `forbund`."""
QUESTION_COLUMNS = tuple("question" if c == "indicator" else c for c in INDICATOR_COLUMNS)
"""Columns of `question_table`: a question id where an indicator table has its number."""


def _keys(by_insats: bool, measure: str = "indicator") -> list[str]:
    return ["forbund", *(["insats"] if by_insats else []), "year", "respondent_group", measure, "gender"]


def indicator_counts(
    counts: pd.DataFrame,
    *,
    by_gender: bool = False,
    national: bool = True,
    by_insats: bool = False,
) -> pd.DataFrame:
    """Pool input counts into every cell that will be published, BEFORE disclosure.

    Not for publication: use indicator_table. Exposed for analysts and for tests of the pooling.

    Returns columns forbund, [insats,] year, respondent_group, indicator, gender, n_responses,
    valid, positive, one row per cell with at least one input row, unsorted:
    - gender `alla` for every group; with by_gender also `kvinna`, `man` and `ovriga`
      (annat + ej_svar + blank kön, rule 3) for the participant groups only;
    - with by_insats, one row per insats (blank insats -> "") plus the förbund's own figure
      with insats `alla`;
    - with national, `riket` rows pooling the förbund figures (insats `alla`).
    """
    return decode(_pooled(counts, by_gender=by_gender, national=national, by_insats=by_insats))


def _pooled(counts: pd.DataFrame, *, by_gender: bool, national: bool, by_insats: bool,
            measure: str = "indicator") -> pd.DataFrame:
    """indicator_counts with categorical key columns (see _tables.clean_keys). measure: the key
    of what is counted, `indicator` (a number) or `question` (a question id, question_table)."""
    str_keys = ["forbund", *(["insats"] if by_insats else []), "respondent_group",
                *(["question"] if measure == "question" else [])]
    int_keys = ["year", *(["indicator"] if measure == "indicator" else [])]
    require_columns(counts, [*str_keys, *int_keys, *COUNT_COLUMNS,
                             *(["gender"] if by_gender else [])], "counts")
    keyed = counts
    if by_insats:  # responses not tied to an insats are a sibling of their own
        keyed = counts.assign(insats=counts["insats"].astype(object).where(counts["insats"].notna(), NO_INSATS))
    frame = pd.concat(
        [clean_keys(keyed, str_keys, int_keys, RESERVED), count_columns(counts, COUNT_COLUMNS)],
        axis=1,
    )
    if (frame["positive"] > frame["valid"]).any() or (frame["n_responses"] > frame["valid"]).any():
        raise ValueError("counts need positive <= valid and n_responses <= valid")
    frame["gender"] = (
        report_gender(counts["gender"]) if by_gender
        else pd.Categorical.from_codes(np.zeros(len(frame), np.int8), categories=REPORT_GENDERS)
    )

    keys = _keys(by_insats, measure)
    counts_ = list(COUNT_COLUMNS)
    rows = pool(frame, keys, "gender", GENDER_TOTAL, counts_)
    if by_gender:
        participants = frame[frame["respondent_group"].isin(PARTICIPANT_GROUPS)]
        # Input may hold annat, ej_svar and blank as separate rows: pool them into `ovriga`.
        split = participants.groupby(keys, sort=False, as_index=False, observed=True)[counts_].sum()
        rows = pd.concat([rows, split], ignore_index=True)
    if by_insats:
        rows = pd.concat([rows, pool(rows, keys, "insats", INSATS_TOTAL, counts_)], ignore_index=True)
    if national:
        forbund_rows = rows[rows["insats"].eq(INSATS_TOTAL)] if by_insats else rows
        rows = pd.concat([rows, pool(forbund_rows, keys, "forbund", NATIONAL, counts_)], ignore_index=True)
    return rows[[*keys, *counts_]]


def indicator_table(
    counts: pd.DataFrame,
    k: int = DEFAULT_K,
    by_gender: bool = False,
    national: bool = True,
    *,
    by_insats: bool = False,
) -> pd.DataFrame:
    """The published indicator table (EXCHANGE.md `export indicators`), disclosure applied.

    counts: one row per cell as counted in SQL, columns forbund, year, respondent_group,
        indicator, gender (kvinna, man, annat, ej_svar or blank; only read when by_gender),
        n_responses, valid, positive; with by_insats also insats.
    k: disclosure threshold (>= 5), applied to n_responses.
    by_gender: add kvinna/man/ovriga rows for the participant groups.
    national: add `riket` rows (counts pooled over all förbund in `counts`).
    by_insats: rows per insats too (an `insats` column after `forbund`); the insatser are
        siblings under the förbund's figure (insats `alla`), which is also the row that sits
        under `riket`. Responses without an insats form a sibling with insats "".

    Returns INDICATOR_COLUMNS: n_responses, valid, positive (Int64) and value (Decimal with one
    decimal, half up) are empty (<NA>/None) where suppressed == 1. Every cell with at least one
    input row is present, hidden or not. Sorted by forbund (`riket` last), [insats (`alla`
    first),] year, respondent_group, indicator, gender (alla, kvinna, man, ovriga: alphabetical).

    Disclosure: rule 1 on n_responses, then rule 2 over gender siblings (under `alla`), förbund
    siblings (under `riket`) and insats siblings (under `alla`) until no set changes.
    """
    return _table(counts, k, by_gender=by_gender, national=national, by_insats=by_insats, measure="indicator")


def question_table(counts: pd.DataFrame, k: int = DEFAULT_K, by_gender: bool = True, national: bool = True
                   ) -> pd.DataFrame:
    """indicator_table for questions that are not indicators (the genuskompass's optional
    background and staff questions, e.g. `omsorg`, `vald_rutin`): the same pooling, threshold and
    complementary suppression, keyed by the question id instead of an indicator number.

    counts: columns forbund, year, respondent_group, question, gender, n_responses, valid,
        positive (as counted per question cell). Returns QUESTION_COLUMNS.
    """
    return _table(counts, k, by_gender=by_gender, national=national, by_insats=False, measure="question")


def _table(counts: pd.DataFrame, k: int, *, by_gender: bool, national: bool, by_insats: bool,
           measure: str) -> pd.DataFrame:
    k = check_k(k)
    rows = _pooled(counts, by_gender=by_gender, national=national, by_insats=by_insats, measure=measure)
    keys = _keys(by_insats, measure)
    rows = protect_indicator_cells(rows, keys, k, audit=LIVE_AUDIT)
    rows["value"] = percent_array(rows["positive"].to_numpy(), rows["valid"].to_numpy())
    rows = blank_suppressed(rows, [*COUNT_COLUMNS, "value"])
    return decode(sort_rows(rows, keys)[[*keys, *COUNT_COLUMNS, "value", SUPPRESSED, HIDDEN_REASON]])
