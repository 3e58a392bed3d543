"""`flask --app survey user …`: the administrator's account commands on the command line, with
the same rules as the web (survey/accounts.py). Each change is in the audit log with no user and
the OS user who ran it. Messages are English, like every other command."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from . import accounts
from .extensions import db
from .models import Forbund, Role, User

user_cli = AppGroup("user", help="Manage staff accounts.")


def _english(message) -> str:
    with force_locale("en"):
        return str(message)


def _user(email: str) -> User:
    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.UsageError(f"no user with the email address '{email.strip().lower()}'")
    return user


def _forbund(code: str | None) -> Forbund | None:
    if not code:
        return None
    forbund = db.session.scalar(select(Forbund).where(Forbund.code == code.strip().lower()))
    if forbund is None:
        raise click.UsageError(f"no förbund with code '{code}'")
    return forbund


def _commit(action) -> object:
    """Runs one account change; a refusal is a usage error with the rule's message."""
    try:
        result = action()
        db.session.commit()
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.UsageError(_english(error.message)) from None
    return result


def _ask_password(email: str, name: str) -> str:
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        problems = accounts.password_problems(password, email, name)
        if not problems:
            return password
        click.echo(_english(problems[0]), err=True)


ROLE_CHOICE = click.Choice([r.value for r in Role])


@user_cli.command("add")
@click.argument("email")
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.option("--forbund", "forbund_code", help="Förbund code (förbund roles only).")
@click.option("--name", default="")
@click.option("--link", is_flag=True, help="Print a one-time link to set the password instead of asking for one.")
@click.option("--password", envvar="FINSAM_PASSWORD", help="The password (better: prompted, or FINSAM_PASSWORD).")
def user_add(email, role, forbund_code, name, link, password):
    """Create a staff account, with a password or (--link) a one-time link to choose one."""
    forbund = _forbund(forbund_code)
    if not link and password is None:
        password = _ask_password(email.strip().lower(), name)
    if not link:
        problems = accounts.password_problems(password, email, name)
        if problems:
            raise click.UsageError(_english(problems[0]))

    def act():
        user = accounts.create_user(email, name, role, forbund, None, password=None if link else password)
        return user, accounts.password_link_for(user, None) if link else None
    user, url = _commit(act)
    click.echo(f"Created {role} {user.email}")
    if url:
        _print_link(url)


def _print_link(url: str) -> None:
    click.echo(f"One-time link to set the password (works once, for {accounts.LINK_HOURS} hours):")
    click.echo(url)
    if url.startswith("/"):
        click.echo("PUBLIC_URL is not set: open this path on the address the app runs at.", err=True)


@user_cli.command("list")
def user_list():
    """Every staff account with role, förbund and state."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "active" if user.active else "deactivated"
        if accounts.is_locked(user):
            state += ", locked"
        forbund = user.forbund.code if user.forbund else "-"
        click.echo(f"{user.email}\t{user.role}\t{forbund}\t{state}\t{user.name or ''}")


@user_cli.command("deactivate")
@click.argument("email")
def user_deactivate(email):
    """Deactivate an account: it cannot log in, and every session of it ends."""
    user = _user(email)
    _commit(lambda: accounts.deactivate(user, None))
    click.echo(f"Deactivated {user.email}; every session of it has ended.")


@user_cli.command("reactivate")
@click.argument("email")
def user_reactivate(email):
    """Let a deactivated account log in again."""
    user = _user(email)
    _commit(lambda: accounts.reactivate(user, None))
    click.echo(f"Reactivated {user.email}.")


@user_cli.command("set-role")
@click.argument("email")
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.option("--forbund", "forbund_code", help="Förbund code (förbund roles only).")
def user_set_role(email, role, forbund_code):
    """Change role and förbund (förbund roles need one, others none); ends the user's sessions."""
    user = _user(email)
    forbund = _forbund(forbund_code)
    changed = _commit(lambda: accounts.change_role(user, role, forbund, None))
    click.echo(f"{user.email} is now {role}{' of ' + forbund.code if forbund else ''}"
               f"{'; every session of it has ended.' if changed else ' (unchanged).'}")


@user_cli.command("rename")
@click.argument("email")
@click.argument("name")
def user_rename(email, name):
    """Change the name shown for an account."""
    user = _user(email)
    _commit(lambda: accounts.rename(user, name, None))
    click.echo(f"{user.email} is now called {user.name or '(no name)'}.")


@user_cli.command("unlock")
@click.argument("email")
def user_unlock(email):
    """Lift a lockout after too many failed logins."""
    user = _user(email)
    _commit(lambda: accounts.unlock(user, None))
    click.echo(f"Unlocked {user.email}.")


@user_cli.command("two-factor-off")
@click.argument("email")
def user_two_factor_off(email):
    """Turn off two-step login for a user who lost the phone and the recovery codes."""
    user = _user(email)
    _commit(lambda: accounts.turn_off_two_factor(user, None))
    click.echo(f"Two-step login is off for {user.email}; their sessions have ended.")


@user_cli.command("password-link")
@click.argument("email")
def user_password_link(email):
    """Print a one-time link with which the user chooses a new password (no e-mail server needed)."""
    user = _user(email)
    url = _commit(lambda: accounts.password_link_for(user, None))
    _print_link(url)


@user_cli.command("set-password")
@click.argument("email")
@click.option("--password", envvar="FINSAM_PASSWORD", help="The password (better: prompted, or FINSAM_PASSWORD).")
def user_set_password(email, password):
    """Set a new password directly (ends every session of the user)."""
    user = _user(email)
    if password is None:
        password = _ask_password(user.email, user.name or "")
    _commit(lambda: accounts.admin_sets_password(user, password, None))
    click.echo(f"Set a new password for {user.email}; every session of it has ended.")
