"""The published figures every results page, chart, export and report reads from.

Each table is computed ONCE over all förbund and years, in its fullest form (by gender, by insats,
with `riket`), with disclosure applied by `indicators/`; pages then only pick rows. That is what
keeps every view consistent: a cell hidden because of a sibling somewhere (another förbund under
riket, another insats under the förbund) is hidden on every page and in every file, so no two
views can be differenced into it (DISCLOSURE.md rule 7).

Computing the national tables over a large database takes a while, so they are kept per process
by exchange/cache.py under the data version, which every write of responses or avslut records
counts up in its own transaction: a kept table is used only while the data are unchanged. The
indicator and outcome tables are built in exchange/tables.py, where the exchange exports pick
their rows from the very same cached tables.
"""
from __future__ import annotations

import pandas as pd
from flask import current_app

from indicators.compute import indicator_table
from indicators.disclosure import SiblingSet, blank_suppressed, suppress
from indicators.outcomes import income_after_table

from ..exchange import cache, counts, tables

NATIONAL, INSATS_TOTAL = tables.NATIONAL, tables.INSATS_TOTAL  # one spelling for every view
# Background and staff questions of the genuskompass (sub-goals 4 and 6), run through the
# indicator table under stand-in numbers so that they get exactly the same disclosure.
QUESTION_NUMBERS = {"omsorg": 901, "vald_rutin": 902}


def k() -> int:
    return int(current_app.config["DISCLOSURE_K"])


def _table(name: str, build) -> pd.DataFrame:
    return cache.cached(name, k(), build)


def cached(key, build):
    """Anything derived from the tables (e.g. genuskompass comparisons), kept as long as they are."""
    return _table(key, build)


def clear() -> None:
    """Forget the cached tables (tests and the report command after loading data)."""
    cache.clear()


# --------------------------------------------------------------------------- the tables
def indicators() -> pd.DataFrame:
    """indicator_table by gender and insats, with riket: columns forbund, insats (`alla` = the
    förbund's own figure, "" = responses without insats), year, respondent_group, indicator,
    gender, n_responses, valid, positive, value, suppressed."""
    return tables.indicators(k())


def outcomes() -> pd.DataFrame:
    """outcome_table for both sources and every rate the genuskompass needs (sick leave too)."""
    return tables.outcomes(k())


def income_after() -> pd.DataFrame:
    return _table("income_after", lambda: income_after_table(counts.income_counts(), k=k(), national=True))


def question(question_id: str) -> pd.DataFrame:
    """An indicator-style table (by gender, with riket) for one background/staff question."""
    number = QUESTION_NUMBERS[question_id]

    def build():
        raw = counts.question_counts(question_id)
        raw = raw.rename(columns={"question": "indicator"}).assign(indicator=number)
        table = indicator_table(raw, k=k(), by_gender=True, national=True)
        return table.assign(question=question_id).drop(columns="indicator")
    return _table(f"question:{question_id}", build)


def responses() -> pd.DataFrame:
    """Questionnaires answered per förbund, year and respondent group, with riket; counts below k
    hidden, and förbund under riket complementary-suppressed (DISCLOSURE.md rule 6)."""
    def build():
        per = counts.responses_per_forbund()
        national = per.groupby(["year", "respondent_group"], as_index=False)["n"].sum().assign(forbund=NATIONAL)
        rows = pd.concat([per, national[per.columns]], ignore_index=True)
        forbund = SiblingSet(("year", "respondent_group"), "forbund", NATIONAL)
        rows = suppress(rows, count_col="n", k=k(), sibling_sets=[forbund], national=forbund)
        return blank_suppressed(rows, ["n"])
    return _table("responses", build)


def years_with_data(forbund: str | None = None) -> list[int]:
    table = indicators()
    if forbund is not None:
        table = table[table["forbund"].eq(forbund)]
    return sorted(int(y) for y in table["year"].unique())
