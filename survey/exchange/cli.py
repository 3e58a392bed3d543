"""`flask --app survey import …` and `… export …` (EXCHANGE.md).

Raw exports and imports are audited with who ran them: the operating-system user always (in the
detail), and the staff account given with `--as EMAIL` as the row's user.
"""
from __future__ import annotations

import getpass
import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import AuditLog, Forbund, User
from ..figures import exports
from .. import importing

import_cli = AppGroup("import", help="Import responses or avslut records from CSV or Excel.")
export_cli = AppGroup("export", help="Export indicators, outcomes or raw responses.")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a bare container)
        return "unknown"


def _as_user(email: str | None) -> User | None:
    """The account named by --as, which must exist and be active (else the command stops)."""
    if not email:
        return None
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        click.echo(f"Error: no active user with the e-mail address {email!r} (--as).", err=True)
        sys.exit(2)
    return user


AS_OPTION = click.option("--as", "as_email", metavar="EMAIL",
                         help="Record this staff account as the one who ran it (audit log).")


def _import(kind: str, path: str, create: bool, as_email: str | None = None) -> None:
    """Problems and the summary are printed in the app's default language (Swedish)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(importing.MAX_BYTES + 1)
    except OSError as exc:
        click.echo(_("%(path)s: cannot be read (%(reason)s)", path=path, reason=exc.strerror), err=True)
        sys.exit(2)
    user = _as_user(as_email)
    checked = importing.check_file(data, path, kind, create=create)
    if checked.errors:
        click.echo(importing.error_report(checked, path), err=True)
        sys.exit(1)
    result = importing.store(checked, user_id=user.id if user else None,
                             source=f"command line ({_os_user()}): {path}")
    click.echo(importing.summary_text(result))


@import_cli.command("responses")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--create", is_flag=True, help="Add förbund and insats codes that do not exist yet.")
@AS_OPTION
def import_responses(file, create, as_email):
    """Import questionnaire responses (EXCHANGE.md responses file)."""
    _import("responses", file, create, as_email)


@import_cli.command("avslut")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--create", is_flag=True, help="Add förbund and insats codes that do not exist yet.")
@AS_OPTION
def import_avslut(file, create, as_email):
    """Import anonymous avslut records (EXCHANGE.md avslut file)."""
    _import("avslut", file, create, as_email)


def _years(year):
    return None if year is None else [year]


def _out(df, out, swedish_headings=True):
    exports.write_table(df, out, swedish_headings=swedish_headings, stdout=click.get_text_stream("stdout"))
    if out:
        click.echo(f"Wrote {len(df)} rows to {out}", err=True)


def _fail(exc: Exception):
    click.echo(f"Error: {exc}", err=True)
    sys.exit(1)


@export_cli.command("indicators")
@click.option("--year", type=int)
@click.option("--forbund", "forbund_code", help="Only this förbund's rows (disclosure over all).")
@click.option("--by", "by", type=click.Choice(["gender"]), help="Split participant groups by gender.")
@click.option("--out", type=click.Path(dir_okay=False), help="CSV or .xlsx file (default: stdout).")
def export_indicators(year, forbund_code, by, out):
    """Indicator values per förbund, year, group and gender, disclosure applied."""
    try:
        df = exports.indicators_export(years=_years(year), forbund=forbund_code, by_gender=by == "gender",
                                         k=current_app.config["DISCLOSURE_K"])
    except exports.UnknownForbund as exc:
        _fail(exc)
    _out(df, out)


@export_cli.command("outcomes")
@click.option("--year", type=int)
@click.option("--forbund", "forbund_code")
@click.option("--source", type=click.Choice(["avslut", "enkat"]))
@click.option("--out", type=click.Path(dir_okay=False))
def export_outcomes(year, forbund_code, source, out):
    """Outcome rates per förbund, year, source and gender, disclosure applied."""
    try:
        df = exports.outcomes_export(years=_years(year), forbund=forbund_code, source=source,
                                       k=current_app.config["DISCLOSURE_K"])
    except exports.UnknownForbund as exc:
        _fail(exc)
    _out(df, out)


@export_cli.command("responses")
@click.option("--forbund", "forbund_code", required=True)
@click.option("--out", type=click.Path(dir_okay=False))
@AS_OPTION
def export_responses(forbund_code, out, as_email):
    """One förbund's raw responses in the import format (recorded in the audit log)."""
    user = _as_user(as_email)
    forbund = db.session.scalar(select(Forbund).where(Forbund.code == forbund_code))
    if forbund is None:
        _fail(exports.UnknownForbund(f"no förbund with code '{forbund_code}'"))
    df = exports.responses_export(forbund.id)
    _out(df, out, swedish_headings=False)
    _log_export(user, forbund, "export_responses", rows=len(df), out=out)
    db.session.commit()


@export_cli.command("comments")
@click.option("--forbund", "forbund_code", required=True)
@click.option("--year", type=int)
@click.option("--out", type=click.Path(dir_okay=False))
@AS_OPTION
def export_comments(forbund_code, year, out, as_email):
    """One förbund's free-text comments with year and respondent group only, in random order,
    from groups of at least ten responses (recorded in the audit log)."""
    user = _as_user(as_email)
    forbund = db.session.scalar(select(Forbund).where(Forbund.code == forbund_code))
    if forbund is None:
        _fail(exports.UnknownForbund(f"no förbund with code '{forbund_code}'"))
    df = exports.comments_export(forbund.id, year=year, k=current_app.config["DISCLOSURE_K"])
    _out(df, out, swedish_headings=False)
    _log_export(user, forbund, "export_comments", rows=len(df), out=out)
    db.session.commit()


def _log_export(user: User | None, forbund: Forbund, action: str, *, rows: int, out: str | None) -> None:
    db.session.add(AuditLog(user_id=user.id if user else None, forbund_id=forbund.id, action=action,
                            detail=json.dumps({"via": "command line", "os_user": _os_user(), "rows": rows,
                                               "to": out or "stdout"})))
