"""Count cells (survey/exchange/cells.py): every write keeps them equal to a recount from the raw
answers, on SQLite and PostgreSQL; the data version moves with every write and the table cache
follows it."""
from __future__ import annotations

import itertools
import os
import threading

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.instrument import instruments
from survey import importing
from survey.figures import cache, cells, counts
from survey.extensions import db
from survey.models import AvslutRecord, Forbund, IndicatorCell, QuestionCell
from tests.answer.helpers import answer_all, send
from tests.answer.test_flow import PARTICIPANT_VALUES
from tests.conftest import _base_config
from tests.exchange.helpers import avslut, response

_keys = itertools.count(1)
SCALE_QUESTIONS = sorted({q for inst in instruments().values() for q, d in inst.questions.items() if d.scale})
GROUPS = sorted({g for inst in instruments().values() for g in inst.groups})
KON = [None, "kvinna", "man", "annat", "ej_svar"]


def stored_cells() -> tuple[list[dict], list[dict]]:
    """The cell tables as stored, in the layout of counts.cell_rows_from_answers."""
    out = []
    for table in (IndicatorCell.__table__, QuestionCell.__table__):
        rows = db.session.execute(sa.select(table)).mappings().all()
        out.append(sorted((dict(r) for r in rows), key=lambda r: sorted(r.items())))
    return out[0], out[1]


def recounted() -> tuple[list[dict], list[dict]]:
    ind, que = counts.cell_rows_from_answers()
    return (sorted(ind, key=lambda r: sorted(r.items())), sorted(que, key=lambda r: sorted(r.items())))


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns[:-3]), key=lambda s: s.astype(str)).reset_index(drop=True)


def assert_same_counts(cells_df: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert list(cells_df.columns) == list(reference.columns)
    if reference.empty:  # the reference's dtypes of an empty result depend on where it emptied
        assert cells_df.empty
        return
    pd.testing.assert_frame_equal(_sorted(cells_df), _sorted(reference))


def assert_cells_match_answers() -> None:
    db.session.expire_all()
    assert stored_cells() == recounted()
    for by_insats in (False, True):
        assert_same_counts(counts.indicator_counts(by_insats=by_insats),
                           counts.indicator_counts_from_answers(by_insats=by_insats))
    for question in ("omsorg", "vald_rutin", "R1"):
        assert_same_counts(counts.question_counts(question, by_insats=True),
                           counts.question_counts_from_answers(question, by_insats=True))


# --------------------------------------------------------------------------- property
_response = st.fixed_dictionaries({
    "forbund": st.sampled_from(["alfa", "beta"]),
    "insats": st.sampled_from([None, "steget"]),
    "year": st.sampled_from([2023, 2024]),
    "group": st.sampled_from(GROUPS),
    "version": st.sampled_from(sorted(instruments())),
    "kon": st.sampled_from(KON),
    "answers": st.dictionaries(st.sampled_from(SCALE_QUESTIONS), st.sampled_from([1, 2, 3, 4, 9]), max_size=8),
    "via": st.sampled_from(["orm", "import"]),
})


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(batch=st.lists(_response, min_size=1, max_size=12))
def test_cells_equal_recount_after_random_writes(app, factory, batch):
    """Random responses, some through the ORM (as the participant send), some through the
    importer's bulk path (as files and demo data), with answers outside their group or version
    and 9s: the cells always equal the recount from the raw answers."""
    forbund = {f.code: f for f in db.session.scalars(sa.select(Forbund))}  # examples share the database
    for code in ("alfa", "beta"):
        if code not in forbund:
            forbund[code] = factory.forbund(code)
            factory.insats(forbund[code], "steget")
    insats = {code: f.insatser[0] for code, f in forbund.items()}
    imported = []
    for r in batch:
        if r["via"] == "orm":
            response(forbund[r["forbund"]], r["group"], r["answers"], kon=r["kon"], year=r["year"],
                     version=r["version"], insats=insats[r["forbund"]] if r["insats"] else None, commit=False)
        else:
            imported.append({"key": f"imp{next(_keys)}", "forbund": r["forbund"], "insats": r["insats"],
                             "year": r["year"], "respondent_group": r["group"], "instrument_version": r["version"],
                             "kon": r["kon"], "alder": None, "utfall": None, "kommentar": None,
                             "answers": r["answers"]})
    db.session.commit()
    if imported:
        importing.store(importing.Checked("responses", rows=imported), user_id=None, source="test")
    assert_cells_match_answers()


# --------------------------------------------------------------------------- the writers
CSV = """response_id;forbund;insats;year;respondent_group;instrument_version;kon;D1;D2;D7;R1;R2;omsorg
x1;alfa;steget;2024;deltagare_avslut;2021-A;kvinna;1;2;1;;;2
x2;alfa;steget;2024;deltagare_avslut;2021-A;man;4;9;2;;;1
x3;alfa;;2024;remittenter;2021-A;;;;;1;4;
x4;alfa;;2024;remittenter;2021-A;;;;;9;2;
"""


def test_send_import_restore_and_recount_keep_cells_equal_to_the_answers(app, client, factory, runner, tmp_path):
    campaign = factory.campaign(factory.forbund("alfa"), optional=["omsorg"])
    v0 = cells.current_version(db.session)
    send(client, answer_all(client, campaign, PARTICIPANT_VALUES))
    v1 = cells.current_version(db.session)
    assert v1 > v0
    cell = counts.indicator_counts()
    # The sent questionnaire: D1 = 1 is valid and positive for indicator 1; D5 = 9 counts nowhere.
    one = cell[(cell["indicator"] == 1)].iloc[0]
    assert (one.gender, one.n_responses, one.valid, one.positive) == ("kvinna", 1, 1, 1)
    assert 5 not in set(cell["indicator"])
    assert_cells_match_answers()

    checked = importing.check_file(CSV.encode(), "x.csv", "responses")
    assert not checked.errors, checked.errors
    importing.store(checked, user_id=None, source="test")
    assert cells.current_version(db.session) > v1
    k15 = counts.indicator_counts(groups=["remittenter"])
    # R1=1, R2=4 | R1=9, R2=2: three valid answers (1 and 2 positive) from two responses.
    assert k15[k15["indicator"] == 15][["n_responses", "valid", "positive"]].values.tolist() == [[2, 3, 2]]
    assert_cells_match_answers()
    # Re-importing the same file changes no count.
    before = stored_cells()
    importing.store(importing.check_file(CSV.encode(), "x.csv", "responses"), user_id=None, source="test")
    assert stored_cells() == before

    # recount: repairs cells that a write outside the app left wrong, and changes nothing else.
    db.session.execute(sa.delete(IndicatorCell).where(IndicatorCell.indicator == 1))
    db.session.execute(sa.update(QuestionCell).values(valid=QuestionCell.valid + 7))
    db.session.commit()
    assert stored_cells() != before
    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0, result.output
    assert "indicator cells" in result.output
    assert stored_cells() == before
    assert_cells_match_answers()

    # restore --force over the same database: cells recounted from the restored answers, and
    # the data version above everything before, so no cached table of before matches.
    path = tmp_path / "b.zip"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    response(factory.forbund("beta"), answers={"D1": 1}, kon="man")  # after the backup: goes away
    version_before = cells.current_version(db.session)
    db.session.remove()
    result = runner.invoke(args=["restore", "--force", str(path)])
    assert result.exit_code == 0, result.output
    assert stored_cells() == before
    assert cells.current_version(db.session) > version_before
    assert_cells_match_answers()


def test_migration_fills_cells_of_a_populated_database(app, factory):
    """The revision that adds the cells fills them from the answers already stored."""
    a = factory.forbund("alfa")
    response(a, answers={"D1": 1, "D2": 3}, kon="kvinna")
    response(a, "remittenter", {"R1": 1, "R2": 2})
    expected = stored_cells()
    assert expected[0], "the ORM writes filled the cells"
    db.session.execute(sa.delete(IndicatorCell))
    db.session.execute(sa.delete(QuestionCell))
    db.session.commit()
    from flask_migrate import downgrade, upgrade

    db.session.remove()
    downgrade(revision="eaf2d5ff1588")
    upgrade()
    assert stored_cells() == expected


def test_orm_deletes_take_contributions_away_and_edits_are_refused(app, factory):
    a = factory.forbund("alfa")
    keep = response(a, answers={"D1": 1}, kon="kvinna")
    gone = response(a, answers={"D1": 4, "D2": 1}, kon="kvinna")
    assert counts.indicator_counts()["n_responses"].sum() == 3
    db.session.delete(gone)
    db.session.commit()
    assert_cells_match_answers()
    assert counts.indicator_counts()[["indicator", "n_responses", "valid", "positive"]].values.tolist() == [[1, 1, 1, 1]]
    keep.kon = "man"
    with pytest.raises(RuntimeError, match="cannot change"):
        db.session.flush()
    db.session.rollback()
    assert_cells_match_answers()


# --------------------------------------------------------------------------- concurrency
@pytest.fixture
def pg_url(postgres_server):
    name = f"c_{os.getpid()}_{next(_keys)}"
    postgres_server.execute(f"CREATE DATABASE {name} TEMPLATE finsam_template")
    yield postgres_server.url(name)
    postgres_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_concurrent_writes_on_postgresql_lose_no_increment(pg_url):
    """Eight threads, each with its own connection, write 15 responses into the SAME cells at the
    same moment: every increment is there."""
    from survey import create_app

    app = create_app(_base_config(pg_url))
    threads, per_thread = 8, 15
    with app.app_context():
        db.session.add(Forbund(code="alfa", name="Alfa"))
        db.session.commit()
        forbund_id = db.session.scalar(sa.select(Forbund.id))
        db.session.remove()
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(n):
        try:
            with app.app_context():
                forbund = db.session.get(Forbund, forbund_id)
                start.wait()
                for i in range(per_thread):
                    response(forbund, answers={"D1": 1 + (i % 4), "D2": 2}, kon="kvinna")
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert not errors, errors
    with app.app_context():
        got = counts.indicator_counts()
        one = got[got["indicator"] == 1].iloc[0]
        total = threads * per_thread
        positive = threads * sum(1 for i in range(per_thread) if 1 + i % 4 <= 2)
        assert (one.n_responses, one.valid, one.positive) == (total, total, positive)
        assert got[got["indicator"] == 2].iloc[0].n_responses == total
        assert cells.current_version(db.session) >= total
        assert_cells_match_answers()
        db.session.remove()
        db.engine.dispose()


# --------------------------------------------------------------------------- data version, cache
def test_every_write_moves_the_data_version_and_the_cache_follows(app, client, factory, runner):
    a = factory.forbund("alfa")
    builds = []

    def build():
        builds.append(1)
        return counts.indicator_counts()

    seen = [cells.current_version(db.session)]

    def moved():
        version = cells.current_version(db.session)
        assert version > seen[-1]
        seen.append(version)

    first = cache.cached("test", 5, build)
    assert first.empty and cache.cached("test", 5, build) is first and len(builds) == 1
    assert cache.cached("test", 6, build) is not first and len(builds) == 2  # k is part of the key

    response(a, answers={"D1": 1}, kon="kvinna")  # ORM write (as the send)
    moved()
    fresh = cache.cached("test", 5, build)
    assert fresh["n_responses"].sum() == 1 and len(builds) == 3

    importing.store(importing.check_file(CSV.encode(), "x.csv", "responses", create=True), user_id=None, source="t")
    moved()
    # x1: indicators 1, 2, 7; x2: 1, 7 (D2 = 9); x3, x4: 15 once each.
    assert cache.cached("test", 5, build)["n_responses"].sum() == fresh["n_responses"].sum() + 7

    avslut(a)  # ORM avslut record (as the form)
    moved()
    avslut_csv = "forbund;year;kon;utfall\nalfa;2024;man;arbete\n"
    importing.store(importing.check_file(avslut_csv.encode(), "a.csv", "avslut"), user_id=None, source="t")
    moved()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AvslutRecord)) == 2

    db.session.refresh(a)
    campaign = factory.campaign(a, a.insatser[0])  # the insats the file created
    send(client, answer_all(client, campaign, PARTICIPANT_VALUES))
    moved()
    assert runner.invoke(args=["recount"]).exit_code == 0
    moved()

    # Another process (another app on the same database) keeps its own copy, and sees the write
    # made here at its next use.
    from survey import create_app

    other = create_app(dict(app.config))
    with other.app_context():
        seen_there = cache.cached("test", 5, build)["n_responses"].sum()
    response(a, answers={"D1": 2}, kon="man")
    with other.app_context():
        assert cache.cached("test", 5, build)["n_responses"].sum() == seen_there + 1
        db.session.remove()
    assert cache.cached("test", 5, build)["n_responses"].sum() == seen_there + 1
    # The results pages' tables come through the same cache.
    from survey.figures import tables

    table = tables.indicators()
    assert tables.indicators() is table
    response(a, answers={"D1": 2}, kon="man")
    assert tables.indicators() is not table
