"""The app factory, configuration rules, login and the security headers."""
import pytest

from survey import create_app
from survey.config import ConfigError
from tests.support.factories import login


def test_refuses_to_start_in_production_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("FINSAM_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})


def test_disclosure_k_below_five_is_refused(monkeypatch):
    monkeypatch.setenv("DISCLOSURE_K", "3")
    with pytest.raises(ConfigError, match="DISCLOSURE_K"):
        create_app()


def test_start_page_is_swedish_by_default_with_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'<html lang="sv" dir="ltr">' in response.data
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_staff_pages_offer_english(client):
    response = client.get("/?lang=en")
    assert b'lang="en"' in response.data
    assert "lang=en" in response.headers.get("Set-Cookie", "")


def test_language_links_keep_the_page_filters(client):
    html = client.get("/login?next=%2Fresults%2F&year=2024&year=2025&lang=sv").get_data(as_text=True)
    assert 'href="?next=%2Fresults%2F&amp;year=2024&amp;year=2025&amp;lang=en"' in html
    assert 'href="?next=%2Fresults%2F&amp;year=2024&amp;year=2025&amp;lang=sv"' in html


def test_login_and_lockout(client, factory):
    forbund = factory.forbund()
    user = factory.user("forbund_user", forbund)
    assert login(client, user, "wrong password").status_code == 200
    assert login(client, factory.user("nns"), ).status_code == 302  # the right password works
    client.post("/logout")
    for _ in range(4):
        login(client, user, "wrong password")
    # Locked after five failures: even the right password is refused now.
    page = login(client, user)
    assert page.status_code == 200, "a locked account must not be logged in"
    assert client.get("/").data.count(b"logout") == 0


def test_unknown_page_is_a_clear_404(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert b"<h1>" in response.data


def test_password_hash_is_scrypt(factory):
    user = factory.user("admin")
    assert user.password_hash.startswith("scrypt:")


def test_upgrading_the_schema_leaves_the_apps_loggers_on(app):
    """Alembic's logging set-up (migrations/env.py) must not switch off loggers that exist:
    `flask demo` upgrades and then serves, and its errors and access lines must still be logged."""
    import logging

    from survey.cli import init_db

    logging.getLogger("werkzeug")  # exists before the upgrade, as in a server process
    init_db()
    assert not app.logger.disabled
    assert not logging.getLogger("werkzeug").disabled
