"""Count cells: indicator and question counts kept up to date in the transaction of every write.

Counting every answer on every export or dashboard costs seconds on a large database, so each
write of responses also adds its contribution to small pre-aggregated tables (models.IndicatorCell
and models.QuestionCell): per förbund, insats, year, respondent group, instrument version and kön,
the number of responses with a valid answer, the valid answers and the positive ones, exactly as
INSTRUMENT.md defines them. counts.py then sums these rows instead of the answers.

What a response contributes is computed here, in Python, from the instrument definition, by ONE
function (`Contributions.add`) that every writer goes through:
- ORM writes (the participant send, tests): the flush events at the end of this module;
- the importer's bulk path (and the demo data through it): `apply` once per file;
- restore, the migration that adds the tables, and `flask --app survey recount`: `rebuild`, which
  recounts everything from the answers with the reference GROUP BY of counts.py.
An increment is an upsert (INSERT … ON CONFLICT … DO UPDATE SET n = n + excluded.n, SQLite ≥ 3.24
and PostgreSQL), so concurrent writers never lose one another's counts.

The same transactions count up `data_version` (one row), the key of the per-process cache of
computed tables (cache.py). A Core-level write of responses, answers or avslut records that
bypasses this module must call `apply`/`bump_version` itself, or be followed by a recount.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from indicators.instrument import instruments

from ..models import Answer, AvslutRecord, DataVersion, IndicatorCell, QuestionCell, Response

CELL_KEY = ("forbund_id", "insats_id", "year", "respondent_group", "instrument_version", "kon")
# Response columns a cell depends on; a stored response must not change them.
_COUNTED = ("forbund_id", "insats_id", "year", "respondent_group", "instrument_version", "kon")


# --------------------------------------------------------------------------- contributions
@dataclass(frozen=True)
class _Plan:
    """What counts for one (instrument version, respondent group)."""
    indicators: tuple  # ((indicator, ((question, valid steps, positive steps), …)), …)
    questions: dict  # scale question → (valid steps, positive steps)


@cache
def _plan(version: str, group: str) -> _Plan | None:
    inst = instruments().get(version)
    if inst is None:
        return None

    def steps(qid):
        scale = inst.questions[qid].scale
        return frozenset(scale.valid_steps), frozenset(scale.positive)

    indicators = tuple(
        (number, tuple((qid, *steps(qid)) for qid in qids))
        for number, qids in inst.indicator_questions(group).items()
    ) if group in inst.groups else ()
    questions = {qid: steps(qid) for qid, q in inst.questions.items()
                 if q.scale is not None and group in q.groups}
    return _Plan(indicators, questions)


def cell_key(forbund_id, insats_id, year, respondent_group, instrument_version, kon) -> tuple:
    """The key of a response's cell: blank insats is 0 and blank kön '' (never NULL)."""
    return (int(forbund_id), int(insats_id or 0), int(year), respondent_group, instrument_version, kon or "")


@dataclass
class Contributions:
    """Summed contributions of some responses: cell key + (indicator,) → [n_responses, valid,
    positive], cell key + (question,) → [valid, positive]."""
    indicators: dict = field(default_factory=dict)
    questions: dict = field(default_factory=dict)
    responses: int = 0

    def add(self, forbund_id, insats_id, year, respondent_group, instrument_version, kon,
            answers: Mapping[str, int], sign: int = 1) -> None:
        """Add one response (sign=-1: take it away). `answers`: question id → stored value."""
        self.responses += 1
        plan = _plan(instrument_version, respondent_group)
        if plan is None:
            return  # unknown version: counts nowhere, as in the reference count
        key = cell_key(forbund_id, insats_id, year, respondent_group, instrument_version, kon)
        for number, questions in plan.indicators:
            valid = positive = 0
            for qid, valid_steps, positive_steps in questions:
                value = answers.get(qid)
                if value in valid_steps:
                    valid += 1
                    positive += value in positive_steps
            if valid:
                sums = self.indicators.setdefault((*key, number), [0, 0, 0])
                sums[0] += sign
                sums[1] += sign * valid
                sums[2] += sign * positive
        for qid, value in answers.items():
            steps = plan.questions.get(qid)
            if steps is not None and value in steps[0]:
                sums = self.questions.setdefault((*key, qid), [0, 0])
                sums[0] += sign
                sums[1] += sign * (value in steps[1])

    def add_response(self, response: Response, answers: Mapping[str, int], sign: int = 1) -> None:
        self.add(response.forbund_id, response.insats_id, response.year, response.respondent_group,
                 response.instrument_version, response.kon, answers, sign)

    def __bool__(self) -> bool:
        return bool(self.responses)


def contributions(responses: Iterable[tuple[tuple, Mapping[str, int]]]) -> Contributions:
    """(cell fields in CELL_KEY order, answers) for each response → their summed contributions."""
    out = Contributions()
    for fields, answers in responses:
        out.add(*fields, answers)
    return out


# --------------------------------------------------------------------------- writing
def dialect_insert(conn):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the product supports these two
        raise RuntimeError(f"no upsert for {conn.dialect.name}")
    return insert


def _connection(where) -> sa.Connection:
    """The connection of a session's transaction, or the connection given."""
    return where.connection() if isinstance(where, (Session, scoped_session)) else where


def bump_version(where) -> None:
    """Count the data version up, in the caller's transaction (a session or a connection)."""
    conn = _connection(where)
    table = DataVersion.__table__
    stmt = dialect_insert(conn)(table).values(id=1, version=1)
    conn.execute(stmt.on_conflict_do_update(index_elements=[table.c.id],
                                            set_={"version": table.c.version + 1}))


def set_version_above(where, floor: int) -> int:
    """Set the data version above both `floor` and its present value (after a restore replaced
    the data wholesale, no cached table of before may match)."""
    conn = _connection(where)
    new = max(int(floor), current_version(conn)) + 1
    table = DataVersion.__table__
    stmt = dialect_insert(conn)(table).values(id=1, version=new)
    conn.execute(stmt.on_conflict_do_update(index_elements=[table.c.id], set_={"version": new}))
    return new


def current_version(where) -> int:
    """The data version (0 before the first write); one primary-key read."""
    conn = _connection(where)
    value = conn.execute(sa.select(DataVersion.version).where(DataVersion.id == 1)).scalar()
    return int(value or 0)


def _upsert(conn, table: sa.Table, key_names: list[str], sum_names: list[str], items: dict) -> None:
    if not items:
        return
    insert = dialect_insert(conn)(table)
    stmt = insert.on_conflict_do_update(
        index_elements=[table.c[k] for k in key_names],
        set_={s: table.c[s] + insert.excluded[s] for s in sum_names})
    # Sorted, so that two writers lock shared rows in the same order (no deadlock).
    rows = [dict(zip(key_names, key)) | dict(zip(sum_names, sums)) for key, sums in sorted(items.items())]
    conn.execute(stmt, rows)
    if any(sums[0] < 0 for sums in items.values()):  # something was taken away: drop empty cells
        conn.execute(table.delete().where(
            *(table.c[k] == sa.bindparam(f"k_{k}") for k in key_names), table.c[sum_names[0]] <= 0),
            [{f"k_{k}": v for k, v in zip(key_names, key)} for key in sorted(items)])


def apply(where, contrib: Contributions) -> None:
    """Write summed contributions (and count the data version up) in the caller's transaction."""
    conn = _connection(where)
    bump_version(conn)  # first: every writer then takes the shared locks in one order
    _upsert(conn, IndicatorCell.__table__, [*CELL_KEY, "indicator"], ["n_responses", "valid", "positive"],
            contrib.indicators)
    _upsert(conn, QuestionCell.__table__, [*CELL_KEY, "question_id"], ["valid", "positive"], contrib.questions)


def take_away(where, response_ids: Sequence[int], into: Contributions | None = None) -> Contributions:
    """The contributions of stored responses that a Core-level delete (retention) is about to
    remove, read while their answers still exist, with sign -1 (added to `into`); `apply` them in
    the transaction of the delete."""
    conn = _connection(where)
    out = into if into is not None else Contributions()
    ids = sorted(response_ids)
    r = Response.__table__.c
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        answers = _stored_answers(conn, chunk)
        for row in conn.execute(sa.select(r.id, *(r[c] for c in CELL_KEY)).where(r.id.in_(chunk))):
            out.add(*row[1:], answers.get(row[0], {}), sign=-1)
    return out


def delete_responses(where, response_ids: list[int]) -> int:
    """Delete stored responses with their answers in the caller's transaction, taking away their
    contributions (take_away) and counting the data version up: for undoing an import."""
    conn = _connection(where)
    if not response_ids:
        return 0
    apply(conn, take_away(conn, response_ids))  # bumps the version even when nothing counted
    r = Response.__table__.c
    deleted = 0
    for start in range(0, len(response_ids), 1000):
        chunk = response_ids[start:start + 1000]
        conn.execute(Answer.__table__.delete().where(Answer.__table__.c.response_id.in_(chunk)))
        deleted += conn.execute(Response.__table__.delete().where(r.id.in_(chunk))).rowcount or 0
    return deleted


def rebuild(where) -> tuple[int, int]:
    """Recount every cell from the raw answers (one GROUP BY pass, counts.py's reference count),
    replacing what the tables hold, in the caller's transaction. Returns (indicator cells,
    question cells)."""
    from .counts import cell_rows_from_answers

    conn = _connection(where)
    # The version row first: on PostgreSQL its lock waits for writers in flight and holds new
    # ones back until we commit, so the count below misses no write and none is overwritten.
    bump_version(conn)
    indicator_rows, question_rows = cell_rows_from_answers(conn)
    for table, rows in ((IndicatorCell.__table__, indicator_rows), (QuestionCell.__table__, question_rows)):
        conn.execute(table.delete())
        for start in range(0, len(rows), 5000):
            conn.execute(table.insert(), rows[start:start + 5000])
    return len(indicator_rows), len(question_rows)


# --------------------------------------------------------------------------- ORM flush events
_PENDING = "finsam_cells_pending"


def _loaded_answers(response: Response) -> dict[str, int] | None:
    answers = response.__dict__.get("answers")
    return None if answers is None else {a.question_id: a.value for a in answers}


def _stored_answers(conn, response_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {rid: {} for rid in response_ids}
    t = Answer.__table__.c
    for start in range(0, len(response_ids), 1000):
        for rid, qid, value in conn.execute(sa.select(t.response_id, t.question_id, t.value)
                                            .where(t.response_id.in_(response_ids[start:start + 1000]))):
            out[rid][qid] = value
    return out


def before_flush(session: Session) -> None:
    """Before rows go: take away the contributions of deleted responses (read while their answers
    still exist), and refuse changes that would need recounting a stored response."""
    deleted = [o for o in session.deleted if isinstance(o, Response)]
    deleted_ids = {o.id for o in deleted}
    for obj in session.dirty:
        if isinstance(obj, Response) and session.is_modified(obj):
            state = sa.inspect(obj)
            if any(state.attrs[c].history.has_changes() for c in _COUNTED):
                raise RuntimeError("a stored response's cell fields cannot change; counts would drift "
                                   "(delete and store it anew)")
    for obj in session.new:
        if isinstance(obj, Answer):
            parent = obj.__dict__.get("response")
            if parent is None or parent not in session.new:
                raise RuntimeError("answers can only be added with their new response; counts would drift")
    for obj in session.deleted:
        if isinstance(obj, Answer) and obj.response_id not in deleted_ids:
            raise RuntimeError("answers of a stored response cannot be deleted alone; counts would drift")
    for obj in session.dirty:
        if isinstance(obj, Answer) and session.is_modified(obj):
            raise RuntimeError("answers of a stored response cannot change; counts would drift")
    contrib = Contributions()
    if deleted:
        stored = _stored_answers(session.connection(), sorted(deleted_ids))
        for obj in deleted:
            contrib.add_response(obj, stored.get(obj.id, {}), sign=-1)
    session.info[_PENDING] = (contrib, bool(deleted) or any(
        isinstance(o, AvslutRecord) for o in (*session.new, *session.deleted, *session.dirty)))


def after_flush(session: Session) -> None:
    """After the rows are written: add the contributions of new responses."""
    contrib, changed = session.info.pop(_PENDING, (Contributions(), False))
    new = [o for o in session.new if isinstance(o, Response)]
    if new:
        missing = [o.id for o in new if _loaded_answers(o) is None]
        stored = _stored_answers(session.connection(), missing) if missing else {}
        for obj in new:
            answers = _loaded_answers(obj)
            contrib.add_response(obj, stored.get(obj.id, {}) if answers is None else answers)
    if contrib:
        apply(session, contrib)
    elif changed:
        bump_version(session)


@sa.event.listens_for(Session, "before_flush")
def _counts_before_flush(session, flush_context, instances) -> None:
    """Responses and avslut records written through the ORM (the participant send, tests) update
    the count cells and the data version in the flush that writes them. Registered on import;
    the app factory imports this module (survey/__init__.py)."""
    before_flush(session)


@sa.event.listens_for(Session, "after_flush")
def _counts_after_flush(session, flush_context) -> None:
    after_flush(session)
