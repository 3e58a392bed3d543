"""Helpers for data-safety and fault tests: empty (unmigrated) databases of both kinds, and apps
built on any database URL."""
from __future__ import annotations

import itertools
import os
from contextlib import contextmanager

import pytest

from tests.conftest import _base_config

_counter = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A database with no tables at all, of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"e_{os.getpid()}_{next(_counter)}"
    server.execute(f"CREATE DATABASE {name}")
    yield server.url(name)
    server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def app_on(url: str, **config):
    """An app (and its app context) on `url`, disposed afterwards."""
    from survey import create_app
    from survey.extensions import db

    app = create_app({**_base_config(url), **config})
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()
