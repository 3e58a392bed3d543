"""`flask --app survey retention`: free text older than the förbund's period goes, the rest stays,
and the audit log says how many per förbund (never the texts)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from survey.extensions import db
from survey.figures import cells
from survey.maintenance.retention import ACTION, months_back
from survey.models import Answer, AuditLog, AvslutRecord, Draft, PendingUpload, Response
from tests.exchange.helpers import avslut, response
from tests.exchange.test_cells import assert_cells_match_answers, stored_cells


def _response(forbund, month, text, year=None):
    r = Response(forbund_id=forbund.id, year=year or int(month[:4]), month=month, respondent_group="deltagare_avslut",
                 instrument_version="2021-A", kommentar=text)
    db.session.add(r)
    return r


def test_months_back_crosses_years():
    assert months_back("2026-03", 3) == "2025-12"
    assert months_back("2026-03", 24) == "2024-03"
    assert months_back("2026-12", 0) == "2026-12"


def test_retention_deletes_old_free_text_per_forbund_and_logs_counts(app, factory, runner):
    norrby = factory.forbund("norrby")
    norrby.free_text_retention_months = 24
    sodervik = factory.forbund("sodervik")
    sodervik.free_text_retention_months = 6
    old_n = [_response(norrby, m, f"gammal {m} hemlig") for m in ("2023-01", "2024-03")]
    kept_n = [_response(norrby, m, "färsk") for m in ("2024-04", "2026-03")]
    old_s = [_response(sodervik, m, "gammal") for m in ("2025-01", "2025-09")]
    kept_s = [_response(sodervik, "2025-10", "ny"), _response(sodervik, "2025-01", None)]
    no_month_old = _response(sodervik, "2024-05", "utan månad")
    no_month_old.month = None  # imported without a month: counts from December 2024
    no_month_recent = _response(sodervik, "2025-05", "utan månad, i år")
    no_month_recent.month = None
    db.session.commit()

    dry = runner.invoke(args=["retention", "--dry-run", "--as-of", "2026-03"])
    assert dry.exit_code == 0, dry.output
    assert "norrby: would delete 2 comments" in dry.output
    assert "sodervik: would delete 3 comments" in dry.output
    db.session.expire_all()
    assert all(r.kommentar for r in old_n + old_s), "a dry run changes nothing"
    assert db.session.scalars(select(AuditLog)).all() == []

    result = runner.invoke(args=["retention", "--as-of", "2026-03"])
    assert result.exit_code == 0, result.output
    assert "Total: deleted 5 comments" in result.output
    db.session.expire_all()
    assert [r.kommentar for r in old_n + old_s + [no_month_old]] == [None] * 5
    assert [r.kommentar for r in kept_n] == ["färsk", "färsk"]
    assert kept_s[0].kommentar == "ny" and no_month_recent.kommentar == "utan månad, i år"
    assert db.session.scalar(select(Response).where(Response.id == old_n[0].id)) is not None, "only the text goes"

    logs = {log.forbund_id: log for log in db.session.scalars(select(AuditLog).where(AuditLog.action == ACTION))}
    assert set(logs) == {norrby.id, sodervik.id}
    assert json.loads(logs[norrby.id].detail)["deleted_comments"] == 2
    assert json.loads(logs[sodervik.id].detail)["deleted_comments"] == 3
    assert all("hemlig" not in log.detail and "gammal" not in log.detail for log in logs.values())

    again = runner.invoke(args=["retention", "--as-of", "2026-03"])
    assert "Total: deleted 0 comments" in again.output
    assert len(db.session.scalars(select(AuditLog)).all()) == 2, "nothing deleted, nothing logged"


def test_retention_rejects_a_bad_month(app, runner):
    result = runner.invoke(args=["retention", "--as-of", "2026-13"])
    assert result.exit_code != 0
    assert "is not a month like" in result.output


# ------------------------------------------------------------------ every kind of stored data
def _setup_every_kind(factory):
    """Per kind: rows just past their period (due) and rows just inside it (kept), in two förbund.
    As of 2026-03 with the defaults: responses and avslut of 2020 go, of 2021 stay; audit entries
    made in March 2021 (Swedish time) go, from April 2021 stay; uploads older than 24 h go."""
    norrby = factory.forbund("norrby")
    sodervik = factory.forbund("sodervik")
    insats = factory.insats(norrby, "steget")
    user = factory.user("forbund_admin", norrby)
    campaign = factory.campaign(norrby, insats)
    due, kept = {}, {}
    answers = [{"D1": 1, "D2": 4, "F1": 3}, {"D1": 9, "D7": 2}, {"F1": 4, "omsorg": 2}]
    for f, year, bucket in ((norrby, 2020, due), (sodervik, 2019, due), (norrby, 2021, kept), (sodervik, 2026, kept)):
        for i, a in enumerate(answers):
            response(f, "deltagare_avslut", a, kon=["kvinna", "man", None][i], year=year,
                     insats=insats if f is norrby and i else None, kommentar=f"minns {year}-{i}")
    for f in (norrby, sodervik):
        avslut(f, year=2020, n=2)
        avslut(f, year=2021)
    due["responses"] = {norrby.id: 3, sodervik.id: 3}
    due["avslut"] = {norrby.id: 2, sodervik.id: 2}

    sweden = ZoneInfo("Europe/Stockholm")
    for when, forbund_id in (
        (datetime(2021, 3, 31, 23, 59, tzinfo=sweden), norrby.id),  # due: made in March 2021
        (datetime(2019, 1, 1, 12, 0, tzinfo=sweden), None),  # due: of no förbund
        (datetime(2021, 4, 1, 0, 1, tzinfo=sweden), norrby.id),  # kept: April 2021
        (datetime(2026, 2, 1, 0, 0, tzinfo=sweden), sodervik.id),
    ):
        db.session.add(AuditLog(forbund_id=forbund_id, action="export_responses", detail="rader=3",
                                at=when.astimezone(timezone.utc)))  # the app stores UTC
    due["audit_log"] = {norrby.id: 1, None: 1}

    now = datetime.now(timezone.utc)
    for hours, name in ((25, "gammal-hemlig.csv"), (23, "ny.csv")):
        db.session.add(PendingUpload(user_id=user.id, forbund_id=norrby.id, kind="responses", filename=name,
                                     data=b"forbund;year\nnorrby;2020\n", created_at=now - timedelta(hours=hours)))
    due["pending_uploads"] = {norrby.id: 1}

    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    db.session.add_all([Draft(campaign_id=campaign.id, answers={"D1": 2}, expires_on=today - timedelta(days=1)),
                        Draft(campaign_id=campaign.id, answers={}, expires_on=today)])
    due["drafts"] = {norrby.id: 1}
    db.session.commit()
    return norrby, sodervik, due


def _state():
    db.session.expire_all()
    return {
        "responses": sorted(db.session.execute(sa.select(Response.forbund_id, Response.year)).all()),
        "answers": db.session.scalar(sa.select(sa.func.count()).select_from(Answer)),
        "avslut": sorted(db.session.execute(sa.select(AvslutRecord.forbund_id, AvslutRecord.year)).all()),
        "audit": sorted(db.session.execute(sa.select(AuditLog.id, AuditLog.action)).all()),
        "uploads": sorted(db.session.scalars(sa.select(PendingUpload.filename)).all()),
        "drafts": sorted(db.session.scalars(sa.select(Draft.expires_on)).all()),
    }


def test_retention_deletes_exactly_what_is_due_of_every_kind_and_logs_counts(app, factory, runner):
    norrby, sodervik, due = _setup_every_kind(factory)
    cells_before = stored_cells()
    before = _state()
    version = cells.current_version(db.session)

    dry = runner.invoke(args=["retention", "--dry-run", "--as-of", "2026-03"])
    assert dry.exit_code == 0, dry.output
    assert "Responses (with their answers) of 2020 or earlier (kept 5 years): would delete 6 (norrby 3, sodervik 3)." in dry.output
    assert "Avslut records of 2020 or earlier (kept 5 years): would delete 4 (norrby 2, sodervik 2)." in dry.output
    assert "Audit log entries made in 2021-03 or earlier (kept 60 months): would delete 2 (norrby 1, no förbund 1)." in dry.output
    assert "Checked import files never confirmed older than 24 hours: would delete 1 (norrby 1)." in dry.output
    assert "Unfinished questionnaires past their last day: would delete 1." in dry.output
    # Exactly what a run deletes: comments of the kept responses only (2021, no month), not of
    # the responses that go anyway.
    assert "norrby: would delete 3 comments" in dry.output and "sodervik: would delete 0 comments" in dry.output
    assert _state() == before, "a dry run deletes nothing and logs nothing"
    assert stored_cells() == cells_before and cells.current_version(db.session) == version

    result = runner.invoke(args=["retention", "--as-of", "2026-03"])
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if not line.startswith("Rewritten")]  # PostgreSQL
    assert "\n".join(said).replace("deleted", "would delete") + "\n" == dry.output
    after = _state()
    assert after["responses"] == [(norrby.id, 2021)] * 3 + [(sodervik.id, 2026)] * 3
    assert after["answers"] == before["answers"] / 2, "the answers of deleted responses go with them"
    assert after["avslut"] == [(norrby.id, 2021), (sodervik.id, 2021)]
    assert after["uploads"] == ["ny.csv"]
    assert len(after["drafts"]) == 1
    old_audit = {a for a in before["audit"]}
    assert len(old_audit - set(after["audit"])) == 2, "exactly the two due audit entries went"

    # The cells are what a recount of the remaining answers gives, and the data version moved.
    assert_cells_match_answers()
    assert stored_cells() != cells_before
    assert cells.current_version(db.session) > version

    logged = {}
    for log in db.session.scalars(sa.select(AuditLog).where(AuditLog.action.like("retention.%"))):
        detail = json.loads(log.detail)
        assert "hemlig" not in log.detail and "minns" not in log.detail and "rader" not in log.detail
        if log.action == ACTION:
            continue  # the comments of the kept responses (their own rows, tested above)
        kind = log.action.removeprefix("retention.").removesuffix("_deleted")
        assert (kind, log.forbund_id) not in logged, "one row per kind and förbund"
        logged[(kind, log.forbund_id)] = detail["deleted"]
    assert logged == {(kind, f): n for kind, per in due.items() for f, n in per.items()}

    again = runner.invoke(args=["retention", "--as-of", "2026-03"])
    assert again.exit_code == 0, again.output
    assert "Responses (with their answers) of 2020 or earlier (kept 5 years): deleted 0." in again.output
    assert len(_state()["audit"]) == len(after["audit"]), "nothing deleted, nothing logged"


def test_retention_periods_follow_the_configuration(app, factory, runner):
    _setup_every_kind(factory)
    app.config.update(RETENTION_RESPONSES_YEARS=None, RETENTION_AVSLUT_YEARS=6, RETENTION_AUDIT_MONTHS=None,
                      RETENTION_UPLOAD_HOURS=26)
    before = _state()
    result = runner.invoke(args=["retention", "--as-of", "2026-03"])
    assert result.exit_code == 0, result.output
    assert 'Responses (with their answers): kept for good (retention "never").' in result.output
    assert "Avslut records of 2019 or earlier (kept 6 years): deleted 0." in result.output
    after = _state()
    assert after["responses"] == before["responses"] and after["answers"] == before["answers"]
    assert after["avslut"] == before["avslut"]
    assert after["uploads"] == ["gammal-hemlig.csv", "ny.csv"]
    assert set(before["audit"]) <= set(after["audit"])


def test_retention_settings_from_the_environment(monkeypatch, tmp_path):
    from survey.config import ConfigError, from_environment

    for name in ("RETENTION_RESPONSES_YEARS", "RETENTION_AVSLUT_YEARS", "RETENTION_AUDIT_MONTHS", "RETENTION_UPLOAD_HOURS"):
        monkeypatch.delenv(name, raising=False)
    config = from_environment(str(tmp_path))
    assert (config["RETENTION_RESPONSES_YEARS"], config["RETENTION_AVSLUT_YEARS"], config["RETENTION_AUDIT_MONTHS"],
            config["RETENTION_UPLOAD_HOURS"]) == (5, 5, 60, 24)
    monkeypatch.setenv("RETENTION_RESPONSES_YEARS", "Never")
    monkeypatch.setenv("RETENTION_AUDIT_MONTHS", " 36 ")
    config = from_environment(str(tmp_path))
    assert config["RETENTION_RESPONSES_YEARS"] is None and config["RETENTION_AUDIT_MONTHS"] == 36
    for name, value in (("RETENTION_AVSLUT_YEARS", "0"), ("RETENTION_AVSLUT_YEARS", "fem"),
                        ("RETENTION_UPLOAD_HOURS", "never"), ("RETENTION_UPLOAD_HOURS", "-1")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigError, match=name):
            from_environment(str(tmp_path))
        monkeypatch.delenv(name)


def test_a_failing_step_leaves_everything_as_it_was(app, factory, monkeypatch):
    """One transaction: if a later step fails, the responses deleted before it are back."""
    from survey.maintenance import retention

    _setup_every_kind(factory)
    before, cells_before = _state(), stored_cells()

    def broken(run):
        raise RuntimeError("disk full")

    monkeypatch.setattr(retention, "STEPS", (*retention.STEPS, broken))
    with pytest.raises(RuntimeError, match="disk full"):
        retention.run_retention(as_of="2026-03")
    assert _state() == before and stored_cells() == cells_before
