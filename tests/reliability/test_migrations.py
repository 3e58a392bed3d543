"""Every Alembic migration upgrades a database with data in it without losing any.

Rows are written with plain SQL at the FIRST revision (whose schema never changes), then the
database is upgraded one revision at a time to head. After every step no table has fewer rows,
and at head every value written at the start is still there. A new revision that drops or
renames a table or column on purpose must say so in EXPECTED_DROPS below, so nothing is lost by
accident.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from tests.reliability.conftest import app_on

# (table, column) pairs a later revision removes on purpose, with the revision that does it.
EXPECTED_DROPS: dict[tuple[str, str | None], str] = {
    ("draft", "sent"): "9e4a7c3f5b18",  # Send deletes its draft: no sent drafts, no flag
}
# Keys a revision gives new values on purpose, and the column that finds a row instead:
# responses get random keys (9e4a7c3f5b18), their answers follow.
RENUMBERED = {("response", "id"): "response_key", ("answer", "response_id"): "response_key"}

ROWS: dict[str, list[dict]] = {
    "forbund": [
        {"id": 1, "code": "norrby", "name": "Samordningsförbundet Norrby", "free_text_retention_months": 24},
        {"id": 2, "code": "sodervik", "name": "Södervik \"Ö\"", "free_text_retention_months": 6},
    ],
    "insats": [{"id": 1, "forbund_id": 1, "code": "steget", "name": "Steget"}],
    "user": [
        {"id": 1, "email": "a@example.se", "name": "Åsa", "password_hash": "scrypt:32768:8:1$x$y", "role": "admin",
         "forbund_id": None, "failed_logins": 0, "locked_until": None, "active": True},
        {"id": 2, "email": "f@example.se", "name": "", "password_hash": "scrypt:32768:8:1$x$z", "role": "forbund_user",
         "forbund_id": 1, "failed_logins": 3, "locked_until": datetime(2030, 1, 2, 3, 4, 5), "active": False},
    ],
    "audit_log": [{"id": 1, "at": datetime(2025, 3, 4, 5, 6, 7), "user_id": 1, "forbund_id": 1,
                   "action": "export.responses", "detail": "30 rader"}],
    "avslut_record": [{"id": 1, "record_key": "rk1", "forbund_id": 1, "insats_id": 1, "year": 2024, "kon": "man",
                       "alder": "18-29", "manader": 7, "forsorjning_fore": "ekonomiskt_bistand",
                       "forsorjning_efter": "arbete", "utfall": "arbete"}],
    "campaign": [{"id": 1, "token": "tok123", "forbund_id": 1, "insats_id": 1, "title": "Vår",
                  "respondent_group": "deltagare_avslut", "instrument_version": "2021-A",
                  "opens_on": date(2025, 1, 1), "closes_on": date(2025, 12, 31), "optional_questions": '["omsorg"]'}],
    "draft": [{"token": "draft-token", "campaign_id": 1, "language": "ar", "answers": '{"D1": 3}',
               "expires_on": date(2025, 1, 8), "sent": False}],
    "response": [
        {"id": n, "response_key": f"r{n}", "forbund_id": 1, "insats_id": 1, "campaign_id": 1, "year": 2025,
         "month": "2025-03", "respondent_group": "deltagare_avslut", "instrument_version": "2021-A",
         "kon": "kvinna" if n % 2 else "man", "alder": "30-49", "utfall": "arbete",
         "kommentar": "Tack <b>så</b> mycket\n" if n == 1 else None}
        for n in (1, 2, 3)
    ],
    "answer": [{"response_id": n, "question_id": q, "value": v}
               for n in (1, 2, 3) for q, v in (("D1", 1), ("D2", 4), ("F1", 9))],
}


def _revisions() -> list[str]:
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    assert len(script.get_heads()) == 1, "the migrations must have one head"
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


def _counts(conn) -> dict[str, int]:
    names = [n for n in sa.inspect(conn).get_table_names() if n != "alembic_version"]
    return {n: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}


def _comparable(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dict, list)):
        import json
        return json.dumps(value, sort_keys=True)
    return value


def test_populated_database_upgrades_from_first_revision_to_head_without_loss(empty_database_url):
    with app_on(empty_database_url) as app:
        from survey.extensions import db

        revisions = _revisions()
        upgrade(revision=revisions[0])
        with db.engine.begin() as conn:
            for table, rows in ROWS.items():  # dependency order
                columns = list(rows[0])
                sql = sa.text(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join(":" + c for c in columns)})')
                conn.execute(sql, rows)
            before = _counts(conn)
        assert before == {t: len(r) for t, r in ROWS.items()}

        for revision in revisions[1:]:
            upgrade(revision=revision)
            with db.engine.connect() as conn:
                now = _counts(conn)
            for table, n in before.items():
                if (table, None) in EXPECTED_DROPS:
                    continue
                assert now.get(table, 0) >= n, f"revision {revision} lost rows of {table}: {n} → {now.get(table)}"
            before = now

        with db.engine.connect() as conn:
            metadata = sa.MetaData()
            metadata.reflect(bind=conn)
            # Old response key → new one, through the column that still finds each response.
            new_response_id = {row["id"]: conn.execute(sa.text("SELECT id FROM response WHERE response_key = :k"),
                                                       {"k": row["response_key"]}).scalar_one()
                               for row in ROWS["response"]}
            assert len(set(new_response_id.values())) == len(new_response_id)
            assert all(new != old for old, new in new_response_id.items()), "the sequential keys are gone"
            for table_name, rows in ROWS.items():
                if (table_name, None) in EXPECTED_DROPS:
                    continue
                table = metadata.tables[table_name]
                key = list(table.primary_key.columns)
                for row in rows:
                    def wanted(column):
                        renumbered = RENUMBERED.get((table_name, column.name))
                        return new_response_id[row[column.name]] if renumbered else row[column.name]
                    where = sa.and_(*[c == wanted(c) for c in key])
                    stored = conn.execute(sa.select(table).where(where)).mappings().one_or_none()
                    assert stored is not None, f"{table_name} row {row} is gone at head"
                    for column, value in row.items():
                        if (table_name, column) in EXPECTED_DROPS or (table_name, column) in RENUMBERED:
                            continue
                        assert column in stored, f"{table_name}.{column} disappeared; list it in EXPECTED_DROPS if meant"
                        expected = _comparable(value)
                        if isinstance(value, str) and value.startswith(("[", "{")):
                            import json
                            expected = json.dumps(json.loads(value), sort_keys=True)
                        assert _comparable(stored[column]) == expected, f"{table_name}.{column} changed"


def test_plain_totp_keys_are_sealed_by_the_upgrade(empty_database_url):
    """f2a8d4c6e913 seals the TOTP keys stored in plain text before it; the sealed key opens
    under the installation's SECRET_KEY and the user logs in with codes from the same app."""
    import pyotp

    with app_on(empty_database_url) as app:
        from survey.credentials import twofactor
        from survey.extensions import db
        from survey.models import User

        upgrade(revision="e5b2c8d1f370")
        plain = pyotp.random_base32()
        with db.engine.begin() as conn:
            conn.execute(sa.text('INSERT INTO "user" (id, email, name, password_hash, role, failed_logins, active, '
                                 'session_epoch, totp_secret) VALUES (7, \'t@example.se\', \'\', \'x\', \'admin\', 0, '
                                 'true, 0, :secret)'), {"secret": plain})
        upgrade()
        with db.engine.connect() as conn:
            stored = conn.execute(sa.text('SELECT totp_secret FROM "user" WHERE id = 7')).scalar_one()
        assert stored.startswith(twofactor.SEALED) and plain not in stored
        with app.test_request_context():
            assert twofactor.unseal(db.session.get(User, 7)) == plain
