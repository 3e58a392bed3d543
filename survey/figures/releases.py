"""Released counts: a published figure moves only in steps of at least k (DISCLOSURE.md rule 4).

Recounting figures on every send would let anyone compare a page or export from before and after
one participant sends and read that person's answers off the difference; a förbund could also
add a few responses with known answers (padding) and subtract them. So pages and exports never
read the live counts (counts.py): they read the counts last *released* for each source, and a
unit of a source is released anew only when what it rests on has changed by at least k
responses or records since its last release. Until then it shows its earlier value.

A unit is what one figure's base counts:
- indicator and question counts: one row (förbund, insats, year, group, kön, indicator), base
  n_responses (questions: valid);
- outcome counts: förbund, year, source and kön together (every rate of the group shares the
  records), base the number of records; income sources likewise (förbund, year, kön);
- questionnaires answered: förbund, year, group and campaign, base the responses. Pages sum
  these for a förbund's questionnaires answered, so campaigns and totals move together.
Every published figure is a sum of units, each of which moved by 0 or at least k since the
previous release, so the difference of any two published states of a figure rests on at least
k responses (additions and deletions each count).

The first release of a source (an installation's first page view, a restored or migrated
database) publishes the counts as they are. Responses that have not yet filled a step are left
out of every figure, totals included, until they do; the pages say so.

Each release is stored (models.Release) and taken under a row lock, so that several app
processes publish one sequence of states. The steps use the installation's DISCLOSURE_K.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models import Forbund, Release
from indicators.release import step

from . import counts
from .cells import dialect_insert

__all__ = ["campaign_response_counts", "income_counts", "indicator_counts", "outcome_counts",
           "question_counts", "responses_per_forbund"]


def indicator_counts() -> pd.DataFrame:
    """counts.indicator_counts(by_insats=True) as last released: one unit per row."""
    return _released("indicators", lambda: counts.indicator_counts(by_insats=True),
                     unit=("forbund", "insats", "year", "respondent_group", "gender", "indicator"),
                     base="n_responses")


def question_counts(question_id: str) -> pd.DataFrame:
    """counts.question_counts(question_id) as last released: one unit per row."""
    return _released(f"question:{question_id}", lambda: counts.question_counts(question_id),
                     unit=("forbund", "year", "respondent_group", "gender", "question"), base="valid")


def outcome_counts() -> pd.DataFrame:
    """counts.outcome_counts() as last released: förbund, year, source and kön move together."""
    return _released("outcomes", counts.outcome_counts, unit=("forbund", "year", "source", "gender"), base="n")


def income_counts(column_name: str = "forsorjning_efter") -> pd.DataFrame:
    """counts.income_counts() as last released: förbund, year and kön move together."""
    return _released(f"income:{column_name}", lambda: counts.income_counts(column_name=column_name),
                     unit=("forbund", "year", "gender"), base="n")


def _answered() -> pd.DataFrame:
    return _released("answered", counts.responses_by_campaign,
                     unit=("forbund", "year", "respondent_group", "campaign"), base="n")


def responses_per_forbund(*, forbund_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """Columns forbund, year, respondent_group, n: questionnaires answered, as last released."""
    frame = _answered()
    if forbund_ids is not None:
        codes = set(db.session.execute(select(Forbund.code).where(Forbund.id.in_(list(forbund_ids)))).scalars())
        frame = frame[frame["forbund"].isin(codes)]
    out = frame.groupby(["forbund", "year", "respondent_group"], as_index=False)["n"].sum()
    return out.sort_values(["forbund", "year", "respondent_group"], ignore_index=True)


def campaign_response_counts(forbund_id: int) -> dict[int, int]:
    """campaign id → responses sent, as last released, for one förbund's campaigns."""
    code = db.session.execute(select(Forbund.code).where(Forbund.id == forbund_id)).scalar()
    frame = _answered()
    frame = frame[frame["forbund"].eq(code) & frame["campaign"].ne(0)]
    return {int(c): int(n) for c, n in frame.groupby("campaign")["n"].sum().items()}


def _released(name: str, live: Callable[[], pd.DataFrame], *, unit: Sequence[str], base: str) -> pd.DataFrame:
    """Take one release of source `name`: lock its row, read the live counts, step, store, commit."""
    k = int(current_app.config["DISCLOSURE_K"])
    session = db.session
    # The row first, then its lock (PostgreSQL: the row; SQLite: the database): processes
    # publish one after the other, each from the state the previous one stored.
    conn = session.connection()
    table = Release.__table__
    conn.execute(dialect_insert(conn)(table).values(name=name, counts=None, steps=0).on_conflict_do_nothing())
    conn.execute(update(table).where(table.c.name == name).values(steps=table.c.steps))
    stored = conn.execute(select(table.c.counts).where(table.c.name == name)).scalar()
    current = live()
    published = None if stored is None else _decode(stored, current)
    released, moved = step(published, current, unit, base, k)
    if published is None or moved:
        conn.execute(update(table).where(table.c.name == name)
                     .values(counts=_encode(released), steps=table.c.steps + 1))
    session.commit()
    return released


def _encode(frame: pd.DataFrame) -> str:
    rows = frame.astype(object).where(frame.notna(), None).values.tolist()
    return json.dumps({"columns": list(frame.columns), "rows": rows}, default=int, ensure_ascii=False)


def _decode(text: str, like: pd.DataFrame) -> pd.DataFrame | None:
    """A stored release in the live frame's layout and types; None (publish anew) when the
    source's columns have changed since it was stored."""
    data = json.loads(text)
    if data["columns"] != list(like.columns):
        return None
    frame = pd.DataFrame(data["rows"], columns=data["columns"])
    for column in like.columns:
        if like[column].dtype.kind in "iu":
            frame[column] = frame[column].astype(np.int64)
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


# --------------------------------------------------------------------------- breakdowns (issue 11)
def outcome_details() -> pd.DataFrame:
    """counts.outcome_detail_counts() as released: per unit of outcome_counts() (förbund, year,
    source, kön) the rows whose sums over insats and age band are that unit's released counts
    (the totals the breakdown shares with the outcome table; see _released_detail)."""
    totals = outcome_counts()
    return _released_detail("outcome_details", totals, counts.outcome_detail_counts(),
                            unit=("forbund", "year", "source", "gender"), by=("insats", "alder"))


def income_transitions() -> pd.DataFrame:
    """counts.income_transition_counts() as released, adding up over the income source before to
    income_counts() (after) as released."""
    totals = income_counts()
    return _released_detail("income_transitions", totals, counts.income_transition_counts(),
                            unit=("forbund", "year", "gender"), by=("forsorjning_fore",))


def months_counts() -> pd.DataFrame:
    """counts.months_counts() as last released: förbund, year and kön move together."""
    return _released("months", counts.months_counts, unit=("forbund", "year", "gender"), base="n")


PENDING = "~"
"""The by-value of a unit's records that cannot be broken down yet (indicators.breakdowns.PENDING)."""


def _released_detail(name: str, totals: pd.DataFrame, live: pd.DataFrame, *, unit: Sequence[str],
                     by: Sequence[str]) -> pd.DataFrame:
    """A finer split of a released source that always adds up to it: per unit of `totals`, the
    split stored last time if it still adds up to the unit's released counts, else the live split
    if it does (the unit has just been released anew from these very counts), else the unit's
    released counts with every `by` column PENDING (a send between the two queries; the split
    follows at the unit's next step). So the split moves only when its totals move (in steps of
    at least k, DISCLOSURE.md rule 4), and never shows records its totals do not."""
    session = db.session
    conn = session.connection()
    table = Release.__table__
    conn.execute(dialect_insert(conn)(table).values(name=name, counts=None, steps=0).on_conflict_do_nothing())
    conn.execute(update(table).where(table.c.name == name).values(steps=table.c.steps))
    stored = conn.execute(select(table.c.counts).where(table.c.name == name)).scalar()
    published = None if stored is None else _decode(stored, live)
    unit, by = list(unit), list(by)
    rest = [c for c in totals.columns if c != "n"]  # unit and the category

    def signatures(frame: pd.DataFrame) -> dict:
        out: dict = {}
        if frame is None or frame.empty:
            return out
        sums = frame.groupby(rest, dropna=False, sort=False)["n"].sum()
        for key, n in sums.items():
            key = key if isinstance(key, tuple) else (key,)
            key = tuple(None if pd.isna(v) else v for v in key)
            if n:
                out.setdefault(key[:len(unit)], set()).add((key[len(unit):], int(n)))
        return out

    def by_unit(frame: pd.DataFrame | None) -> dict:
        if frame is None or frame.empty:
            return {}
        keys = frame[unit].astype(object).where(frame[unit].notna(), None).itertuples(index=False, name=None)
        groups: dict = {}
        for i, key in enumerate(keys):
            groups.setdefault(tuple(key), []).append(i)
        return groups

    want, have_pub, have_live = signatures(totals), signatures(published), signatures(live)
    pub_rows, live_rows = by_unit(published), by_unit(live)
    total_rows = by_unit(totals)
    parts = []
    for key, signature in want.items():
        if published is not None and have_pub.get(key) == signature:
            parts.append(published.iloc[pub_rows[key]])
        elif have_live.get(key) == signature:
            parts.append(live.iloc[live_rows[key]])
        else:
            pending = totals.iloc[total_rows[key]].copy()
            for column in by:
                pending[column] = PENDING
            parts.append(pending[list(live.columns)])
    released = pd.concat(parts, ignore_index=True) if parts else live.iloc[0:0]
    released = released[list(live.columns)].reset_index(drop=True)
    for column in released.columns:
        if released[column].dtype.kind not in "iufb":
            released[column] = released[column].astype(object).where(released[column].notna(), None)
    encoded = _encode(released)
    if encoded != stored:
        conn.execute(update(table).where(table.c.name == name).values(counts=encoded, steps=table.c.steps + 1))
    session.commit()
    return released
