"""Command line: `flask --app survey …` (EXCHANGE.md)."""
import click
from flask import Flask
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import select

from .extensions import db
from .models import Forbund, Role, User

user_cli = AppGroup("user", help="Manage staff accounts.")


def init_db() -> None:
    """Create or upgrade the schema through Alembic, whatever the database."""
    upgrade()


@user_cli.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--forbund", "forbund_code", help="Förbund code (förbund roles only).")
@click.option("--name", default="")
@click.password_option(envvar="FINSAM_PASSWORD")
def user_add(email, role, forbund_code, name, password):
    """Create a staff account."""
    from .auth.passwords import hash_password

    forbund = None
    if role in (Role.FORBUND_ADMIN, Role.FORBUND_USER):
        if not forbund_code:
            raise click.UsageError("--forbund is required for förbund roles")
        forbund = db.session.scalar(select(Forbund).where(Forbund.code == forbund_code))
        if forbund is None:
            raise click.UsageError(f"no förbund with code '{forbund_code}'")
    elif forbund_code:
        raise click.UsageError("--forbund only goes with förbund roles")
    if len(password) < 10:
        raise click.UsageError("the password must have at least 10 characters")
    email = email.strip().lower()
    if db.session.scalar(select(User).where(User.email == email)):
        raise click.UsageError(f"a user {email} exists already")
    db.session.add(User(email=email, name=name, role=role, forbund=forbund, password_hash=hash_password(password)))
    db.session.commit()
    click.echo(f"Created {role} {email}")


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
            from werkzeug.serving import run_simple

            click.echo(f"Finsam Indikatorer runs at http://{host}:{port}/  (stop with Ctrl+C)")
            # Not app.run(): Flask ignores it inside a `flask` command, so nothing would listen.
            run_simple(host, port, app, use_reloader=False, threaded=True)
