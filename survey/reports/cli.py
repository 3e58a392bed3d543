"""`flask --app survey report national --year Y --out FILE.pdf|.xlsx|.html [--forbund CODE]`."""
import gc

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from ..extensions import db
from ..models import Forbund

report_cli = AppGroup("report", help="Produce reports.")


@report_cli.command("national")
@click.option("--year", type=int, required=True, help="The year the report covers.")
@click.option("--out", "out", required=True, help="FILE.pdf, FILE.xlsx or FILE.html")
@click.option("--forbund", "forbund_code", help="A förbund's own report instead of the national one.")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
def national(year, out, forbund_code, lang):
    """The equality report for a year (national, or one förbund's own with --forbund)."""
    from flask import current_app

    from . import build

    if not out.lower().endswith((".pdf", ".xlsx", ".html", ".htm")):
        raise click.UsageError("--out must end in .pdf, .xlsx or .html")
    forbund = None
    if forbund_code:
        forbund = db.session.scalar(select(Forbund).where(Forbund.code == forbund_code))
        if forbund is None:
            raise click.UsageError(f"no förbund with code '{forbund_code}'")
    # Templates and url_for need a request context; the language is the one asked for.
    with current_app.test_request_context("/"), force_locale(lang):
        try:
            report = build.forbund_report(forbund, year) if forbund else build.national_report(year)
        except build.NoData as exc:
            raise click.ClickException(str(exc)) from None
        build.write(report, out)
    click.echo(f"Wrote {out} ({len(report.sections)} sections, {len(report.tables)} tables)")
    # The command ends here: the interpreter's last collection would walk the half million objects
    # a report leaves behind (0.5 s on the national one) only to free memory the process returns anyway.
    gc.freeze()
