"""Free-text retention: comments (Response.kommentar) are deleted after each förbund's period.

Only the month a response was sent is stored, so age is counted in whole months: a comment sent in
month M is deleted from the first day of month M + N (N = the förbund's
`free_text_retention_months`). Imported responses without a month count from December of their
measurement year, the latest they can be from, so that none is deleted too early.

The audit log gets one row per förbund with the number deleted, never the texts.

Unfinished questionnaires (drafts) are deleted the day after their last day, whatever their
campaign's state: a closed campaign gets no new starts that would sweep them away.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, select, text, update

from ..extensions import db
from ..models import AuditLog, Draft, Forbund, Response

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
ACTION = "retention.free_text_deleted"


@dataclass
class ForbundResult:
    code: str
    retention_months: int
    cutoff: str  # comments from this month and earlier go
    deleted: int


def delete_expired_drafts(today: date | None = None, *, dry_run: bool = False, commit: bool = True) -> int:
    """Delete drafts past their last day (Swedish date); returns how many."""
    today = today or datetime.now(ZoneInfo("Europe/Stockholm")).date()
    expired = Draft.expires_on < today
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(Draft).where(expired)) or 0
    count = db.session.execute(delete(Draft).where(expired).execution_options(synchronize_session=False)).rowcount
    if commit:
        db.session.commit()
    return int(count or 0)


def rewrite_in_key_order() -> list[str]:
    """PostgreSQL keeps new rows at the end of a table, in the order they were written, until
    the table is rewritten: rewrite responses and answers in the order of their random keys
    (and drafts, to drop the dead rows of sent ones). SQLite keeps them in key order already.
    Takes an exclusive lock on each table for the seconds it takes: run it at night."""
    if db.engine.dialect.name != "postgresql":
        return []
    tables = [("response", "pk_response"), ("answer", "pk_answer"), ("draft", "pk_draft"),
              ("answer_code", "pk_answer_code")]  # an update moves a row too: used codes in order of use
    for table, index in tables:
        db.session.execute(text(f"CLUSTER {table} USING {index}"))
    db.session.commit()
    return [table for table, _ in tables]


def current_month() -> str:
    return datetime.now(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m")


def parse_month(value: str) -> tuple[int, int]:
    match = MONTH.match(value or "")
    if not match:
        raise ValueError(f"'{value}' is not a month like 2025-03")
    return int(match.group(1)), int(match.group(2))


def months_back(month: str, n: int) -> str:
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _expired(cutoff: str):
    """Responses whose comment is due: by month, or by year where no month is stored."""
    year, mon = parse_month(cutoff)
    last_whole_year = year if mon == 12 else year - 1
    return or_(
        and_(Response.month.is_not(None), Response.month <= cutoff),
        and_(Response.month.is_(None), Response.year <= last_whole_year),
    )


def apply_retention(as_of: str | None = None, dry_run: bool = False) -> list[ForbundResult]:
    """Delete due comments for every förbund (one transaction) and log the counts."""
    as_of = as_of or current_month()
    parse_month(as_of)
    results = []
    for forbund in db.session.scalars(select(Forbund).order_by(Forbund.code)):
        months = forbund.free_text_retention_months
        if months is None or months < 0:
            continue  # no period chosen: nothing is deleted (and nothing guessed)
        cutoff = months_back(as_of, months)
        due = and_(Response.forbund_id == forbund.id, Response.kommentar.is_not(None), _expired(cutoff))
        count = db.session.scalar(select(func.count()).select_from(Response).where(due)) or 0
        if count and not dry_run:
            db.session.execute(update(Response).where(due).values(kommentar=None)
                               .execution_options(synchronize_session=False))
            db.session.add(AuditLog(
                forbund_id=forbund.id, action=ACTION,
                detail=json.dumps({"deleted_comments": count, "retention_months": months,
                                   "sent_in_or_before": cutoff, "as_of": as_of}),
            ))
        results.append(ForbundResult(forbund.code, months, cutoff, count))
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return results


def clear_import_links(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Forget which import stored which rows once the undo window (IMPORT_UNDO_DAYS) has passed:
    the import batch id ties an imported response to the time of its import, which nothing needs
    after the window (survey/corrections.py). Returns the number of rows unlinked; logs per import."""
    from flask import current_app

    from ..models import AvslutRecord, ImportBatch, utcnow

    cutoff = (now or utcnow()) - timedelta(days=int(current_app.config.get("IMPORT_UNDO_DAYS", 30)))
    batches = db.session.execute(select(ImportBatch.id, ImportBatch.forbund_id).where(
        ImportBatch.links_cleared.is_(False), ImportBatch.created_at < cutoff)).all()
    total = 0
    for batch_id, forbund_id in batches:
        unlinked = 0
        for model in (Response, AvslutRecord):
            stmt = update(model).where(model.import_batch_id == batch_id).values(import_batch_id=None)
            if dry_run:
                unlinked += db.session.scalar(select(func.count()).select_from(model)
                                              .where(model.import_batch_id == batch_id)) or 0
            else:
                unlinked += db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0
        total += unlinked
        if not dry_run:
            db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(links_cleared=True))
            db.session.add(AuditLog(forbund_id=forbund_id, action="retention.import_links_cleared",
                                    detail=json.dumps({"import_id": batch_id, "rows_unlinked": unlinked})))
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return total
