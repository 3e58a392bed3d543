"""Suppression patterns are kept in the database (figures/patterns.py): one process solves a block,
every other process and every later start reads it, and the published table is the same."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from indicators import protection
from survey.extensions import db
from survey.figures import patterns, tables
from survey.models import ProtectedBlock
from tests.exchange.helpers import avslut, many


@pytest.fixture
def data(factory):
    for code, women, men in (("alfa", 9, 7), ("beta", 6, 3), ("gamma", 12, 2), ("delta", 5, 8)):
        forbund = factory.forbund(code)
        insats = factory.insats(forbund)
        many(women, forbund, "deltagare_avslut", {"D1": 1, "D7": 2}, kon="kvinna", insats=insats)
        many(men, forbund, "deltagare_avslut", {"D1": 3, "D7": 1}, kon="man", insats=insats)
        many(2, forbund, "deltagare_avslut", {"D1": 2}, kon="annat", insats=insats)
        avslut(forbund, kon="kvinna", utfall="arbete", n=6)
        avslut(forbund, kon="man", utfall="sjukskriven", n=2)
    db.session.commit()


class _Counting(protection._Engine):
    runs = 0

    def run(self, audit):
        type(self).runs += 1
        super().run(audit)


def _new_process(monkeypatch):
    """What a second app process starts with: no tables and no remembered blocks of its own."""
    tables.clear()
    monkeypatch.setattr(protection, "_MEMO", {})


def test_a_second_process_reads_the_patterns_instead_of_solving(app, data, monkeypatch):
    monkeypatch.setattr(protection, "_Engine", _Counting)
    with app.app_context():
        _new_process(monkeypatch)
        first_indicators, first_outcomes = tables.indicators(), tables.outcomes()
        solved = _Counting.runs
        stored = db.session.scalar(select(func.count()).select_from(ProtectedBlock))
        assert solved >= 2 and stored > 0
        assert first_indicators["suppressed"].any()  # there is a pattern to keep

        _new_process(monkeypatch)
        again_indicators, again_outcomes = tables.indicators(), tables.outcomes()
        assert _Counting.runs == solved  # nothing solved: every block was read
        assert again_indicators.equals(first_indicators) and again_outcomes.equals(first_outcomes)


def test_another_engine_version_solves_again(app, data, monkeypatch):
    monkeypatch.setattr(protection, "_Engine", _Counting)
    with app.app_context():
        _new_process(monkeypatch)
        tables.indicators()
        solved = _Counting.runs
        monkeypatch.setattr(protection, "ENGINE_VERSION", protection.ENGINE_VERSION + 1)
        _new_process(monkeypatch)
        tables.indicators()
        assert _Counting.runs > solved
        settings = db.session.scalars(select(ProtectedBlock.settings).distinct()).all()
        assert len(settings) >= 2  # old and new version side by side; prune takes the old


def test_prune_deletes_only_patterns_unused_for_long(app, data):
    with app.app_context():
        tables.clear()
        tables.indicators()
        total = db.session.scalar(select(func.count()).select_from(ProtectedBlock))
        some = db.session.scalars(select(ProtectedBlock.digest).limit(2)).all()
        db.session.execute(update(ProtectedBlock).where(ProtectedBlock.digest.in_(some))
                           .values(used_on=date.today() - timedelta(days=90)))
        db.session.commit()
        assert patterns.prune(60) == len(some)
        assert db.session.scalar(select(func.count()).select_from(ProtectedBlock)) == total - len(some)


def test_figures_publish_and_prune_commands(app, data, runner, monkeypatch):
    monkeypatch.setattr(protection, "_MEMO", {})  # blocks another test solved in this process
    result = runner.invoke(args=["figures", "publish"])
    assert result.exit_code == 0, result.output
    assert "Published every table" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProtectedBlock)) > 0
    result = runner.invoke(args=["figures", "prune", "--unused-days", "1"])
    assert result.exit_code == 0 and "Deleted 0 stored patterns" in result.output


def test_the_pattern_stored_first_is_the_one_every_process_shows(app, data, monkeypatch):
    """Another process stored a different (also safe) pattern for the same counts meanwhile: this
    process shows that one, not its own."""
    with app.app_context():
        _new_process(monkeypatch)
        ours = tables.indicators()
        settings = db.session.scalars(select(ProtectedBlock.settings).distinct()).one()
        digests = db.session.scalars(select(ProtectedBlock.digest)).all()
        store = patterns.DatabaseBlockStore()
        stored = store.load(settings, digests)
        # "Their" pattern: every row of every block hidden (safe, if useless).
        everything = {d: bytes([0xFF]) * len(raw) for d, raw in stored.items()}
        db.session.execute(ProtectedBlock.__table__.delete())
        db.session.commit()

        class Racing(patterns.DatabaseBlockStore):
            def save(self, settings_, found):
                super().save(settings_, everything)  # the other process was first
                super().save(settings_, found)

        monkeypatch.setattr(patterns, "DatabaseBlockStore", Racing)
        _new_process(monkeypatch)
        shown = tables.indicators()
        assert shown["suppressed"].all() and not ours["suppressed"].all()
