"""Command line: `flask --app survey …` (EXCHANGE.md)."""
import click
from flask import Flask
from flask_migrate import upgrade

from .accounts_cli import user_cli  # the `user` group lives beside the account rules
from .extensions import db


def init_db() -> None:
    """Create or upgrade the schema through Alembic, whatever the database."""
    upgrade()


@click.command("recount")
def recount_command():
    """Rebuild the count cells behind every figure from the raw answers (one GROUP BY pass)."""
    import time

    from .figures import cells

    started = time.perf_counter()
    try:
        indicator_cells, question_cells = cells.rebuild(db.session)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    click.echo(f"Recounted {indicator_cells} indicator cells and {question_cells} question cells "
               f"from the answers in {time.perf_counter() - started:.1f} s.")


def _build_in_background(app: Flask, build) -> None:
    """Run a slow table build in a thread while the demo serves: a page that asks for the table
    sooner builds it itself (the stored pattern of whichever finishes first is the one both use)."""
    import threading

    def run():
        with app.app_context():
            build()
            db.session.remove()
    threading.Thread(target=run, name="build-breakdowns", daemon=True).start()


def register_cli(app: Flask) -> None:
    from .exchange.cli import export_cli, import_cli
    from .figures.cli import figures_cli
    from .translate import translate_cli

    app.cli.add_command(user_cli)
    app.cli.add_command(recount_command)
    app.cli.add_command(figures_cli)
    from .maintenance import register_cli as register_maintenance_cli

    register_maintenance_cli(app)  # backup, restore, retention
    app.cli.add_command(translate_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(export_cli)
    from .reports.cli import report_cli

    app.cli.add_command(report_cli)

    @app.cli.command("init-db")
    def init_db_command():
        """Create or upgrade the schema (Alembic)."""
        init_db()
        click.echo("Database is at the newest schema.")

    @app.cli.command("demo")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True)
    @click.option("--no-serve", is_flag=True, help="Only load the demo data.")
    def demo_command(host, port, no_serve):
        """Load the demo data set and start the app on a local address."""
        from .demo import load_demo

        init_db()
        summary = load_demo()
        click.echo(summary)
        if not no_serve:
            from .figures import tables

            click.echo("Computing the published figures…")
            tables.build_all()
            _build_in_background(app, tables.build_breakdowns)
            # Meanwhile a page needing a breakdown says it is being computed, instead of hanging.
            app.config["FIGURES_WAIT"] = 5
            from werkzeug.serving import run_simple

            click.echo(f"Finsam Indikatorer runs at http://{host}:{port}/  (stop with Ctrl+C)")
            # Not app.run(): Flask ignores it inside a `flask` command, so nothing would listen.
            run_simple(host, port, app, use_reloader=False, threaded=True)
