"""Retention: every kind of stored data is deleted when its period is over (`flask --app survey
retention`, nightly). What goes, in this order, in one transaction:

- responses with their answers, `RETENTION_RESPONSES_YEARS` whole years after their measurement
  year (year Y goes on 1 January of Y + N + 1), the count cells taken down by exactly what they
  contributed (figures/cells.py) and the data version counted up;
- free-text comments after each förbund's `free_text_retention_months`: only the month a response
  was sent is stored, so age is counted in whole months: a comment sent in month M is deleted from
  the first day of month M + N. Imported responses without a month count from December of their
  measurement year, the latest they can be from, so that none is deleted too early;
- avslut records, `RETENTION_AVSLUT_YEARS` whole years after their year;
- audit log entries `RETENTION_AUDIT_MONTHS` months after the month they were made in;
- checked import files waiting for confirmation (they hold raw participant data) after
  `RETENTION_UPLOAD_HOURS` hours;
- unfinished questionnaires (drafts) the day after their last day, whatever their campaign's state:
  a closed campaign gets no new starts that would sweep them away.

The audit log gets one row per kind and förbund with the number deleted, never contents.
A new kind is one function `(run: Run) -> None` that calls `run.deleted(...)`, added to `STEPS`.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, text, update

from ..extensions import db
from ..figures import cells
from ..models import Answer, AuditLog, AvslutRecord, Campaign, Draft, Forbund, PendingUpload, Response

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
ACTION = "retention.free_text_deleted"
SWEDEN = ZoneInfo("Europe/Stockholm")
_BATCH = 1000


@dataclass
class ForbundResult:
    code: str
    retention_months: int
    cutoff: str  # comments from this month and earlier go
    deleted: int


@dataclass
class Deleted:
    """What one kind lost in one förbund (None: rows of no förbund); rolled back in a dry run."""
    kind: str
    forbund_id: int | None
    count: int
    rule: dict  # the period and cutoff, for the audit log and the output


@dataclass
class Run:
    """One retention run: its reference times and what each step deleted (in the transaction
    the run commits, or rolls back in a dry run; a step never commits)."""
    as_of: str  # YYYY-MM: ages in months and years are counted from this month
    now: datetime  # ages in hours (and today's date for drafts)
    dry_run: bool
    results: list[Deleted] = field(default_factory=list)
    comments: list[ForbundResult] = field(default_factory=list)
    rules: dict[str, dict] = field(default_factory=dict)  # kind → its period and cutoff; absent: kept for good
    unlinked: int = 0  # imported rows whose import batch id was cleared (clear_import_links)

    @property
    def today(self) -> date:
        return self.now.astimezone(SWEDEN).date()

    @property
    def year(self) -> int:
        return parse_month(self.as_of)[0]

    def deleted(self, kind: str, counts: Counter, rule: dict) -> None:
        self.rules[kind] = rule
        for forbund_id, count in sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
            if count:
                self.results.append(Deleted(kind, forbund_id, count, rule))


def action(kind: str) -> str:
    return f"retention.{kind}_deleted"


def delete_expired_drafts(today: date | None = None, *, dry_run: bool = False, commit: bool = True) -> int:
    """Delete drafts past their last day (Swedish date); returns how many."""
    today = today or datetime.now(SWEDEN).date()
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
    return datetime.now(SWEDEN).strftime("%Y-%m")


def parse_month(value: str) -> tuple[int, int]:
    match = MONTH.match(value or "")
    if not match:
        raise ValueError(f"'{value}' is not a month like 2025-03")
    return int(match.group(1)), int(match.group(2))


def months_back(month: str, n: int) -> str:
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_start(month: str) -> datetime:
    """The first instant of a Swedish calendar month, in UTC."""
    year, mon = parse_month(month)
    return datetime(year, mon, 1, tzinfo=SWEDEN).astimezone(timezone.utc)


def _expired(cutoff: str):
    """Responses whose comment is due: by month, or by year where no month is stored."""
    year, mon = parse_month(cutoff)
    last_whole_year = year if mon == 12 else year - 1
    return or_(
        and_(Response.month.is_not(None), Response.month <= cutoff),
        and_(Response.month.is_(None), Response.year <= last_whole_year),
    )


def _counts(rows) -> Counter:
    return Counter({forbund_id: int(n) for forbund_id, n in rows})


# ---------------------------------------------------------------------------------- steps
def responses(run: Run) -> None:
    """Responses with their answers, after RETENTION_RESPONSES_YEARS whole years. The count cells
    are taken down by what the deleted responses contributed, in the same transaction (and the
    data version counted up), as every write of responses does."""
    years = current_app.config["RETENTION_RESPONSES_YEARS"]
    if years is None:
        return
    last = run.year - years - 1
    rows = db.session.execute(select(Response.id, Response.forbund_id).where(Response.year <= last)).all()
    if rows:
        ids = [rid for rid, _ in rows]
        contrib = cells.Contributions()
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start:start + _BATCH]
            cells.take_away(db.session, chunk, into=contrib)
            db.session.execute(delete(Answer).where(Answer.response_id.in_(chunk))
                               .execution_options(synchronize_session=False))
            db.session.execute(delete(Response).where(Response.id.in_(chunk))
                               .execution_options(synchronize_session=False))
        cells.apply(db.session, contrib)
    run.deleted("responses", Counter(f for _, f in rows), {"retention_years": years, "years_up_to": last})


def comments(run: Run) -> None:
    """Free-text comments after each förbund's period (its own audit rows, see apply_retention)."""
    run.comments = apply_retention(as_of=run.as_of, commit=False)


def avslut(run: Run) -> None:
    """Avslut records after RETENTION_AVSLUT_YEARS whole years (the data version counts up)."""
    years = current_app.config["RETENTION_AVSLUT_YEARS"]
    if years is None:
        return
    last = run.year - years - 1
    due = AvslutRecord.year <= last
    counts = _counts(db.session.execute(
        select(AvslutRecord.forbund_id, func.count()).where(due).group_by(AvslutRecord.forbund_id)))
    if counts:
        db.session.execute(delete(AvslutRecord).where(due).execution_options(synchronize_session=False))
        cells.bump_version(db.session)
    run.deleted("avslut", counts, {"retention_years": years, "years_up_to": last})


def audit_log(run: Run) -> None:
    """Audit log entries RETENTION_AUDIT_MONTHS months after the month they were made in."""
    months = current_app.config["RETENTION_AUDIT_MONTHS"]
    if months is None:
        return
    last = months_back(run.as_of, months)
    due = AuditLog.at < _month_start(months_back(run.as_of, months - 1))
    counts = _counts(db.session.execute(
        select(AuditLog.forbund_id, func.count()).where(due).group_by(AuditLog.forbund_id)))
    if counts:
        db.session.execute(delete(AuditLog).where(due).execution_options(synchronize_session=False))
    run.deleted("audit_log", counts, {"retention_months": months, "made_in_or_before": last})


def pending_uploads(run: Run) -> None:
    """Checked import files never confirmed, after RETENTION_UPLOAD_HOURS hours."""
    hours = current_app.config["RETENTION_UPLOAD_HOURS"]
    due = PendingUpload.created_at < upload_cutoff(run.now)
    counts = _counts(db.session.execute(
        select(PendingUpload.forbund_id, func.count()).where(due).group_by(PendingUpload.forbund_id)))
    if counts:
        db.session.execute(delete(PendingUpload).where(due).execution_options(synchronize_session=False))
    run.deleted("pending_uploads", counts, {"retention_hours": hours})


def drafts(run: Run) -> None:
    """Unfinished questionnaires past their last day, per förbund of their campaign."""
    expired = Draft.expires_on < run.today
    counts = _counts(db.session.execute(
        select(Campaign.forbund_id, func.count()).select_from(Draft).join(Campaign, Campaign.id == Draft.campaign_id)
        .where(expired).group_by(Campaign.forbund_id)))
    if counts:
        delete_expired_drafts(run.today, commit=False)
    run.deleted("drafts", counts, {"last_day_before": run.today.isoformat()})


# Responses before comments (a deleted response's comment is not counted twice); the audit log
# before the rows this run writes.
def import_links(run: Run) -> None:
    """Imported rows past the undo window forget their import (its own audit rows per import)."""
    run.unlinked = clear_import_links(run.now, commit=False)


STEPS = (import_links, responses, comments, avslut, audit_log, pending_uploads, drafts)


def upload_cutoff(now: datetime | None = None) -> datetime:
    """Checked import files made before this are past RETENTION_UPLOAD_HOURS (also used by the
    upload page, which sweeps them as new ones come)."""
    now = now or datetime.now(timezone.utc)
    return now - timedelta(hours=current_app.config["RETENTION_UPLOAD_HOURS"])


def run_retention(as_of: str | None = None, dry_run: bool = False, now: datetime | None = None) -> Run:
    """Every step in one transaction, then one audit row per kind and förbund with the count
    (comments: apply_retention's own rows). A dry run does all of it and rolls back, so that it
    counts exactly what a run would delete (a response's comment is not counted twice)."""
    as_of = as_of or current_month()
    parse_month(as_of)
    run = Run(as_of=as_of, now=now or datetime.now(timezone.utc), dry_run=dry_run)
    try:
        for step in STEPS:  # the steps never commit
            step(run)
        if dry_run:
            db.session.rollback()
            return run
        for d in run.results:
            db.session.add(AuditLog(forbund_id=d.forbund_id, action=action(d.kind),
                                    detail=json.dumps({"deleted": d.count, **d.rule, "as_of": as_of})))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return run


def apply_retention(as_of: str | None = None, dry_run: bool = False, commit: bool = True) -> list[ForbundResult]:
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
    if not commit:
        return results
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return results


def clear_import_links(now: datetime | None = None, *, dry_run: bool = False, commit: bool = True) -> int:
    """Forget which import stored which rows once the undo window (IMPORT_UNDO_DAYS) has passed:
    the import batch id ties an imported response to the time of its import, which nothing needs
    after the window (survey/corrections.py). Returns the number of rows unlinked; logs per import."""
    from ..models import ImportBatch, utcnow

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
    if not commit:
        return total
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return total
