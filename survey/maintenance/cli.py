"""`flask --app survey backup|restore|retention`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from ..models import Forbund
from .backup import BackupError, restore_backup, write_backup
from .encryption import KEY_COMMAND, EncryptionError, decode_key
from .retention import rewrite_in_key_order, run_retention


def _key() -> bytes | None:
    """FINSAM_BACKUP_KEY as bytes, None when it is not set."""
    text = current_app.config.get("BACKUP_KEY") or ""
    if not text:
        return None
    try:
        return decode_key(text)
    except EncryptionError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--plain", is_flag=True,
              help="Write the backup unencrypted even without FINSAM_BACKUP_KEY (refused in production otherwise).")
@with_appcontext
def backup_command(file, plain):
    """Write every table to FILE (a zip of JSON lines) that restores into SQLite or PostgreSQL,
    encrypted with FINSAM_BACKUP_KEY when it is set."""
    key = None if plain else _key()
    if key is None and not plain and current_app.config.get("PRODUCTION"):
        raise click.ClickException(
            "Refusing to write participant data unencrypted: set FINSAM_BACKUP_KEY (make one with "
            f"{KEY_COMMAND}) or pass --plain if an unencrypted backup is really meant.")
    try:
        manifest = write_backup(file, key=key)
    except (BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    total = sum(t["rows"] for t in manifest["tables"])
    how = "encrypted with FINSAM_BACKUP_KEY" if key else "UNENCRYPTED"
    click.echo(f"Backup written to {file} ({how}): {total} rows in {len(manifest['tables'])} tables, "
               f"schema revision {manifest['alembic_revision']}.")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace everything in a database that already holds data.")
@with_appcontext
def restore_command(file, force):
    """Restore FILE (made by `backup`, encrypted or plain: told apart by its first bytes; an
    encrypted one needs FINSAM_BACKUP_KEY) into an empty database, then upgrade it to the newest
    schema."""
    try:
        restored = restore_backup(file, force=force, key=_key())
    except (BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {sum(restored.values())} rows in {len(restored)} tables from {file}.")
    for name, rows in restored.items():
        click.echo(f"  {name}: {rows}")


_KIND_TEXT = {
    # kind → what the output calls it and its rule, from Deleted.rule
    "responses": ("Responses (with their answers)", "of {years_up_to} or earlier (kept {retention_years} years)"),
    "avslut": ("Avslut records", "of {years_up_to} or earlier (kept {retention_years} years)"),
    "audit_log": ("Audit log entries", "made in {made_in_or_before} or earlier (kept {retention_months} months)"),
    "pending_uploads": ("Checked import files never confirmed", "older than {retention_hours} hours"),
}


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Only show what would be deleted.")
@click.option("--as-of", metavar="YYYY-MM", help="Count ages in months and years from this month instead of the current one.")
@with_appcontext
def retention_command(dry_run, as_of):
    """Delete what is past its retention period (one transaction, one audit row per kind and
    förbund with the count): responses with their answers and avslut records after
    RETENTION_RESPONSES_YEARS / RETENTION_AVSLUT_YEARS, free-text comments after each förbund's
    period, audit log entries after RETENTION_AUDIT_MONTHS, unconfirmed import files after
    RETENTION_UPLOAD_HOURS, and unfinished questionnaires past their last day, of every campaign,
    open or closed. Run it nightly (cron)."""
    try:
        run = run_retention(as_of=as_of, dry_run=dry_run)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    verb = "would delete" if dry_run else "deleted"
    codes = dict(db.session.execute(select(Forbund.id, Forbund.code)).all())
    for kind, (label, rule) in _KIND_TEXT.items():
        if kind not in run.rules:
            click.echo(f"{label}: kept for good (retention \"never\").")
            continue
        found = [d for d in run.results if d.kind == kind]
        per = ", ".join(f"{codes.get(d.forbund_id, 'no förbund')} {d.count}" for d in found)
        total = sum(d.count for d in found)
        click.echo(f"{label} {rule.format(**run.rules[kind])}: {verb} {total}" + (f" ({per})." if per else "."))
    for kind in dict.fromkeys(d.kind for d in run.results if d.kind not in _KIND_TEXT and d.kind != "drafts"):
        click.echo(f"{kind}: {verb} {sum(d.count for d in run.results if d.kind == kind)}.")
    drafts = sum(d.count for d in run.results if d.kind == "drafts")
    click.echo(f"Unfinished questionnaires past their last day: {verb} {drafts}.")
    click.echo(f"Links from imported rows to their import, past the undo window: {verb} {run.unlinked}.")
    if not dry_run:
        rewritten = rewrite_in_key_order()
        if rewritten:
            click.echo(f"Rewritten in the order of their random keys: {', '.join(rewritten)}.")
    for r in run.comments:
        click.echo(f"{r.code}: {verb} {r.deleted} comments sent in or before {r.cutoff} "
                   f"(retention {r.retention_months} months)")
    click.echo(f"Total: {verb} {sum(r.deleted for r in run.comments)} comments.")

