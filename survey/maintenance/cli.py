"""`flask --app survey backup|restore|retention`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .backup import BackupError, restore_backup, write_backup
from .retention import apply_retention, clear_import_links, delete_expired_drafts, rewrite_in_key_order


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(file):
    """Write every table to FILE (a zip of JSON lines) that restores into SQLite or PostgreSQL."""
    try:
        manifest = write_backup(file)
    except (BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    total = sum(t["rows"] for t in manifest["tables"])
    click.echo(f"Backup written to {file}: {total} rows in {len(manifest['tables'])} tables, "
               f"schema revision {manifest['alembic_revision']}.")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace everything in a database that already holds data.")
@with_appcontext
def restore_command(file, force):
    """Restore FILE (made by `backup`) into an empty database, then upgrade it to the newest schema."""
    try:
        restored = restore_backup(file, force=force)
    except (BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {sum(restored.values())} rows in {len(restored)} tables from {file}.")
    for name, rows in restored.items():
        click.echo(f"  {name}: {rows}")


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Only show what would be deleted.")
@click.option("--as-of", metavar="YYYY-MM", help="Count ages from this month instead of the current one.")
@with_appcontext
def retention_command(dry_run, as_of):
    """Delete free-text comments older than each förbund's retention period (logged per förbund)
    and unfinished questionnaires past their last day, of every campaign, open or closed. Run it
    daily (cron)."""
    try:
        results = apply_retention(as_of=as_of, dry_run=dry_run)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"Unfinished questionnaires past their last day: {verb} {delete_expired_drafts(dry_run=dry_run)}.")
    click.echo(f"Imported rows past the undo window: {'would unlink' if dry_run else 'unlinked'} "
               f"{clear_import_links(dry_run=dry_run)} from their import.")
    if not dry_run:
        rewritten = rewrite_in_key_order()
        if rewritten:
            click.echo(f"Rewritten in the order of their random keys: {', '.join(rewritten)}.")
    for r in results:
        click.echo(f"{r.code}: {verb} {r.deleted} comments sent in or before {r.cutoff} "
                   f"(retention {r.retention_months} months)")
    click.echo(f"Total: {verb} {sum(r.deleted for r in results)} comments.")
