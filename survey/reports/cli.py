"""`flask --app survey report national [--year Y] [--format pdf|docx|xlsx|html] [--out FILE] [--forbund CODE]`."""
import gc

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from ..extensions import db
from ..models import Forbund
from .formats import FORMATS, format_of

report_cli = AppGroup("report", help="Produce reports.")


@report_cli.command("national")
@click.option("--year", type=int, help="The year the report covers (default: the latest ended year with figures).")
@click.option("--out", "out", help="FILE.pdf, FILE.docx, FILE.xlsx or FILE.html (default: named after the "
                                   "report, in the format of --format).")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="The file format when --out does not say it (default: pdf).")
@click.option("--forbund", "forbund_code", help="A förbund's own report instead of the national one.")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
def national(year, out, fmt, forbund_code, lang):
    """The equality report for a year (national, or one förbund's own with --forbund)."""
    from flask import current_app

    from .. import charts
    from . import build

    charts.warm_up()
    if out:
        suffix = format_of(out)
        if suffix is None:
            raise click.UsageError("--out must end in .pdf, .docx, .xlsx or .html")
        if fmt and fmt != suffix:
            raise click.UsageError(f"--format {fmt} does not match --out {out}")
    forbund = None
    if forbund_code:
        forbund = db.session.scalar(select(Forbund).where(Forbund.code == forbund_code))
        if forbund is None:
            raise click.UsageError(f"no förbund with code '{forbund_code}'")
    # Templates and url_for need a request context; the language is the one asked for.
    with current_app.test_request_context("/"), force_locale(lang):
        if year is None:
            year = build.default_year(forbund.code if forbund else build.NATIONAL)
            if year is None:
                raise click.ClickException("there are no figures yet: no report can be made")
        if not out:
            out = f"{build.file_stem(forbund)}-{year}.{fmt or 'pdf'}"
        try:
            report = build.forbund_report(forbund, year) if forbund else build.national_report(year)
        except build.NoData as exc:
            raise click.ClickException(str(exc)) from None
        build.write(report, out)
    click.echo(f"Wrote {out} ({len(report.sections)} sections, {len(report.tables)} tables)")
    # The command ends here: the interpreter's last collection would walk the half million objects
    # a report leaves behind (0.5 s on the national one) only to free memory the process returns anyway.
    gc.freeze()
