"""The published figures every results page, chart, export and report reads from.

Each table is computed ONCE over all förbund and years, in its fullest form (by gender, by insats,
with `riket`), with disclosure applied by `indicators/`; pages then only pick rows. That is what
keeps every view consistent: a cell hidden because of a sibling somewhere (another förbund under
riket, another insats under the förbund) is hidden on every page and in every file, so no two
views can be differenced into it (DISCLOSURE.md rule 7).

Computing the national tables over a large database takes seconds, so they are kept per process
and recomputed when the data changes (row counts and highest ids of responses and avslut records)
or after CACHE_SECONDS, whichever comes first.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pandas as pd
from flask import current_app
from sqlalchemy import func, select

from indicators.compute import indicator_table
from indicators.disclosure import SiblingSet, blank_suppressed, suppress
from indicators.outcomes import ALL_RATES, income_after_table, outcome_table

from ..exchange import counts
from ..extensions import db
from ..models import AvslutRecord, Response

NATIONAL = "riket"
INSATS_TOTAL = "alla"
CACHE_SECONDS = 600
# Background and staff questions of the genuskompass (sub-goals 4 and 6), run through the
# indicator table under stand-in numbers so that they get exactly the same disclosure.
QUESTION_NUMBERS = {"omsorg": 901, "vald_rutin": 902}


def k() -> int:
    return int(current_app.config["DISCLOSURE_K"])


def fingerprint() -> tuple:
    r, a = Response.__table__.c, AvslutRecord.__table__.c
    return tuple(db.session.execute(select(
        select(func.count()).select_from(Response.__table__).scalar_subquery(),
        select(func.max(r.id)).scalar_subquery(),
        select(func.count()).select_from(AvslutRecord.__table__).scalar_subquery(),
        select(func.max(a.id)).scalar_subquery(),
    )).one())


@dataclass
class _Cache:
    key: tuple | None = None
    at: float = 0.0
    tables: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _cache() -> _Cache:
    return current_app.extensions.setdefault("results_figures", _Cache())


def _table(name: str, build) -> pd.DataFrame:
    cache = _cache()
    key = (k(), fingerprint())
    with cache.lock:
        if cache.key != key or time.monotonic() - cache.at > CACHE_SECONDS:
            cache.key, cache.at, cache.tables = key, time.monotonic(), {}
        if name not in cache.tables:
            cache.tables[name] = build()
        return cache.tables[name]


def cached(key, build):
    """Anything derived from the tables (e.g. genuskompass comparisons), kept as long as they are."""
    return _table(key, build)


def clear() -> None:
    """Forget the cached tables (tests and the report command after loading data)."""
    cache = _cache()
    with cache.lock:
        cache.key, cache.tables = None, {}


# --------------------------------------------------------------------------- the tables
def indicators() -> pd.DataFrame:
    """indicator_table by gender and insats, with riket: columns forbund, insats (`alla` = the
    förbund's own figure, "" = responses without insats), year, respondent_group, indicator,
    gender, n_responses, valid, positive, value, suppressed."""
    return _table("indicators", lambda: indicator_table(
        counts.indicator_counts(by_insats=True), k=k(), by_gender=True, national=True, by_insats=True))


def outcomes() -> pd.DataFrame:
    """outcome_table for both sources and every rate the genuskompass needs (sick leave too)."""
    return _table("outcomes", lambda: outcome_table(counts.outcome_counts(), k=k(), national=True,
                                                   rates=ALL_RATES))


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
        rows = suppress(rows, count_col="n", k=k(),
                        sibling_sets=[SiblingSet(("year", "respondent_group"), "forbund", NATIONAL)])
        return blank_suppressed(rows, ["n"])
    return _table("responses", build)


def years_with_data(forbund: str | None = None) -> list[int]:
    table = indicators()
    if forbund is not None:
        table = table[table["forbund"].eq(forbund)]
    return sorted(int(y) for y in table["year"].unique())
