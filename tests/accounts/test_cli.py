"""`flask --app survey user …`: the same rules as the web, audited with the OS user."""
import getpass
from datetime import timedelta

import pytest
from sqlalchemy import select

from survey import accounts
from survey.extensions import db
from survey.models import User, utcnow
from tests.accounts.helpers import GOOD_PASSWORD, audit_rows, detail
from tests.support.factories import PASSWORD, forget_cached_user_per_request, login


@pytest.fixture(autouse=True)
def fresh_user_per_request(app):
    forget_cached_user_per_request(app)


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _cli_audit(action: str) -> dict:
    row = audit_rows(action)[-1]
    assert row.user_id is None
    found = detail(row)
    assert found["via"] == "cli" and found["os_user"] == getpass.getuser()
    return found


def test_add_with_a_password_and_with_a_link(app, runner, factory):
    factory.forbund("norrby")
    result = runner.invoke(args=["user", "add", "a@example.se", "--role", "nns"], env={"FINSAM_PASSWORD": GOOD_PASSWORD})
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), _user("a@example.se"), GOOD_PASSWORD).status_code == 302
    assert _cli_audit("user.created")["email"] == "a@example.se"
    result = runner.invoke(args=["user", "add", "B@example.se", "--role", "forbund_user", "--forbund", "norrby",
                                 "--name", "Bo", "--link"])
    assert result.exit_code == 0, result.output
    # No PUBLIC_URL in tests: the path, with a warning.
    url = next(line for line in result.output.splitlines() if line.startswith(accounts.SET_PASSWORD_PATH))
    assert "PUBLIC_URL is not set" in result.output
    client = app.test_client()
    assert client.post(url, data={"new_password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}).status_code == 302
    assert login(client, _user("b@example.se"), GOOD_PASSWORD).status_code == 302
    assert url.rsplit("/", 1)[1] not in str([r.detail for r in audit_rows("user.password_link_issued")])


def test_add_refuses_common_passwords_and_bad_role_forbund(app, runner, factory):
    factory.forbund("norrby")
    for args, env, message in [
        (["a@example.se", "--role", "nns"], {"FINSAM_PASSWORD": "sommar2024"}, "most common"),
        (["a@example.se", "--role", "nns"], {"FINSAM_PASSWORD": "kort"}, "at least 10"),
        (["a@example.se", "--role", "forbund_user", "--link"], {}, "needs a förbund"),
        (["a@example.se", "--role", "nns", "--forbund", "norrby", "--link"], {}, "Only förbund roles"),
        (["a@example.se", "--role", "nns", "--forbund", "nowhere", "--link"], {}, "no förbund with code"),
        (["not-an-address", "--role", "nns", "--link"], {}, "Enter an email address"),
    ]:
        result = runner.invoke(args=["user", "add", *args], env=env)
        assert result.exit_code == 2 and message in result.output, (args, result.output)
    assert _user("a@example.se") is None


def test_deactivate_reactivate_and_the_last_admin(app, runner, factory):
    admin = factory.user("admin")
    staff = factory.user("nns")
    browser = app.test_client()
    assert login(browser, staff).status_code == 302
    result = runner.invoke(args=["user", "deactivate", "NNS-x@example.se"])
    assert result.exit_code == 0, result.output
    assert browser.get("/results/").status_code == 302 and not _user(staff.email).active
    assert _cli_audit("user.deactivated")["email"] == staff.email
    assert runner.invoke(args=["user", "reactivate", staff.email]).exit_code == 0
    assert _user(staff.email).active and _cli_audit("user.reactivated")
    result = runner.invoke(args=["user", "deactivate", admin.email])
    assert result.exit_code == 2 and "last active system administrator" in result.output
    result = runner.invoke(args=["user", "set-role", admin.email, "--role", "nns"])
    assert result.exit_code == 2 and "last active system administrator" in result.output
    assert _user(admin.email).active and _user(admin.email).role == "admin"
    result = runner.invoke(args=["user", "deactivate", "nobody@example.se"])
    assert result.exit_code == 2 and "no user" in result.output


def test_set_role_rename_unlock_link_and_set_password(app, runner, factory):
    norrby = factory.forbund("norrby")
    staff = factory.user("nns")
    browser = app.test_client()
    assert login(browser, staff).status_code == 302
    result = runner.invoke(args=["user", "set-role", staff.email, "--role", "forbund_admin", "--forbund", "norrby"])
    assert result.exit_code == 0, result.output
    assert (_user(staff.email).role, _user(staff.email).forbund_id) == ("forbund_admin", norrby.id)
    assert browser.get("/campaigns/").status_code == 302
    assert _cli_audit("user.role_changed")["after"] == {"role": "forbund_admin", "forbund": "norrby"}

    assert runner.invoke(args=["user", "rename", staff.email, "Eva Ek"]).exit_code == 0
    assert _user(staff.email).name == "Eva Ek" and _cli_audit("user.renamed")
    result = runner.invoke(args=["user", "rename", staff.email, "x" * 201])
    assert result.exit_code == 2 and "at most 200" in result.output

    user = _user(staff.email)
    user.locked_until, user.failed_logins = utcnow() + timedelta(minutes=10), 2
    db.session.commit()
    assert runner.invoke(args=["user", "unlock", staff.email]).exit_code == 0
    assert _user(staff.email).locked_until is None and _cli_audit("user.unlocked")
    assert "locked" not in runner.invoke(args=["user", "list"]).output

    result = runner.invoke(args=["user", "password-link", staff.email])
    assert result.exit_code == 0 and accounts.SET_PASSWORD_PATH in result.output
    assert _cli_audit("user.password_link_issued")

    result = runner.invoke(args=["user", "set-password", staff.email], env={"FINSAM_PASSWORD": "Eva-Ek-2024!"})
    assert result.exit_code == 2 and "email address or name" in result.output
    assert login(app.test_client(), _user(staff.email), PASSWORD).status_code == 302
    logged_in = app.test_client()
    assert login(logged_in, _user(staff.email)).status_code == 302
    result = runner.invoke(args=["user", "set-password", staff.email], input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert logged_in.get("/campaigns/").status_code == 302
    assert login(app.test_client(), _user(staff.email), GOOD_PASSWORD).status_code == 302
    assert _cli_audit("user.password_set")["how"] == "admin"
    assert GOOD_PASSWORD not in str([r.detail for r in audit_rows("user.password_set")])


def test_the_link_uses_public_url(app_config, factory):
    from survey import create_app

    public = create_app({**app_config, "PUBLIC_URL": "https://finsam.example.se"})
    with public.app_context():
        staff = factory.user("nns")
        result = public.test_cli_runner().invoke(args=["user", "password-link", staff.email])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 0
    assert "https://finsam.example.se/account/set-password/" in result.output
