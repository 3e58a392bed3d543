"""Corrections (issue 12 point 3): edit and delete avslut records, archive campaigns and insatser,
undo one import as a whole. Every correction writes an audit log row (counts and ids, never what a
participant answered) in the transaction that makes it.

Shared by the exchange and campaigns blueprints and the command line, so it lives outside them.

Undo of an import deletes exactly the rows the import stored (they carry its ImportBatch id), in
one transaction that also takes their contributions out of the count cells and counts the data
version up (figures/cells.py). Published figures still move only in steps of at least k
(figures/releases.py compares the live base with the last release either way), so undoing a small
import reveals no single response.

Privacy: the batch id ties each imported response to an import time. It is kept only for the
undo window (IMPORT_UNDO_DAYS, 30 by default); `flask --app survey retention` then clears it
(maintenance/retention.clear_import_links), and an import can no longer be undone.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from .extensions import db
from .figures import cells
from .models import AuditLog, AvslutRecord, Campaign, ImportBatch, Insats, Response, utcnow

AVSLUT_FIELDS = ("insats_id", "year", "kon", "alder", "manader", "forsorjning_fore", "forsorjning_efter", "utfall")


class UndoRefused(Exception):
    """The import cannot be undone; the message (translated) says why."""


def audit(action: str, *, user_id: int | None, forbund_id: int | None, **detail) -> None:
    """One audit row in the caller's transaction; `detail` holds counts and ids only."""
    db.session.add(AuditLog(user_id=user_id, forbund_id=forbund_id, action=action,
                            detail=json.dumps(detail, sort_keys=True, default=str)))


# --------------------------------------------------------------------------- avslut records
def update_avslut(record: AvslutRecord, values: dict, *, user_id: int | None) -> list[str]:
    """Change an avslut record (values already checked by the form, as the import checks them);
    returns the names of the fields that changed. The audit row names the fields, not the values."""
    changed = [name for name in AVSLUT_FIELDS if getattr(record, name) != values[name]]
    if changed:
        for name in changed:
            setattr(record, name, values[name])
        # The flush event counts the data version up (figures/cells.after_flush).
        audit("correction.avslut_edited", user_id=user_id, forbund_id=record.forbund_id,
              record_id=record.id, fields=changed)
    db.session.commit()
    return changed


def delete_avslut(record: AvslutRecord, *, user_id: int | None) -> None:
    audit("correction.avslut_deleted", user_id=user_id, forbund_id=record.forbund_id, record_id=record.id,
          year=record.year)
    db.session.delete(record)
    db.session.commit()


# --------------------------------------------------------------------------- archive
def set_archived(obj: Campaign | Insats, archived: bool, *, user_id: int | None) -> bool:
    """Archive or restore a campaign or insats; False when it already was so."""
    if bool(obj.archived) == archived:
        return False
    obj.archived = archived
    kind = "campaign" if isinstance(obj, Campaign) else "insats"
    audit(f"correction.{kind}_{'archived' if archived else 'restored'}", user_id=user_id,
          forbund_id=obj.forbund_id, **{f"{kind}_id": obj.id})
    db.session.commit()
    return True


# --------------------------------------------------------------------------- undo an import
def undo_days() -> int:
    return int(current_app.config.get("IMPORT_UNDO_DAYS", 30))


def undo_deadline(batch: ImportBatch) -> datetime:
    created = batch.created_at
    if created.tzinfo is None:  # SQLite hands back naive UTC
        created = created.replace(tzinfo=utcnow().tzinfo)
    return created + timedelta(days=undo_days())


def can_undo(batch: ImportBatch, now: datetime | None = None) -> bool:
    return batch.undone_at is None and not batch.links_cleared and (now or utcnow()) <= undo_deadline(batch)


def undo_import(batch: ImportBatch, *, user_id: int | None, now: datetime | None = None) -> int:
    """Delete every row the import stored, in one transaction; returns how many. Raises
    UndoRefused when it was undone already or the undo window has passed."""
    now = now or utcnow()
    if batch.undone_at is not None:
        raise UndoRefused(_("This import has already been undone."))
    if batch.links_cleared or now > undo_deadline(batch):
        raise UndoRefused(_("This import can no longer be undone: imports can be undone for %(days)s days, "
                            "after which the link between the rows and the import is deleted to protect the "
                            "participants. Correct single avslut records instead, or ask the administrator.",
                            days=undo_days()))
    try:
        # Claimed first: a second undo at the same time waits for this one, then finds it done.
        claimed = db.session.execute(
            update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.undone_at.is_(None),
                                      ImportBatch.links_cleared.is_(False))
            .values(undone_at=now).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            raise UndoRefused(_("This import has already been undone."))
        if batch.kind == "responses":
            ids = list(db.session.scalars(select(Response.id).where(Response.import_batch_id == batch.id)))
            deleted = cells.delete_responses(db.session, ids)
        else:
            ids = list(db.session.scalars(select(AvslutRecord.id).where(AvslutRecord.import_batch_id == batch.id)))
            deleted = 0
            for start in range(0, len(ids), 1000):
                deleted += db.session.execute(AvslutRecord.__table__.delete().where(
                    AvslutRecord.__table__.c.id.in_(ids[start:start + 1000]))).rowcount or 0
            cells.bump_version(db.session)
        audit("correction.import_undone", user_id=user_id, forbund_id=batch.forbund_id, import_id=batch.id,
              kind=batch.kind, deleted=deleted, imported=batch.rows)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    db.session.expire(batch)
    return deleted
