"""`flask --app survey backup FILE` / `restore FILE`: a round trip loses nothing, on both databases
and across them (SQLite → PostgreSQL and back)."""
from __future__ import annotations

import json
import zipfile
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.maintenance.backup import head_revision
from survey.models import Answer, AuditLog, AvslutRecord, Draft, Forbund, Response
from tests.reliability.conftest import app_on


def populate(factory) -> None:
    """A bit of everything, with the awkward values: non-ASCII, quotes, newlines, JSON, times."""
    norrby = factory.forbund("norrby", "Samordningsförbundet Norrby – \"Åre\"")
    factory.forbund("sodervik")
    insats = factory.insats(norrby, "steget", "Steget ÅÄÖ")
    campaign = factory.campaign(norrby, insats, optional=["omsorg", "kommentar"])
    user = factory.user("forbund_admin", norrby)
    factory.user("admin")
    db.session.add(Draft(campaign_id=campaign.id, language="ar", answers={"D1": 3, "kon": "kvinna", "kommentar": "نعم"},
                         expires_on=date.today() + timedelta(days=7)))
    for i in range(30):
        r = Response(forbund_id=norrby.id, insats_id=insats.id, campaign_id=campaign.id, year=2025,
                     month=f"2025-{i % 12 + 1:02d}", respondent_group="deltagare_avslut", instrument_version="2021-A",
                     kon=["kvinna", "man", "annat"][i % 3], alder="30-49", utfall="arbete",
                     kommentar=None if i % 2 else f"Tack! <script>alert({i})</script>\n\"citat\" 'och' ; = +1")
        r.answers = [Answer(question_id=q, value=(i + k) % 4 + 1) for k, q in enumerate(["D1", "D2", "F1"])]
        r.answers.append(Answer(question_id="F2", value=9))
        db.session.add(r)
    db.session.add(AvslutRecord(forbund_id=norrby.id, insats_id=insats.id, year=2024, kon="man", alder="18-29",
                                manader=7, forsorjning_fore="ekonomiskt_bistand", forsorjning_efter="arbete", utfall="arbete"))
    db.session.add(AuditLog(user_id=user.id, forbund_id=norrby.id, action="export.responses",
                            detail="rader=30", at=datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=timezone.utc)))
    user.locked_until = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    db.session.commit()


def _normal(value):
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    return value


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table (ordered by primary key), comparable across databases."""
    metadata = sa.MetaData()
    with db.engine.connect() as conn:
        metadata.reflect(bind=conn)
        metadata.remove(metadata.tables["alembic_version"])
        # Not data: a restore moves it past every value the database had (cache key, cells.py).
        metadata.remove(metadata.tables["data_version"])
        result = {}
        for table in metadata.sorted_tables:
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).mappings()
            result[table.name] = [tuple(sorted((k, _normal(v)) for k, v in row.items())) for row in rows]
    return result


@pytest.mark.parametrize("init_db_first", [False, True], ids=["bare", "init-db"])
def test_round_trip_into_both_databases(app, factory, runner, empty_database_url, tmp_path, init_db_first):
    populate(factory)
    before = snapshot()
    assert len(before["response"]) == 30 and len(before["answer"]) == 120
    path = tmp_path / "backup.zip"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "rows" in result.output

    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["alembic_revision"] == head_revision()
    names = [t["name"] for t in manifest["tables"]]
    assert names.index("forbund") < names.index("insats") < names.index("campaign") < names.index("response") < names.index("answer")

    with app_on(empty_database_url) as target:
        if init_db_first:
            assert target.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
        result = target.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code == 0, result.output
        assert snapshot() == before
        # Sequences go on above the restored ids (PostgreSQL), so new rows can be added.
        new = Forbund(code="ny", name="Ny")
        db.session.add(new)
        db.session.add(Response(forbund_id=1, year=2026, respondent_group="deltagare_avslut", instrument_version="2021-A"))
        db.session.commit()
        assert new.id == max(f.id for f in db.session.scalars(sa.select(Forbund))) and new.id > 2

        # A second restore into a database with data is refused and changes nothing ...
        result = target.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code != 0
        assert "already holds data" in result.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Forbund)) == 3
        # ... unless forced, which replaces everything.
        result = target.test_cli_runner().invoke(args=["restore", "--force", str(path)])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        assert snapshot() == before


def test_forced_restore_over_the_same_database(app, factory, runner, database_url, tmp_path):
    """Going back to a backup of the live database: --force replaces what is there now."""
    populate(factory)
    before = snapshot()
    path = tmp_path / "b.zip"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    factory.forbund("added-after-backup")
    db.session.remove()
    with app_on(database_url) as same:  # the same database, emptied through --force
        result = same.test_cli_runner().invoke(args=["restore", "--force", str(path)])
        assert result.exit_code == 0, result.output
        assert snapshot() == before


def test_damaged_or_foreign_files_are_refused_clearly(app, runner, tmp_path, factory):
    factory.forbund()
    cases = {
        "missing.zip": "No such file",
        "notzip.zip": "not a readable backup",
        "nomanifest.zip": "manifest.json is missing",
        "future.zip": "does not know",
        "short.zip": "manifest says",
    }
    (tmp_path / "notzip.zip").write_text("hello")
    with zipfile.ZipFile(tmp_path / "nomanifest.zip", "w") as z:
        z.writestr("x.txt", "x")
    good = tmp_path / "good.zip"
    assert runner.invoke(args=["backup", str(good)]).exit_code == 0
    with zipfile.ZipFile(good) as z:
        manifest = json.loads(z.read("manifest.json"))
        files = {n: z.read(n) for n in z.namelist() if n != "manifest.json"}
    for name, change in (("future.zip", {"alembic_revision": "ffffffffffff"}),
                         ("short.zip", {"tables": [dict(t, rows=t["rows"] + 1) for t in manifest["tables"]]})):
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            z.writestr("manifest.json", json.dumps({**manifest, **change}))
            for n, data in files.items():
                z.writestr(n, data)
    for name, message in cases.items():
        result = runner.invoke(args=["restore", "--force", str(tmp_path / name)])
        assert result.exit_code != 0, name
        assert message in result.output, (name, result.output)
    # Nothing was touched by any of the refused restores.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Forbund)) == 1


def test_backup_of_an_unmigrated_database_is_a_clear_error(empty_database_url, tmp_path):
    with app_on(empty_database_url) as bare:
        result = bare.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.zip")])
        assert result.exit_code != 0
        assert "no schema yet" in result.output
        assert not (tmp_path / "x.zip").exists()
        assert not list(tmp_path.glob(".backup-*")), "a failed backup leaves no temporary file"
