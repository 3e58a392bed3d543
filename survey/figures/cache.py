"""Per-process cache of tables computed from the data, keyed by the data version.

The fully suppressed national tables that dashboards and reports pick their figures from take
a while to compute on a large database, and must be the same on every page. Every write of
responses or avslut records counts `data_version` up in its own transaction (cells.py), so one
primary-key read per use tells whether a kept table is still right, in this process and across
several app processes (each keeps its own copy; none can serve figures older than the data
version it has just read).

    table = cache.cached("indicators", k, build)   # build() runs only when the data changed

The version is read before `build` runs, in the same transaction, so a table is never keyed
with a version newer than the data it was built from (at worst it is built again).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import current_app

from ..extensions import db
from . import cells

EXTENSION_KEY = "finsam_table_cache"


@dataclass
class _Cache:
    version: int | None = None
    tables: dict = field(default_factory=dict)  # (k, kind) → table, all for `version`
    lock: threading.RLock = field(default_factory=threading.RLock)  # a build may use another table
    builds: int = 0  # how many tables were computed (tests, benchmarks)


def _cache() -> _Cache:
    return current_app.extensions.setdefault(EXTENSION_KEY, _Cache())


def data_version() -> int:
    """The present data version: one cheap query."""
    return cells.current_version(db.session)


def cached(kind: str, k: int, build: Callable[[], Any]) -> Any:
    """The table `kind` for disclosure threshold `k` at the present data version: kept, or built
    now by `build()` and kept until the data change."""
    version = data_version()
    cache = _cache()
    with cache.lock:  # one build at a time: a rush of requests after a write computes it once
        if cache.version != version:
            cache.version, cache.tables = version, {}
        key = (int(k), kind)
        if key not in cache.tables:
            cache.tables[key] = build()
            cache.builds += 1
        return cache.tables[key]


def clear() -> None:
    """Forget every kept table of this process."""
    cache = _cache()
    with cache.lock:
        cache.version, cache.tables = None, {}
