"""Suppression patterns kept in the database, shared by every app process.

The disclosure engine (indicators/protection.py) decides a table block by block, and its audit
solves linear programs: on a national database (80 förbund, ten years) a cold outcome table takes
minutes. Each process already remembers the blocks it solved; this store lets one process solve
a block and every other process, and every later start, read its pattern. A block is keyed by a
digest of its released counts, so a release that moves one förbund's figures re-solves only the
blocks that förbund is in.

Patterns are derived data and hold no counts: pruning them (`prune`) costs only the time to solve
again. `used_on` is a day, written at most once a day per block, so that what no release uses any
longer can go.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import ProtectedBlock
from .cells import dialect_insert

_CHUNK = 500  # digests per IN list, well inside SQLite's parameter limit


class DatabaseBlockStore:
    """indicators.protection.BlockStore on the app's database, in transactions of its own (the
    request's session is left alone: a pattern is committed even if the request is rolled back,
    which is right, since it depends only on counts)."""

    def load(self, settings: bytes, digests: Sequence[bytes]) -> dict[bytes, bytes]:
        table = ProtectedBlock.__table__
        found: dict[bytes, bytes] = {}
        today = date.today()
        with db.engine.begin() as conn:
            for start in range(0, len(digests), _CHUNK):
                chunk = list(digests[start:start + _CHUNK])
                where = (table.c.settings == settings) & table.c.digest.in_(chunk)
                rows = conn.execute(select(table.c.digest, table.c.pattern).where(where)).all()
                found.update((bytes(d), bytes(p)) for d, p in rows)
                if rows:
                    conn.execute(update(table).where(where & (table.c.used_on < today)).values(used_on=today))
        return found

    def save(self, settings: bytes, patterns: dict[bytes, bytes]) -> None:
        if not patterns:
            return
        table = ProtectedBlock.__table__
        rows = [{"settings": settings, "digest": d, "pattern": p, "used_on": date.today()}
                for d, p in patterns.items()]
        with db.engine.begin() as conn:
            insert = dialect_insert(conn)
            for start in range(0, len(rows), _CHUNK):
                # Another process may have solved the same block meanwhile: same pattern, keep one.
                conn.execute(insert(table).values(rows[start:start + _CHUNK]).on_conflict_do_nothing())


def prune(unused_days: int = 60) -> int:
    """Delete patterns no table has used for `unused_days` days; returns how many."""
    table = ProtectedBlock.__table__
    with db.engine.begin() as conn:
        result = conn.execute(delete(table).where(table.c.used_on < date.today() - timedelta(days=unused_days)))
    return int(result.rowcount or 0)
