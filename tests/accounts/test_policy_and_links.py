"""The shared rules of survey/accounts.py: password policy, the shipped list, one-time links."""
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from survey import accounts
from survey.extensions import db
from survey.models import PasswordLink, utcnow


@pytest.mark.parametrize("password", [
    "sommar2024", "Sommar2024!", "lösenord123", "Lösenord1!", "password1234", "qwertyuiop", "1234567890",
    "iloveyou12345", "Välkommen123", "finsam2025!!",
])
def test_common_passwords_and_their_variants_are_refused(app, password):
    problems = [str(p) for p in accounts.password_problems(password, "anna@example.se", "Anna Berg")]
    assert any("common" in p or "vanlig" in p for p in problems), (password, problems)


@pytest.mark.parametrize("password,why", [
    ("kort123!", "at least 10"),
    ("anna.berg.secret!", "email address or name"),
    ("x" * 201, "at most 200"),
    ("annaberg-hemma-77", "email address or name"),
])
def test_short_long_and_personal_passwords_are_refused(app, password, why):
    problems = [str(p) for p in accounts.password_problems(password, "anna.berg@example.se", "Anna Berg")]
    assert any(why in p for p in problems), problems


@pytest.mark.parametrize("password", ["tre glada tranor flyger", "Kaffe-Regn-Tåg-47", "correct horse battery"])
def test_good_passwords_pass(app, password):
    assert accounts.password_problems(password, "anna.berg@example.se", "Anna Berg") == []


def test_the_list_is_package_data_with_its_licence():
    """The list and its licence sit inside the package (tests/test_first_start.py checks that a
    wheel carries them)."""
    import survey

    data = Path(survey.__file__).parent / "data"
    listed = (data / "common_passwords.txt").read_text(encoding="utf-8")
    assert "zxcvbn" in listed and "MIT" in listed
    assert (data / "common_passwords.LICENSE.txt").read_text().startswith("MIT License")
    assert len(accounts.common_passwords()) > 30000
    assert {"password", "lösenord", "sommar", "qwerty"} <= accounts.common_passwords()


def test_the_set_password_path_is_the_route(app):
    with app.test_request_context():
        from flask import url_for

        assert url_for("account.set_password", token="T") == accounts.SET_PASSWORD_PATH + "T"


def test_links_are_stored_as_hashes_only_and_expire(app, factory):
    user = factory.user("nns")
    url = accounts.issue_password_link(user)
    db.session.commit()
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 40
    stored = db.session.execute(text("SELECT token_hash FROM password_link")).scalars().all()
    assert stored and token not in stored[0]
    assert accounts.find_password_link(token) is not None
    assert accounts.find_password_link(token + "x") is None
    assert accounts.find_password_link("") is None and accounts.find_password_link("a" * 5000) is None
    link = db.session.scalar(select(PasswordLink))
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert accounts.find_password_link(token) is None


def test_a_new_link_ends_the_earlier_one(app, factory):
    user = factory.user("nns")
    first = accounts.issue_password_link(user).rsplit("/", 1)[1]
    second = accounts.issue_password_link(user).rsplit("/", 1)[1]
    db.session.commit()
    assert accounts.find_password_link(first) is None
    assert accounts.find_password_link(second) is not None


def test_links_follow_public_url_not_the_host_header(app_config, factory):
    from survey import create_app

    public = create_app({**app_config, "PUBLIC_URL": "https://finsam.example.se"})
    with public.app_context():
        user = factory.user("nns")
        with public.test_request_context("/", headers={"Host": "evil.example"}):
            url = accounts.issue_password_link(user)
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    assert url.startswith("https://finsam.example.se/account/set-password/")


def test_access_logs_do_not_carry_the_link():
    from survey.logs import redact

    line = '127.0.0.1 - - "GET /account/set-password/AbC_12-xyz HTTP/1.1" 200 -'
    assert "AbC_12-xyz" not in redact(line) and "/account/set-password/[link]" in redact(line)
