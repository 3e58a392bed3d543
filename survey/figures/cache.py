"""Per-process cache of tables computed from the data, keyed by the data version.

The fully suppressed national tables that dashboards and reports pick their figures from take
a while to compute on a large database, and must be the same on every page. Every write of
responses or avslut records counts `data_version` up in its own transaction (cells.py), so one
primary-key read per use tells whether a kept table is still right, in this process and across
several app processes (each keeps its own copy).

    table = cache.cached("indicators", k, build)   # build() runs only when the data changed

The version is read before `build` runs, in the same transaction, so a table is never keyed
with a version newer than the data it was built from (at worst it is built again).

When the data have changed, FIGURES_REFRESH decides who waits:
- "wait" (development and tests): the request that finds the change builds the new tables;
- "background" (production): the request gets the tables of the previous version at once, and
  one thread of the process builds the new ones (a release, then the disclosure engine, whose
  audit can take a minute on a national database after a large import). The previous tables are
  a published state like any other: released counts, protected and audited. Only a process's
  very first request waits (and reads stored suppression patterns, patterns.py).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import ServiceUnavailable

from ..extensions import db
from . import cells

EXTENSION_KEY = "finsam_table_cache"
_building = threading.local()  # set in the refresh thread: nested tables are built, not served stale


class FiguresBeingComputed(ServiceUnavailable):
    """Another thread of this process is computing a table this request needs, for longer than
    FIGURES_WAIT seconds: the page says so and asks to reload (503, Retry-After) instead of
    hanging until the audit is done (the demo computes its breakdowns for minutes after it starts)."""

    message = _l("The figures are being computed right now. Please reload the page in a minute.")

    def __init__(self) -> None:
        super().__init__(retry_after=60)


@dataclass
class _Cache:
    version: int | None = None
    tables: dict = field(default_factory=dict)  # (k, kind) → table, all for `version`
    # (version, tables) in one reference: a request reads a table built already without the lock,
    # which a build in another thread holds for as long as it takes.
    current: tuple = (None, {})
    stale: dict = field(default_factory=dict)  # (k, kind) → table of an earlier version
    builders: dict = field(default_factory=dict)  # (k, kind) → how to build it again
    lock: threading.RLock = field(default_factory=threading.RLock)  # the dicts above, held briefly
    building: dict = field(default_factory=dict)  # (k, kind) → lock held while that table is built
    refreshing: threading.Thread | None = None
    builds: int = 0  # how many tables were computed (tests, benchmarks)


def _cache() -> _Cache:
    return current_app.extensions.setdefault(EXTENSION_KEY, _Cache())


def data_version() -> int:
    """The present data version: one cheap query."""
    return cells.current_version(db.session)


def cached(kind, k: int, build: Callable[[], Any], *, refreshable: bool = False) -> Any:
    """The table `kind` for disclosure threshold `k` at the present data version: kept, or built
    now by `build()` and kept until the data change.

    refreshable: `build` reads the data itself (a published table), so refreshing in the
    background may serve the one kept from before while the thread builds the new one. Anything
    derived from tables is not: it is built from what this request was given, and not kept
    where that was a table from before."""
    if not refreshable and g.get("figures_stale"):
        return build()
    version = data_version()
    cache = _cache()
    key = (int(k), kind)
    built_version, built = cache.current
    if built_version == version and key in built:
        return built[key]
    in_refresh = getattr(_building, "on", False)
    background = current_app.config.get("FIGURES_REFRESH") == "background"
    with cache.lock:  # held briefly: the kept tables, never a build
        if cache.version != version and not in_refresh:
            if background:
                cache.stale.update(cache.tables)
            cache.version, cache.tables = version, {}
            cache.current = (version, cache.tables)
        if refreshable:
            cache.builders[key] = build
        if key in cache.tables:
            return cache.tables[key]
        if background and not in_refresh and key in cache.stale:
            _refresh_soon(cache)
            g.figures_stale = True
            return cache.stale[key]
        building = cache.building.setdefault(key, threading.RLock())
    if in_refresh:  # the refresh thread builds without waiting: requests are served meanwhile
        return _keep(cache, key, version, build())
    # One build of a table at a time (a rush of requests after a write computes it once); other
    # tables are built and read meanwhile.
    wait = current_app.config.get("FIGURES_WAIT")
    if not building.acquire(timeout=-1 if wait is None else float(wait)):
        raise FiguresBeingComputed()
    try:
        with cache.lock:
            if cache.version == version and key in cache.tables:  # built while this one waited
                return cache.tables[key]
        return _keep(cache, key, version, build())
    finally:
        building.release()


def _keep(cache: _Cache, key, version: int, table):
    """Keep a table built from the data at `version`, unless the data have moved on meanwhile."""
    with cache.lock:
        cache.builds += 1
        if cache.version == version:
            table = cache.tables.setdefault(key, table)
            cache.stale.pop(key, None)
        return table


def _refresh_soon(cache: _Cache) -> None:
    """Start the one refresh thread of this process unless it runs already."""
    if cache.refreshing is not None and cache.refreshing.is_alive():
        return
    app = current_app._get_current_object()
    cache.refreshing = threading.Thread(target=_refresh, args=(app, cache), name="finsam-figures", daemon=True)
    cache.refreshing.start()


def _refresh(app, cache: _Cache) -> None:
    """Build every table requested so far at the present version, then stop; a version that
    moves on meanwhile is picked up by the next request."""
    _building.on = True
    try:
        with app.app_context():
            for (k, kind), build in list(cache.builders.items()):
                if cache.version != data_version():
                    return
                cached(kind, k, build, refreshable=True)
    except Exception:
        app.logger.exception("refreshing the published tables failed")
    finally:
        _building.on = False


def wait_for_refresh(timeout: float | None = None) -> None:
    """Tests and the publish command: let a running refresh finish."""
    thread = _cache().refreshing
    if thread is not None:
        thread.join(timeout)


def clear() -> None:
    """Forget every kept table of this process."""
    cache = _cache()
    with cache.lock:
        cache.version, cache.tables, cache.stale, cache.builders = None, {}, {}, {}
        cache.current = (None, cache.tables)
