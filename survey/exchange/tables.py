"""The full published tables that every view picks its rows from: dashboards, reports and the
exchange exports (CLI and /data/ downloads).

Each table is computed ONCE over all förbund and years, in its fullest form (by gender, by insats,
with `riket`), with disclosure applied by `indicators/`, and kept by cache.py under the data
version. Views only pick rows. Complementary suppression makes a cell's visibility depend on its
siblings (other genders, other förbund under riket, other insatser under the förbund), so a table
computed on its own for one view could hide different cells than another view and be differenced
against it (DISCLOSURE.md rule 7). Picking from one table keeps a cell hidden on a page hidden in
every file, and the other way round.

Lives here, not in results/, so that exporting.py can use it without importing the results
blueprint (results/data.py re-exports it for the pages).
"""
from __future__ import annotations

import pandas as pd

from indicators.compute import indicator_table
from indicators.outcomes import ALL_RATES, outcome_table

from . import cache, counts

NATIONAL = "riket"
INSATS_TOTAL = "alla"


def indicators(k: int) -> pd.DataFrame:
    """indicator_table by gender and insats, with riket: columns forbund, insats (`alla` = the
    förbund's own figure, "" = responses without insats), year, respondent_group, indicator,
    gender, n_responses, valid, positive, value, suppressed."""
    return cache.cached("indicators", k, lambda: indicator_table(
        counts.indicator_counts(by_insats=True), k=k, by_gender=True, national=True, by_insats=True))


def outcomes(k: int) -> pd.DataFrame:
    """outcome_table for both sources and every rate the genuskompass needs (sick leave too)."""
    return cache.cached("outcomes", k, lambda: outcome_table(counts.outcome_counts(), k=k, national=True,
                                                            rates=ALL_RATES))
