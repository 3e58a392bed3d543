"""Corrections (issue 12 point 3): edit and delete avslut records, undo one import as a whole, each
in the audit log; who may do it; the count cells stay exact; figures still move in steps of k."""
from __future__ import annotations

import getpass
import io
import json
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from survey import importing
from survey.extensions import db
from survey.figures import cells, releases
from survey.maintenance.retention import clear_import_links
from survey.models import AuditLog, AvslutRecord, ImportBatch, Response, utcnow
from tests.exchange.helpers import avslut, many
from tests.exchange.test_cells import recounted, stored_cells
from tests.support.factories import forget_cached_user_per_request, login

HEAD = "response_id,forbund,insats,year,respondent_group,instrument_version,kon,D1,D7,S1"
K = 5


@pytest.fixture(autouse=True)
def fresh_user_per_request(app):
    forget_cached_user_per_request(app)


@pytest.fixture
def setup(factory):
    alfa, beta = factory.forbund("alfa"), factory.forbund("beta")
    steget = factory.insats(alfa, "steget")
    users = {
        "alfa_admin": factory.user("forbund_admin", alfa),
        "alfa_user": factory.user("forbund_user", alfa),
        "beta_admin": factory.user("forbund_admin", beta),
        "admin": factory.user("admin"),
    }
    return alfa, beta, steget, users


def _client(app, user):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert login(client, user).status_code == 302
    return client


def _logs(action: str) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def _version() -> int:
    return cells.current_version(db.session)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --------------------------------------------------------------------------- avslut records
EDIT = {"insats": "steget", "year": "2023", "kon": "man", "alder": "", "manader": "12",
        "forsorjning_fore": "", "forsorjning_efter": "", "utfall": "studier"}


def test_avslut_record_is_corrected_checked_and_audited(app, setup):
    alfa, _beta, _steget, users = setup
    avslut(alfa, year=2024, kon="kvinna", utfall="arbete")
    record = db.session.scalar(select(AvslutRecord))
    client = _client(app, users["alfa_admin"])
    page = client.get(f"/data/avslut/{record.id}/edit")
    assert page.status_code == 200 and 'value="2024"' in page.get_data(as_text=True)
    # Checked as the import checks: codes, kön and years; a clear message, never a 500.
    bad = client.post(f"/data/avslut/{record.id}/edit", data={**EDIT, "year": "1999", "kon": "kvinnor",
                                                               "utfall": "<b>x</b>", "manader": "999"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "error-summary" in html
    assert "Enter a year with four digits" in html and "Enter the months as a whole number" in html
    db.session.expire_all()
    assert (record.year, record.kon, record.utfall) == (2024, "kvinna", "arbete")
    version = _version()
    done = client.post(f"/data/avslut/{record.id}/edit", data=EDIT)
    assert done.status_code == 302
    db.session.expire_all()
    assert (record.year, record.kon, record.utfall, record.manader, record.insats.code) == \
        (2023, "man", "studier", 12, "steget")
    assert _version() > version  # cached tables are recomputed
    (log,) = _logs("correction.avslut_edited")
    assert log.user_id == users["alfa_admin"].id and log.forbund_id == alfa.id
    detail = json.loads(log.detail)
    assert detail["record_id"] == record.id
    assert set(detail["fields"]) == {"insats_id", "year", "kon", "manader", "utfall"}
    assert "studier" not in log.detail and "man" not in log.detail.replace("manader", "")  # names, not values
    # The system administrator corrects any förbund's records.
    admin = _client(app, users["admin"])
    assert admin.post(f"/data/avslut/{record.id}/edit", data={**EDIT, "year": "2022"}).status_code == 302
    db.session.expire_all()
    assert record.year == 2022 and _logs("correction.avslut_edited")[-1].user_id == users["admin"].id


def test_avslut_record_is_deleted_and_audited(app, setup):
    alfa, _beta, _steget, users = setup
    avslut(alfa, n=2)
    first, second = db.session.scalars(select(AvslutRecord).order_by(AvslutRecord.id)).all()
    client = _client(app, users["alfa_admin"])
    version = _version()
    assert client.post(f"/data/avslut/{first.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(AvslutRecord, first.id) is None and db.session.get(AvslutRecord, second.id) is not None
    assert _version() > version
    (log,) = _logs("correction.avslut_deleted")
    assert log.user_id == users["alfa_admin"].id and json.loads(log.detail)["record_id"] == first.id
    assert client.post(f"/data/avslut/{first.id}/delete").status_code == 404  # gone: no 500


def test_another_forbunds_records_are_out_of_reach(app, setup):
    alfa, _beta, _steget, users = setup
    avslut(alfa, year=2024, kon="kvinna")
    record = db.session.scalar(select(AvslutRecord))
    other = _client(app, users["beta_admin"])
    assert other.get(f"/data/avslut/{record.id}/edit").status_code == 404
    assert other.post(f"/data/avslut/{record.id}/edit", data=EDIT).status_code == 404
    assert other.post(f"/data/avslut/{record.id}/delete").status_code == 404
    staff = _client(app, users["alfa_user"])
    assert staff.post(f"/data/avslut/{record.id}/delete").status_code == 403
    db.session.expire_all()
    assert record.kon == "kvinna" and _count(AvslutRecord) == 1
    assert not _logs("correction.avslut_edited") and not _logs("correction.avslut_deleted")
    # The list of one's own records links to the correction page.
    listing = _client(app, users["alfa_admin"]).get("/data/avslut/records").get_data(as_text=True)
    assert f"/data/avslut/{record.id}/edit" in listing
    assert f"/data/avslut/{record.id}/edit" not in other.get("/data/avslut/records").get_data(as_text=True)


# --------------------------------------------------------------------------- undo an import
def _upload_and_confirm(client, text: str, kind: str = "responses") -> None:
    page = client.post("/data/import", data={"kind": kind, "file": (io.BytesIO(text.encode()), "f.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200, page.get_data(as_text=True).split("<main")[1][:3000]
    token = page.get_data(as_text=True).split("/data/import/")[1].split('"')[0]
    assert client.post(f"/data/import/{token}", data={"action": "confirm"}).status_code == 302


def _batches() -> list[ImportBatch]:
    db.session.expire_all()
    return list(db.session.scalars(select(ImportBatch).order_by(ImportBatch.id)))


FILE_ONE = "\n".join([HEAD, "u1,alfa,steget,2024,deltagare_avslut,2021-A,kvinna,1,2,",
                      "u2,alfa,steget,2024,deltagare_avslut,2021-A,man,3,9,",
                      "u3,alfa,,2024,styrelse,2021-A,,,,2"])
FILE_TWO = "\n".join([HEAD, "u3,alfa,,2024,styrelse,2021-A,,,,2",  # known: skipped, stays with file one
                      "v1,alfa,steget,2024,deltagare_avslut,2021-A,kvinna,4,2,",
                      "v2,alfa,steget,2023,deltagare_avslut,2021-A,,2,1,",
                      "v3,alfa,,2024,styrelse,2021-A,,,,4"])


def test_undo_of_responses_deletes_exactly_its_rows_and_restores_every_cell(app, setup, runner):
    alfa, _beta, steget, users = setup
    many(3, alfa, "deltagare_avslut", {"D1": 2, "D7": 3}, kon="kvinna", insats=steget)
    client = _client(app, users["alfa_admin"])
    _upload_and_confirm(client, FILE_ONE)
    before = stored_cells()
    keys_before = set(db.session.scalars(select(Response.response_key)))
    _upload_and_confirm(client, FILE_TWO)
    one, two = _batches()
    assert (one.rows, two.rows) == (3, 3) and one.forbund_id == alfa.id and two.user_id == users["alfa_admin"].id
    assert stored_cells() != before
    version = _version()
    page = client.get("/data/imports").get_data(as_text=True)
    assert f"/data/imports/{two.id}/undo" in page
    done = client.post(f"/data/imports/{two.id}/undo", follow_redirects=True)
    assert "3 rows were deleted" in done.get_data(as_text=True)
    db.session.expire_all()
    assert set(db.session.scalars(select(Response.response_key))) == keys_before  # u3 stays
    assert stored_cells() == before == recounted()
    assert _version() > version
    # As `flask recount` would have them.
    assert runner.invoke(args=["recount"]).exit_code == 0
    db.session.expire_all()
    assert stored_cells() == before
    (log,) = _logs("correction.import_undone")
    assert json.loads(log.detail) == {"deleted": 3, "imported": 3, "import_id": two.id, "kind": "responses"}
    assert log.user_id == users["alfa_admin"].id and log.forbund_id == alfa.id
    # Twice is refused with a message; nothing else goes.
    again = client.post(f"/data/imports/{two.id}/undo", follow_redirects=True).get_data(as_text=True)
    assert "already been undone" in again
    assert _count(Response) == 6 and len(_logs("correction.import_undone")) == 1
    # Undo of the first import leaves the responses sent before it.
    client.post(f"/data/imports/{one.id}/undo")
    db.session.expire_all()
    assert _count(Response) == 3 and stored_cells() == recounted()


def test_undo_of_an_avslut_import_from_the_command_line(app, setup, runner, tmp_path):
    alfa, _beta, _steget, users = setup
    avslut(alfa, n=2)
    path = tmp_path / "avslut.csv"
    path.write_text("record_id,forbund,year,kon,utfall\nx1,alfa,2024,kvinna,arbete\nx2,alfa,2024,man,studier\n")
    result = runner.invoke(args=["import", "avslut", str(path), "--as", users["admin"].email.upper()])
    assert result.exit_code == 0, result.output
    (batch,) = _batches()
    assert batch.user_id == users["admin"].id and getpass.getuser() in batch.source
    assert _logs("import_avslut")[0].user_id == users["admin"].id
    # The förbund's administrator may undo an import of their own förbund's rows.
    client = _client(app, users["alfa_admin"])
    assert client.post(f"/data/imports/{batch.id}/undo").status_code == 302
    assert _count(AvslutRecord) == 2
    assert json.loads(_logs("correction.import_undone")[0].detail)["deleted"] == 2


def test_another_forbunds_import_cannot_be_undone(app, setup):
    _alfa, _beta, _steget, users = setup
    _upload_and_confirm(_client(app, users["alfa_admin"]), FILE_ONE)
    (batch,) = _batches()
    other = _client(app, users["beta_admin"])
    assert other.post(f"/data/imports/{batch.id}/undo").status_code == 404
    assert f"/data/imports/{batch.id}/undo" not in other.get("/data/imports").get_data(as_text=True)
    assert _client(app, users["alfa_user"]).post(f"/data/imports/{batch.id}/undo").status_code == 403
    assert _count(Response) == 3 and not _batches()[0].undone_at


def test_undo_after_the_window_is_refused_and_retention_clears_the_link(app, setup, runner):
    alfa, _beta, _steget, users = setup
    client = _client(app, users["alfa_admin"])
    _upload_and_confirm(client, FILE_ONE)
    _upload_and_confirm(client, FILE_TWO)
    old, recent = _batches()
    old.created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    page = client.post(f"/data/imports/{old.id}/undo", follow_redirects=True).get_data(as_text=True)
    assert "can no longer be undone" in page and "30 days" in page
    assert _count(Response) == 6
    # Retention forgets which import stored which rows once the window is over, and only then.
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0 and "to their import, past the undo window: deleted 3." in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Response)
                             .where(Response.import_batch_id == old.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Response)
                             .where(Response.import_batch_id == recent.id)) == 3
    assert _batches()[0].links_cleared and not _batches()[1].links_cleared
    (log,) = _logs("retention.import_links_cleared")
    assert json.loads(log.detail) == {"import_id": old.id, "rows_unlinked": 3}
    # Even with the window lengthened afterwards, a cleared import cannot be undone.
    app.config["IMPORT_UNDO_DAYS"] = 365
    page = client.post(f"/data/imports/{old.id}/undo", follow_redirects=True).get_data(as_text=True)
    assert "can no longer be undone" in page and _count(Response) == 6
    assert clear_import_links() == 0  # nothing more to clear


# --------------------------------------------------------------------------- releases
def _bases(frame: pd.DataFrame) -> dict:
    keys = ["forbund", "insats", "year", "respondent_group", "gender", "indicator"]
    return {tuple(r[:-1]): r[-1] for r in frame[keys + ["n_responses"]].astype(object).itertuples(index=False)}


def _store(text: str) -> int:
    checked = importing.check_file(text.encode(), "f.csv", "responses")
    assert not checked.errors, checked.errors
    return importing.store(checked, user_id=None, source="test").batch_id


def _rows(prefix: str, n: int) -> str:
    return "\n".join([HEAD] + [f"{prefix}{i},alfa,steget,2024,deltagare_avslut,2021-A,man,1,1," for i in range(n)])


def test_an_undo_moves_published_figures_only_in_steps_of_k(app, setup):
    """Deletions go through the release steps like additions: undoing a one-row import shows
    nothing, so no single response is revealed by comparing figures before and after an undo."""
    alfa, _beta, steget, _users = setup
    many(10, alfa, "deltagare_avslut", {"D1": 1, "D7": 2}, kon="man", insats=steget)
    states = [_bases(releases.indicator_counts())]
    single = _store(_rows("s", 1))
    states.append(_bases(releases.indicator_counts()))
    assert states[-1] == states[0]  # one row: held
    from survey import corrections

    corrections.undo_import(db.session.get(ImportBatch, single), user_id=None)
    states.append(_bases(releases.indicator_counts()))
    assert states[-1] == states[0]
    big = _store(_rows("b", K))
    states.append(_bases(releases.indicator_counts()))
    small = _store(_rows("c", 1))
    states.append(_bases(releases.indicator_counts()))
    assert states[-1] == states[-2]
    corrections.undo_import(db.session.get(ImportBatch, small), user_id=None)
    states.append(_bases(releases.indicator_counts()))
    assert states[-1] == states[-2]
    corrections.undo_import(db.session.get(ImportBatch, big), user_id=None)
    states.append(_bases(releases.indicator_counts()))
    assert states[-1] == states[0]
    moved = [abs(b.get(key, 0) - a.get(key, 0)) for a, b in zip(states, states[1:]) for key in {*a, *b}]
    assert set(moved) - {0} and all(m == 0 or m >= K for m in moved)


# --------------------------------------------------------------------------- command line
def test_command_line_exports_record_who_ran_them(app, setup, runner, tmp_path):
    alfa, _beta, steget, users = setup
    many(2, alfa, "deltagare_avslut", {"D1": 1}, kon="man", insats=steget)
    out = tmp_path / "svar.csv"
    assert runner.invoke(args=["export", "responses", "--forbund", "alfa", "--out", str(out)]).exit_code == 0
    (log,) = _logs("export_responses")
    assert log.user_id is None and json.loads(log.detail)["os_user"] == getpass.getuser()
    assert json.loads(log.detail)["rows"] == 2
    result = runner.invoke(args=["export", "comments", "--forbund", "alfa", "--as", users["alfa_admin"].email])
    assert result.exit_code == 0, result.output
    (log,) = _logs("export_comments")
    assert log.user_id == users["alfa_admin"].id and json.loads(log.detail)["os_user"] == getpass.getuser()
    refused = runner.invoke(args=["export", "responses", "--forbund", "alfa", "--as", "nobody@example.se"])
    assert refused.exit_code == 2 and "nobody@example.se" in refused.output
    assert len(_logs("export_responses")) == 1
