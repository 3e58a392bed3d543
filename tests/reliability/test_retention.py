"""`flask --app survey retention`: free text older than the förbund's period goes, the rest stays,
and the audit log says how many per förbund (never the texts)."""
from __future__ import annotations

import json

from sqlalchemy import select

from survey.extensions import db
from survey.maintenance.retention import ACTION, months_back
from survey.models import AuditLog, Response


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
