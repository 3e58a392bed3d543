"""Grouped counts from the database: the small tables that `indicators/` turns into figures.

Public API for every view that shows figures (dashboards, reports, exports). Counting happens in
SQL (GROUP BY); nothing here loads individual answers into Python.

Indicator and question counts read the count cells (models.IndicatorCell / QuestionCell, kept
in the transaction of every write by cells.py): one GROUP BY over a few rows per cell instead of
over every answer. The count over the raw answers stays here as the reference
(`indicator_counts_from_answers`, `question_counts_from_answers`, `cell_rows_from_answers` for
`flask --app survey recount`): one query shaped like the plainest possible count, answers grouped
by cell and question with one sum per answer step; the instrument definitions then map (version,
group, question) to its indicator, valid and positive steps on that small table in pandas, so a
new instrument version needs no change here. The one thing a per-question count cannot give is
n_responses of a pooled indicator (several questions in one group, e.g. 15 = R1 + R2): a response
answering both must count once. The query therefore also sums, for pooled questions only, the
valid answers that are the response's first valid answer among the indicator's questions (a
correlated EXISTS on the answer primary key, run for those few rows only); their sum over the
indicator's questions is COUNT(DISTINCT response).

All functions return pandas DataFrames with förbund (and insats) as codes, ready for
`indicators.compute.indicator_table` and `indicators.outcomes.outcome_table`.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import numpy as np
import pandas as pd
from sqlalchemy import String, and_, exists, func, literal, or_, select, union_all

from indicators.instrument import instruments

from ..extensions import db
from ..models import Answer, AvslutRecord, Forbund, IndicatorCell, Insats, QuestionCell, Response

INDICATOR_COUNT_COLUMNS = ["forbund", "year", "respondent_group", "gender", "indicator",
                           "n_responses", "valid", "positive"]
QUESTION_COUNT_COLUMNS = ["forbund", "year", "respondent_group", "gender", "question",
                          "n_responses", "valid", "positive"]
OUTCOME_COUNT_COLUMNS = ["forbund", "year", "source", "gender", "utfall", "n"]
INCOME_COUNT_COLUMNS = ["forbund", "year", "gender", "forsorjning_efter", "n"]


# --------------------------------------------------------------------------- instrument mapping
@cache
def _max_step() -> int:
    return max(len(s.steps) for inst in instruments().values() for s in inst.scales.values())


def _mapping_frame(rows: list[tuple]) -> pd.DataFrame:
    """rows of (version, group, question, key, scale, pooled) → the merge table with one 0/1
    column per step for valid (v1…) and positive (p1…)."""
    records = []
    for version, group, qid, key, scale, pooled in rows:
        record = {"instrument_version": version, "respondent_group": group, "question_id": qid,
                  "key": key, "pooled": pooled}
        for step in range(1, _max_step() + 1):
            record[f"v{step}"] = int(step in scale.valid_steps)
            record[f"p{step}"] = int(step in scale.positive)
        records.append(record)
    return pd.DataFrame.from_records(records)


@cache
def _indicator_mapping() -> pd.DataFrame:
    rows = []
    for version, inst in sorted(instruments().items()):
        for group in inst.groups:
            for indicator, qids in inst.indicator_questions(group).items():
                for qid in qids:
                    rows.append((version, group, qid, indicator, inst.questions[qid].scale, len(qids) > 1))
    return _mapping_frame(rows)


def _question_mapping(question_id: str) -> pd.DataFrame:
    rows = [
        (version, group, question_id, question_id, inst.questions[question_id].scale, False)
        for version, inst in sorted(instruments().items())
        if question_id in inst.questions and inst.questions[question_id].scale is not None
        for group in inst.questions[question_id].groups
    ]
    if not rows:
        raise ValueError(f"'{question_id}' is not a scale question of any instrument version")
    return _mapping_frame(rows)


def _first_valid_pooled(r, a):
    """SQL condition: a valid answer on a pooled question that is its response's first valid
    answer among the indicator's questions (in definition order); None when nothing is pooled.

    The cheap IN test comes first, so the EXISTS probe (on the answer primary key) runs only
    for the few rows of pooled questions.
    """
    b = Answer.__table__.alias("b")
    branches: dict[tuple, list[str]] = {}  # (group, question, earlier questions, steps) → versions
    for version, inst in sorted(instruments().items()):
        for group in inst.groups:
            for qids in inst.indicator_questions(group).values():
                if len(qids) < 2:
                    continue
                for i, qid in enumerate(qids):
                    earlier = tuple((e, tuple(inst.questions[e].scale.valid_steps)) for e in qids[:i])
                    steps = tuple(inst.questions[qid].scale.valid_steps)
                    branches.setdefault((group, qid, earlier, steps), []).append(version)
    if not branches:
        return None
    alternatives = []
    for (group, qid, earlier, steps), versions in branches.items():
        condition = [r.respondent_group == group, a.question_id == qid,
                     r.instrument_version.in_(versions), a.value.in_(steps)]
        if earlier:
            condition.append(~exists().where(
                b.c.response_id == a.response_id,
                or_(*(and_(b.c.question_id == e, b.c.value.in_(s)) for e, s in earlier))))
        alternatives.append(and_(*condition))
    pooled_questions = sorted({qid for _g, qid, _e, _s in branches})
    return and_(a.question_id.in_(pooled_questions), or_(*alternatives))


# --------------------------------------------------------------------------- helpers
def _filters(table, *, forbund_ids=None, years=None, groups=None, insats_ids=None) -> list:
    conditions = []
    if forbund_ids is not None:
        conditions.append(table.forbund_id.in_(list(forbund_ids)))
    if years is not None:
        conditions.append(table.year.in_([int(y) for y in years]))
    if groups is not None:
        conditions.append(table.respondent_group.in_(list(groups)))
    if insats_ids is not None:
        conditions.append(table.insats_id.in_(list(insats_ids)))
    return conditions


def _codes() -> tuple[dict[int, str], dict[int, str]]:
    """förbund id → code and insats id → code: small tables, cheaper than joining per answer."""
    forbund = dict(db.session.execute(select(Forbund.id, Forbund.code)).all())
    insats = dict(db.session.execute(select(Insats.id, Insats.code)).all())
    return forbund, insats


def _frame(rows, columns: list[str], by_insats: bool, int_columns: Iterable[str]) -> pd.DataFrame:
    """Rows with forbund_id (and insats_id) first → DataFrame with codes in their place."""
    forbund_codes, insats_codes = _codes()
    raw_columns = ["forbund_id", *(["insats_id"] if by_insats else []), *columns[1:]]
    df = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(rows, columns=raw_columns)
    df.insert(0, "forbund", df.pop("forbund_id").map(forbund_codes).astype(object))
    out_columns = list(columns)
    if by_insats:
        df.insert(1, "insats", df.pop("insats_id").map(insats_codes).astype(object))
        df["insats"] = df["insats"].where(df["insats"].notna(), None)
        out_columns.insert(1, "insats")
    for col in int_columns:
        df[col] = df[col].astype("int64")
    if "gender" in df.columns:  # pandas grouping turns a blank kön into NaN: hand over None
        df["gender"] = df["gender"].astype(object).where(df["gender"].notna(), None)
    return df[out_columns]


def _execute(stmt, conn=None):
    return (conn if conn is not None else db.session).execute(stmt)


def _rows(stmt, conn=None) -> list[tuple]:
    """The result as plain tuples for pandas, which probes each SQLAlchemy Row with hasattr (an
    exception per row: 0.5 s for the 56,000 indicator cells of the 1M benchmark, 0.06 s so)."""
    return [tuple(row) for row in _execute(stmt, conn)]


def _step_counts(*, with_first: bool, by_insats: bool, forbund_ids=None, years=None, groups=None,
                 insats_ids=None, question_ids=None, conn=None) -> pd.DataFrame:
    """The reference count over the raw answers: one GROUP BY per cell, version and question with
    one count per answer step (s1…) and, with_first, the pooled first-valid count (`first`)."""
    r, a = Response.__table__.c, Answer.__table__.c
    keys = [r.forbund_id, *([r.insats_id] if by_insats else []), r.year, r.respondent_group, r.kon,
            r.instrument_version, a.question_id]
    max_step = _max_step()
    # COUNT(*) FILTER: cheaper than SUM(CASE …) on both databases (SQLite ≥ 3.30, PostgreSQL).
    steps = [func.count().filter(a.value == step) for step in range(1, max_step + 1)]
    conditions = _filters(r, forbund_ids=forbund_ids, years=years, groups=groups, insats_ids=insats_ids)
    if question_ids is not None:
        conditions.append(a.question_id.in_(question_ids))
    first = _first_valid_pooled(r, a) if with_first else None
    pooled = literal(0) if first is None else func.count().filter(first)
    stmt = (select(*keys, *steps, pooled)
            .select_from(Answer.__table__).join(Response.__table__, r.id == a.response_id)
            .where(a.value.between(1, max_step), *conditions)
            .group_by(*keys))
    cell = ["forbund_id", *(["insats_id"] if by_insats else []), "year", "respondent_group", "kon"]
    step_cols = [f"s{step}" for step in range(1, max_step + 1)]
    return pd.DataFrame.from_records(_rows(stmt, conn),
                                     columns=[*cell, "instrument_version", "question_id", *step_cols, "first"])


def _map_counts(raw: pd.DataFrame, mapping: pd.DataFrame, *, by_insats: bool, by_version: bool) -> pd.DataFrame:
    """Per-question step counts → per mapped key (indicator or question): n_responses, valid,
    positive; cells without a valid answer are dropped."""
    max_step = _max_step()
    step_cols = [f"s{step}" for step in range(1, max_step + 1)]
    # Questions outside their group or version (and background questions) have no mapping row.
    merged = raw.merge(mapping, on=["instrument_version", "respondent_group", "question_id"], how="inner")
    counts = merged[step_cols].to_numpy(dtype=np.int64)
    merged["valid"] = (counts * merged[[f"v{s}" for s in range(1, max_step + 1)]].to_numpy()).sum(axis=1)
    merged["positive"] = (counts * merged[[f"p{s}" for s in range(1, max_step + 1)]].to_numpy()).sum(axis=1)
    merged["n_responses"] = np.where(merged["pooled"], merged["first"].astype(np.int64), merged["valid"])
    merged = merged[merged["valid"] > 0]
    cell = ["forbund_id", *(["insats_id"] if by_insats else []), "year", "respondent_group", "kon",
            *(["instrument_version"] if by_version else [])]
    return (merged.groupby([*cell, "key"], dropna=False, sort=False, as_index=False)
            [["n_responses", "valid", "positive"]].sum())


def _scale_counts_from_answers(mapping: pd.DataFrame, key_name: str, *, forbund_ids, years, groups,
                               insats_ids, by_insats, question_ids=None) -> pd.DataFrame:
    raw = _step_counts(with_first=bool(mapping["pooled"].any()), by_insats=by_insats,
                       forbund_ids=forbund_ids, years=years, groups=groups, insats_ids=insats_ids,
                       question_ids=question_ids)
    out = _map_counts(raw, mapping, by_insats=by_insats, by_version=False)
    out = out.rename(columns={"kon": "gender", "key": key_name})
    columns = ["forbund", "year", "respondent_group", "gender", key_name, "n_responses", "valid", "positive"]
    ints = ["year", "n_responses", "valid", "positive"] + (["indicator"] if key_name == "indicator" else [])
    ordered = out[["forbund_id", *(["insats_id"] if by_insats else []), *columns[1:]]]
    return _frame(ordered, columns, by_insats, ints)


@cache
def _all_questions_mapping() -> pd.DataFrame:
    rows = [
        (version, group, qid, qid, q.scale, False)
        for version, inst in sorted(instruments().items())
        for qid, q in inst.questions.items() if q.scale is not None
        for group in q.groups
    ]
    return _mapping_frame(rows)


def cell_rows_from_answers(conn=None) -> tuple[list[dict], list[dict]]:
    """Every indicator cell and question cell (models.IndicatorCell, QuestionCell) recounted from
    the raw answers in one GROUP BY pass: what `flask --app survey recount` writes."""
    raw = _step_counts(with_first=True, by_insats=True, conn=conn)
    out = []
    for mapping, key, sums in ((_indicator_mapping(), "indicator", ["n_responses", "valid", "positive"]),
                               (_all_questions_mapping(), "question_id", ["valid", "positive"])):
        mapped = _map_counts(raw, mapping, by_insats=True, by_version=True).rename(columns={"key": key})
        mapped["insats_id"] = mapped["insats_id"].fillna(0)
        mapped["kon"] = mapped["kon"].astype(object).where(mapped["kon"].notna(), "")
        columns = ["forbund_id", "insats_id", "year", "respondent_group", "instrument_version", "kon", key, *sums]
        records = []
        for values in mapped[columns].itertuples(index=False, name=None):
            record = dict(zip(columns, values))
            for c in ("forbund_id", "insats_id", "year", *sums, *(["indicator"] if key == "indicator" else [])):
                record[c] = int(record[c])
            records.append(record)
        out.append(records)
    return out[0], out[1]


def _cell_counts(table, key_column: str, key_name: str, *, forbund_ids, years, groups, insats_ids,
                 by_insats: bool, where=()) -> pd.DataFrame:
    """Sums of the count cells over what is not asked for (instrument version; insats unless
    by_insats), in the public column layout."""
    t = table.c
    keys = [t.forbund_id, *([t.insats_id] if by_insats else []), t.year, t.respondent_group, t.kon, t[key_column]]
    n = t.n_responses if "n_responses" in t else t.valid
    stmt = (select(*keys, func.sum(n), func.sum(t.valid), func.sum(t.positive))
            .where(*_filters(t, forbund_ids=forbund_ids, years=years, groups=groups, insats_ids=insats_ids),
                   *where)
            .group_by(*keys))
    raw_columns = ["forbund_id", *(["insats_id"] if by_insats else []), "year", "respondent_group", "gender",
                   key_name, "n_responses", "valid", "positive"]
    df = pd.DataFrame.from_records(_rows(stmt), columns=raw_columns)
    if df.empty and key_name == "question":
        df[key_name] = df[key_name].astype("str")  # as the reference count's (from the mapping)
    df["gender"] = df["gender"].astype(object).where(df["gender"].ne(""), None)
    if by_insats:
        df["insats_id"] = df["insats_id"].astype(object).where(df["insats_id"].ne(0), None)
    columns = ["forbund", "year", "respondent_group", "gender", key_name, "n_responses", "valid", "positive"]
    ints = ["year", "n_responses", "valid", "positive"] + (["indicator"] if key_name == "indicator" else [])
    return _frame(df, columns, by_insats, ints)


# --------------------------------------------------------------------------- public API
def indicator_counts(*, forbund_ids=None, years=None, groups=None, insats_ids=None,
                     by_insats: bool = False) -> pd.DataFrame:
    """Counts per förbund, year, respondent group, kön and indicator (INSTRUMENT.md).

    Columns: forbund (code), [insats (code or None) when by_insats,] year, respondent_group,
    gender (Response.kon: kvinna/man/annat/ej_svar or None), indicator, n_responses, valid,
    positive. valid = answers in the scale's steps (not 9, not missing); positive = valid answers
    in the positive steps; n_responses = distinct responses with at least one valid answer on the
    indicator's questions (pooled indicators: sums over their questions, distinct responses).
    Filters take ids (förbund, insats), years and group codes; None means no filter.

    Read from the count cells (cells.py), which every write keeps up to date;
    indicator_counts_from_answers is the same count over the raw answers.
    """
    return _cell_counts(IndicatorCell.__table__, "indicator", "indicator", forbund_ids=forbund_ids,
                        years=years, groups=groups, insats_ids=insats_ids, by_insats=by_insats)


def question_counts(question_id: str, *, forbund_ids=None, years=None, groups=None, insats_ids=None,
                    by_insats: bool = False) -> pd.DataFrame:
    """Like indicator_counts for one scale question (e.g. background `omsorg`, `vald_rutin`):
    `question` instead of `indicator`; positive = the scale's positive steps (for omsorg, Ja)."""
    _question_mapping(question_id)  # a ValueError for anything but a scale question
    return _cell_counts(QuestionCell.__table__, "question_id", "question", forbund_ids=forbund_ids,
                        years=years, groups=groups, insats_ids=insats_ids, by_insats=by_insats,
                        where=[QuestionCell.__table__.c.question_id == question_id])


def indicator_counts_from_answers(*, forbund_ids=None, years=None, groups=None, insats_ids=None,
                                  by_insats: bool = False) -> pd.DataFrame:
    """indicator_counts computed from the raw answers (the reference for recount and tests)."""
    return _scale_counts_from_answers(_indicator_mapping(), "indicator", forbund_ids=forbund_ids,
                                      years=years, groups=groups, insats_ids=insats_ids, by_insats=by_insats)


def question_counts_from_answers(question_id: str, *, forbund_ids=None, years=None, groups=None,
                                 insats_ids=None, by_insats: bool = False) -> pd.DataFrame:
    """question_counts computed from the raw answers (the reference for recount and tests)."""
    return _scale_counts_from_answers(_question_mapping(question_id), "question", forbund_ids=forbund_ids,
                                      years=years, groups=groups, insats_ids=insats_ids, by_insats=by_insats,
                                      question_ids=[question_id])


def outcome_counts(*, forbund_ids=None, years=None, source: str | None = None) -> pd.DataFrame:
    """Outcome counts per förbund, year, source, kön and utfall (OUTCOMES.md).

    source 'avslut': staff-registered avslut records; 'enkat': the `utfall` answer of
    deltagare_avslut responses (blank utfall included: it counts in no rate). None: both.
    Columns forbund, year, source, gender, utfall, n.
    """
    if source not in (None, "avslut", "enkat"):
        raise ValueError(f"unknown source '{source}'")
    parts = []
    if source in (None, "avslut"):
        t = AvslutRecord.__table__.c
        keys = [t.forbund_id, t.year, literal("avslut", String).label("source"), t.kon, t.utfall]
        parts.append(select(*keys, func.count())
                     .where(*_filters(t, forbund_ids=forbund_ids, years=years))
                     .group_by(t.forbund_id, t.year, t.kon, t.utfall))
    if source in (None, "enkat"):
        t = Response.__table__.c
        keys = [t.forbund_id, t.year, literal("enkat", String).label("source"), t.kon, t.utfall]
        parts.append(select(*keys, func.count())
                     .where(t.respondent_group == "deltagare_avslut",
                            *_filters(t, forbund_ids=forbund_ids, years=years))
                     .group_by(t.forbund_id, t.year, t.kon, t.utfall))
    rows = _rows(union_all(*parts) if len(parts) > 1 else parts[0])
    return _frame(rows, OUTCOME_COUNT_COLUMNS, False, ["year", "n"])


def income_counts(*, forbund_ids=None, years=None, column_name: str = "forsorjning_efter") -> pd.DataFrame:
    """Avslut records per förbund, year, kön and income source after the intervention.

    Columns forbund, year, gender, forsorjning_efter, n (with column_name='forsorjning_fore' the
    fourth column is forsorjning_fore instead).
    """
    if column_name not in ("forsorjning_efter", "forsorjning_fore"):
        raise ValueError(f"unknown income column '{column_name}'")
    t = AvslutRecord.__table__.c
    income = t[column_name]
    rows = _rows(
        select(t.forbund_id, t.year, t.kon, income, func.count())
        .where(*_filters(t, forbund_ids=forbund_ids, years=years))
        .group_by(t.forbund_id, t.year, t.kon, income)
    )
    return _frame(rows, ["forbund", "year", "gender", column_name, "n"], False, ["year", "n"])


def responses_by_campaign() -> pd.DataFrame:
    """Columns forbund, year, respondent_group, campaign (id; 0 for responses without a campaign,
    e.g. imported), n: every response counted once. Raw counts: releases.py publishes them."""
    t = Response.__table__.c
    # Grouped on the bare column, in ix_response_campaign's order: a scan of that index alone (a
    # COALESCE in the GROUP BY sorts the million rows first, 0.6 s of the report command).
    rows = pd.DataFrame.from_records(
        _rows(select(t.forbund_id, t.year, t.respondent_group, t.campaign_id, func.count())
              .group_by(t.forbund_id, t.year, t.respondent_group, t.campaign_id)),
        columns=["forbund_id", "year", "respondent_group", "campaign", "n"])
    rows["campaign"] = rows["campaign"].fillna(0)
    return _frame(rows, ["forbund", "year", "respondent_group", "campaign", "n"], False, ["year", "campaign", "n"])


# --------------------------------------------------------------------------- breakdowns (issue 11)
OUTCOME_DETAIL_COLUMNS = ["forbund", "year", "source", "gender", "alder", "utfall", "n"]


def outcome_detail_counts() -> pd.DataFrame:
    """outcome_counts split further by insats and age band (indicators.breakdowns): columns
    forbund, insats (code or None), year, source, gender, alder (code or None), utfall, n. Its sums
    over insats and alder are outcome_counts() of the same moment."""
    parts = []
    for source, t, where in (("avslut", AvslutRecord.__table__.c, ()),
                             ("enkat", Response.__table__.c, (Response.__table__.c.respondent_group == "deltagare_avslut",))):
        keys = [t.forbund_id, t.insats_id, t.year, literal(source, String).label("source"), t.kon, t.alder, t.utfall]
        # In ix_response_outcome's order, which then covers the participants' part.
        parts.append(select(*keys, func.count()).where(*where)
                     .group_by(t.forbund_id, t.year, t.kon, t.utfall, t.insats_id, t.alder))
    frame = _frame(_rows(union_all(*parts)), OUTCOME_DETAIL_COLUMNS, True, ["year", "n"])
    frame["alder"] = frame["alder"].astype(object).where(frame["alder"].notna(), None)
    return frame


def income_transition_counts() -> pd.DataFrame:
    """Avslut records per förbund, year, kön, income source before and after: columns forbund,
    year, gender, forsorjning_fore, forsorjning_efter, n. Its sums over forsorjning_fore are
    income_counts() of the same moment."""
    t = AvslutRecord.__table__.c
    rows = _rows(select(t.forbund_id, t.year, t.kon, t.forsorjning_fore, t.forsorjning_efter, func.count())
                 .group_by(t.forbund_id, t.year, t.kon, t.forsorjning_fore, t.forsorjning_efter))
    frame = _frame(rows, ["forbund", "year", "gender", "forsorjning_fore", "forsorjning_efter", "n"], False, ["year", "n"])
    for column in ("forsorjning_fore", "forsorjning_efter"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def months_counts() -> pd.DataFrame:
    """Avslut records per förbund, year, kön and months in the intervention: columns forbund, year,
    gender, manader (whole months or None), n."""
    t = AvslutRecord.__table__.c
    rows = _rows(select(t.forbund_id, t.year, t.kon, t.manader, func.count())
                 .group_by(t.forbund_id, t.year, t.kon, t.manader))
    frame = _frame(rows, ["forbund", "year", "gender", "manader", "n"], False, ["year", "n"])
    frame["manader"] = frame["manader"].astype(object).where(frame["manader"].notna(), None)
    return frame
