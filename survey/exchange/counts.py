"""Grouped counts from the database: the small tables that `indicators/` turns into figures.

Public API for every view that shows figures (dashboards, reports, exports). Counting happens in
SQL (GROUP BY); nothing here loads individual answers into Python. The instrument definitions are
turned into a small mapping (version, group, question, answer step → indicator, positive) that the
query joins on, so a new instrument version needs no change here.

All functions return pandas DataFrames with förbund (and insats) as codes, ready for
`indicators.compute.indicator_table` and `indicators.outcomes.outcome_table`.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import pandas as pd
from sqlalchemy import Integer, String, and_, column, distinct, func, literal, select, union_all, values

from indicators.instrument import instruments

from ..extensions import db
from ..models import Answer, AvslutRecord, Forbund, Insats, Response

INDICATOR_COUNT_COLUMNS = ["forbund", "year", "respondent_group", "gender", "indicator",
                           "n_responses", "valid", "positive"]
QUESTION_COUNT_COLUMNS = ["forbund", "year", "respondent_group", "gender", "question",
                          "n_responses", "valid", "positive"]
OUTCOME_COUNT_COLUMNS = ["forbund", "year", "source", "gender", "utfall", "n"]
INCOME_COUNT_COLUMNS = ["forbund", "year", "gender", "forsorjning_efter", "n"]


# --------------------------------------------------------------------------- instrument mapping
@cache
def _indicator_mapping() -> tuple[tuple, ...]:
    """(version, group, question, step, indicator, positive, pooled) for every valid step.

    Only valid steps are listed, so joining on the step drops 9 (vet inte) and anything outside
    the scale; `pooled` marks indicators with several questions in one group, the only ones
    whose n_responses needs COUNT(DISTINCT response).
    """
    rows = []
    for version, inst in sorted(instruments().items()):
        for group in inst.groups:
            for indicator, qids in inst.indicator_questions(group).items():
                for qid in qids:
                    scale = inst.questions[qid].scale
                    for step in scale.valid_steps:
                        rows.append((version, group, qid, step, indicator,
                                     int(step in scale.positive), int(len(qids) > 1)))
    return tuple(rows)


def _question_mapping(question_id: str) -> tuple[tuple, ...]:
    rows = []
    for version, inst in sorted(instruments().items()):
        q = inst.questions.get(question_id)
        if q is None or q.scale is None:
            continue
        for group in q.groups:
            for step in q.scale.valid_steps:
                rows.append((version, group, question_id, step, question_id, int(step in q.scale.positive), 0))
    if not rows:
        raise ValueError(f"'{question_id}' is not a scale question of any instrument version")
    return tuple(rows)


def _mapping_cte(rows: tuple[tuple, ...], key_type):
    return values(
        column("version", String), column("grp", String), column("question", String),
        column("step", Integer), column("key", key_type), column("positive", Integer),
        column("pooled", Integer), name="m", literal_binds=True,
    ).data(list(rows)).cte("m")


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
    df = pd.DataFrame.from_records(rows, columns=raw_columns)
    df.insert(0, "forbund", df.pop("forbund_id").map(forbund_codes).astype(object))
    out_columns = list(columns)
    if by_insats:
        df.insert(1, "insats", df.pop("insats_id").map(insats_codes).astype(object))
        df["insats"] = df["insats"].where(df["insats"].notna(), None)
        out_columns.insert(1, "insats")
    for col in int_columns:
        df[col] = df[col].astype("int64")
    return df[out_columns]


def _scale_counts(mapping_rows, key_type, key_name: str, *, forbund_ids, years, groups,
                  insats_ids, by_insats) -> pd.DataFrame:
    m = _mapping_cte(mapping_rows, key_type)
    r, a = Response.__table__.c, Answer.__table__.c
    keys = [r.forbund_id, *([r.insats_id] if by_insats else []), r.year, r.respondent_group,
            r.kon, m.c.key]
    joined = (
        select()
        .select_from(Answer.__table__)
        .join(Response.__table__, r.id == a.response_id)
        .join(m, and_(m.c.version == r.instrument_version, m.c.grp == r.respondent_group,
                      m.c.question == a.question_id, m.c.step == a.value))
        .where(*_filters(r, forbund_ids=forbund_ids, years=years, groups=groups, insats_ids=insats_ids))
    )
    valid, positive = func.count().label("valid"), func.sum(m.c.positive).label("positive")
    # One question per response and indicator: every valid answer is a distinct response, so the
    # cheap COUNT(*) (hash aggregate) serves; only pooled indicators need COUNT(DISTINCT).
    single = (joined.add_columns(*keys, func.count().label("n_responses"), valid, positive)
              .where(m.c.pooled == 0).group_by(*keys))
    pooled = (joined.add_columns(*keys, func.count(distinct(r.id)).label("n_responses"), valid, positive)
              .where(m.c.pooled == 1).group_by(*keys))
    rows = db.session.execute(union_all(single, pooled)).all()
    columns = ["forbund", "year", "respondent_group", "gender", key_name, "n_responses", "valid", "positive"]
    ints = ["year", "n_responses", "valid", "positive"] + (["indicator"] if key_name == "indicator" else [])
    return _frame(rows, columns, by_insats, ints)


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
    """
    return _scale_counts(_indicator_mapping(), Integer, "indicator", forbund_ids=forbund_ids,
                         years=years, groups=groups, insats_ids=insats_ids, by_insats=by_insats)


def question_counts(question_id: str, *, forbund_ids=None, years=None, groups=None, insats_ids=None,
                    by_insats: bool = False) -> pd.DataFrame:
    """Like indicator_counts for one scale question (e.g. background `omsorg`, `vald_rutin`):
    `question` instead of `indicator`; positive = the scale's positive steps (for omsorg, Ja)."""
    return _scale_counts(_question_mapping(question_id), String, "question", forbund_ids=forbund_ids,
                         years=years, groups=groups, insats_ids=insats_ids, by_insats=by_insats)


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
    rows = db.session.execute(union_all(*parts) if len(parts) > 1 else parts[0]).all()
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
    rows = db.session.execute(
        select(t.forbund_id, t.year, t.kon, income, func.count())
        .where(*_filters(t, forbund_ids=forbund_ids, years=years))
        .group_by(t.forbund_id, t.year, t.kon, income)
    ).all()
    return _frame(rows, ["forbund", "year", "gender", column_name, "n"], False, ["year", "n"])


def campaign_response_counts(forbund_id: int) -> dict[int, int]:
    """campaign id → number of responses sent, for one förbund's campaigns."""
    t = Response.__table__.c
    return dict(db.session.execute(
        select(t.campaign_id, func.count())
        .where(t.forbund_id == forbund_id, t.campaign_id.is_not(None))
        .group_by(t.campaign_id)
    ).all())


def responses_per_forbund(year: int | None = None) -> pd.DataFrame:
    """Columns forbund, year, respondent_group, n: who answered (the national overview).

    n is a raw count; a page that shows it to anyone but the förbund itself applies disclosure.
    """
    t = Response.__table__.c
    stmt = select(t.forbund_id, t.year, t.respondent_group, func.count()).group_by(
        t.forbund_id, t.year, t.respondent_group)
    if year is not None:
        stmt = stmt.where(t.year == int(year))
    rows = db.session.execute(stmt).all()
    df = _frame(rows, ["forbund", "year", "respondent_group", "n"], False, ["year", "n"])
    return df.sort_values(["forbund", "year", "respondent_group"], ignore_index=True)
