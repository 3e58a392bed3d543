"""Shared fixtures (flaskr style: app, client, runner), run on SQLite AND PostgreSQL.

Every test that uses `app` runs twice: once on a real SQLite file, once on a real PostgreSQL
server started here. Each test gets a fresh database copied from a migrated template.
"""
from __future__ import annotations

import itertools
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("FINSAM_ENV", "test")

from tests.support.postgres import PostgresServer

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
_counter = itertools.count()


def _base_config(url: str) -> dict:
    return {
        "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False,
    }


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    from survey import create_app

    app = create_app(_base_config(url))
    with app.app_context():
        upgrade()
        from survey.extensions import db
        db.engine.dispose()


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer().start()
    try:
        server.execute("CREATE DATABASE finsam_template")
        _migrate(server.url("finsam_template"))
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "finsam.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"t_{os.getpid()}_{next(_counter)}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE finsam_template")
    yield server.url(name)
    server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def app_config(database_url) -> dict:
    return _base_config(database_url)


@pytest.fixture
def app(app_config):
    from survey import create_app
    from survey.extensions import db

    app = create_app(app_config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def factory(app):
    from tests.support.factories import Factory

    return Factory()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# ---------------------------------------------------------------------------------- browser
@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright per test process (a second one in the same thread is refused)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """Chromium as phones (and desktop Chrome) keep it: the back/forward cache ON. Playwright's
    default launch turns it off, which hid a dead Continue button and answers shown again after
    Send (issue 10); tests/answer/test_back_button.py proves it is on."""
    from tests.support.browser import CHROMIUM_ARGS, chromium_path

    browser = playwright_driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True,
                                                ignore_default_args=["--disable-back-forward-cache"])
    yield browser
    browser.close()


@pytest.fixture
def live_server(app):
    from tests.support.browser import LiveServer

    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser context (360 × 740); JavaScript on."""
    from tests.support.browser import PHONE

    context = browser.new_context(viewport=PHONE, locale="sv-SE")
    page = context.new_page()
    yield page
    context.close()


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the xdist_group markers
def pytest_collection_modifyitems(items):
    for item in items:
        if {"phone", "browser"} & set(item.fixturenames):
            item.add_marker(pytest.mark.browser)
        if "demo" in item.fixturenames:
            # One worker runs every demo test (scripts/test: --dist loadgroup): the demo's
            # breakdowns take minutes cold, and the engine remembers their patterns per process,
            # so the second worker would compute them all again.
            item.add_marker(pytest.mark.xdist_group("demo"))
        if "database_url" in item.fixturenames and "postgresql" in item.nodeid:
            item.add_marker(pytest.mark.postgres)
