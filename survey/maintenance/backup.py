"""A backup that does not depend on the database: a zip of JSON lines, one file per table.

Why not pg_dump or a copy of the SQLite file: a backup must restore into either database (move
from SQLite to PostgreSQL, or back for a test copy) and stay readable without our code.

Layout of the zip:
- `manifest.json`: format, format version, the Alembic revision of the schema the data belongs
  to, the database it came from, and per table (in dependency order) its columns and row count.
- `tables/<table>.jsonl`: one JSON array per row, values in the manifest's column order. Times
  are ISO 8601 in UTC, dates ISO 8601, JSON columns as JSON.

With a key (FINSAM_BACKUP_KEY) the zip is encrypted as it is written (encryption.py); restore
tells an encrypted file from a plain zip by its first bytes.

Restore goes into an empty database (or replaces everything with --force): it checks the whole
file first, creates the schema at the backup's revision, loads every table in one transaction,
checks the counts, resets PostgreSQL sequences and then upgrades to the newest schema, so an old
backup restores into new code.
"""
from __future__ import annotations

import base64
import json
import os
import tempfile
import zipfile
import zlib
from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import BinaryIO, Iterator

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from ..figures import cells
from ..extensions import db
from .encryption import MAGIC, EncryptingWriter, EncryptionError, decrypt

FORMAT = "finsam-backup"
FORMAT_VERSION = 1
VERSION_TABLE = "alembic_version"
BATCH = 500
# Derived from the other tables: written to a backup (readable without our code) but never loaded
# from it. Restore recounts the count cells from the restored answers and moves the data version
# past every value this database had, so no process keeps a cached table of before.
DERIVED = ("indicator_cell", "question_cell", "data_version")


class BackupError(RuntimeError):
    """A clear message for the operator; nothing was changed."""


# ---------------------------------------------------------------------------------- helpers
def _engine() -> sa.Engine:
    return db.engine


def _reflect(conn) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(bind=conn)
    if VERSION_TABLE in metadata.tables:
        metadata.remove(metadata.tables[VERSION_TABLE])
    return metadata


def _current_revision(conn) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _script_directory() -> ScriptDirectory:
    migrate = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))


def head_revision() -> str:
    return _script_directory().get_current_head()


def _encode(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite gives back naive times; the app stores UTC
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$base64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decoder(column: sa.Column, dialect: str):
    """How a JSON value becomes the Python value for a column of the target database."""
    kind = column.type
    if isinstance(kind, sa.DateTime):
        naive = dialect == "sqlite" or not kind.timezone

        def to_datetime(v):
            if v is None:
                return None
            t = datetime.fromisoformat(v)
            if t.tzinfo is None:
                t = t.replace(tzinfo=timezone.utc)
            t = t.astimezone(timezone.utc)
            return t.replace(tzinfo=None) if naive else t
        return to_datetime
    if isinstance(kind, sa.Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(kind, sa.Boolean):
        return lambda v: None if v is None else bool(v)
    if isinstance(kind, sa.Numeric) and not isinstance(kind, (sa.Integer, sa.Float)):
        return lambda v: None if v is None else Decimal(v)
    if isinstance(kind, sa.LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v["$base64"])
    return lambda v: v


# ---------------------------------------------------------------------------------- backup
def write_backup(path: str, key: bytes | None = None) -> dict:
    """Write the whole database to `path` (atomically: a failed backup leaves no file), encrypted
    with `key` if one is given, and return the manifest."""
    engine = _engine()
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".zip", dir=directory)
    os.close(fd)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                # One snapshot for every table, so rows and their references agree.
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            elif engine.dialect.name == "sqlite":
                # A read transaction in WAL mode is a snapshot too; writers carry on meanwhile.
                conn.exec_driver_sql("BEGIN")
            revision = _current_revision(conn)
            if revision is None:
                raise BackupError("The database has no schema yet (run `flask --app survey init-db`); nothing to back up.")
            with open(tmp, "wb") as handle:
                sink = EncryptingWriter(handle, key) if key is not None else handle
                manifest = _write_zip(conn, sink, revision, engine.dialect.name)
                if key is not None:
                    sink.finish()
                handle.flush()
                os.fsync(handle.fileno())
            conn.rollback()
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return manifest


def _write_zip(conn, sink, revision: str, dialect: str) -> dict:
    """Every table as JSON lines into a zip written to `sink` (a file or an EncryptingWriter)."""
    metadata = _reflect(conn)
    tables = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in metadata.sorted_tables:
            columns = [c.name for c in table.columns]
            rows = 0
            order = list(table.primary_key.columns) or list(table.columns)
            with archive.open(f"tables/{table.name}.jsonl", "w") as out:
                result = conn.execution_options(yield_per=BATCH).execute(sa.select(table).order_by(*order))
                for row in result:
                    line = json.dumps([_encode(v) for v in row], ensure_ascii=False, separators=(",", ":"))
                    out.write(line.encode("utf-8") + b"\n")
                    rows += 1
            tables.append({"name": table.name, "columns": columns, "rows": rows})
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "alembic_revision": revision,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "source_dialect": dialect, "tables": tables,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


# ---------------------------------------------------------------------------------- restore
def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except KeyError:
        raise BackupError("This is not a Finsam backup: manifest.json is missing.") from None
    except ValueError as exc:
        raise BackupError(f"The backup's manifest.json is not valid JSON ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This is not a Finsam backup (unknown format in manifest.json).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"Backup format version {manifest.get('format_version')!r} is not supported "
                          f"(this version reads {FORMAT_VERSION}).")
    tables = manifest.get("tables")
    if not isinstance(manifest.get("alembic_revision"), str) or not isinstance(tables, list) or not all(
        isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("columns"), list)
        and isinstance(t.get("rows"), int) for t in tables
    ):
        raise BackupError("The backup's manifest.json is incomplete (revision or tables missing).")
    return manifest


def _rows(archive: zipfile.ZipFile, table: dict) -> Iterator[list]:
    name = f"tables/{table['name']}.jsonl"
    try:
        handle = archive.open(name)
    except KeyError:
        raise BackupError(f"The backup lacks {name}.") from None
    width = len(table["columns"])
    with handle:
        for number, line in enumerate(handle, 1):
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise BackupError(f"{name}, line {number}: not valid JSON ({exc}).") from None
            if not isinstance(row, list) or len(row) != width:
                raise BackupError(f"{name}, line {number}: expected {width} values.")
            yield row


@contextmanager
def open_backup(path: str, key: bytes | None = None) -> Iterator[BinaryIO | str]:
    """What zipfile can read for the backup at `path`: the file itself if it is a plain zip, or
    its decrypted content in an unnamed temporary file (deleted on closing) if it is encrypted."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise BackupError(f"No such file: {path}") from None
    except IsADirectoryError:
        raise BackupError(f"{path} is a directory, not a backup file.") from None
    with handle:
        if handle.read(len(MAGIC)) != MAGIC:
            yield path
            return
        handle.seek(0)
        with tempfile.TemporaryFile(prefix="finsam-restore-") as plain:
            try:
                decrypt(handle, plain, key)
            except EncryptionError as exc:
                raise BackupError(str(exc)) from None
            plain.seek(0)
            yield plain


def verify_backup(source: BinaryIO | str, name: str | None = None) -> dict:
    """Read the whole file (zip checksums, JSON, counts) before anything in the database changes."""
    name = name or str(source)
    try:
        archive = zipfile.ZipFile(source)
    except FileNotFoundError:
        raise BackupError(f"No such file: {name}") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{name} is not a readable backup (zip) file ({exc}).") from None
    with archive:
        manifest = read_manifest(archive)
        try:
            for table in manifest["tables"]:
                count = sum(1 for _ in _rows(archive, table))
                if count != table["rows"]:
                    raise BackupError(f"tables/{table['name']}.jsonl has {count} rows, the manifest says {table['rows']}.")
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise BackupError(f"The backup file is damaged ({exc}).") from None
    return manifest


def _row_counts(conn, metadata: sa.MetaData) -> dict[str, int]:
    return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def _upgrade(revision: str) -> None:
    from flask_migrate import upgrade

    upgrade(revision=revision)


def _reset_sequences(conn, metadata: sa.MetaData) -> None:
    """After explicit ids were inserted, PostgreSQL's sequences must continue above them."""
    preparer = conn.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                    {"t": preparer.quote(table.name), "c": column.name}).scalar()
            if sequence:
                conn.execute(sa.text(
                    f"SELECT setval(:s, COALESCE((SELECT MAX({preparer.quote(column.name)}) FROM "
                    f"{preparer.quote(table.name)}), 0) + 1, false)"
                ), {"s": sequence})


def restore_backup(path: str, force: bool = False, key: bytes | None = None) -> dict:
    """Restore `path` (plain, or encrypted with `key`) into this app's database. Returns
    {table: rows restored}. Every check (key, damage, counts) comes before any change."""
    with open_backup(path, key) as source:
        return _restore(source, path, force)


def _restore(source: BinaryIO | str, path: str, force: bool) -> dict:
    manifest = verify_backup(source, path)
    revision = manifest["alembic_revision"]
    script = _script_directory()
    try:
        known = script.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for unknown or partial ids
        known = False
    if not known:
        raise BackupError(f"The backup was made at schema revision {revision}, which this version of the "
                          "program does not know (is the backup from a newer version?).")

    engine = _engine()
    with engine.connect() as conn:
        current = _current_revision(conn)
        metadata = _reflect(conn)
        counts = _row_counts(conn, metadata)
        old_version = _data_version(conn, metadata)
    filled = {name: n for name, n in counts.items() if n and name not in DERIVED}
    if filled and not force:
        listing = ", ".join(f"{name} ({n})" for name, n in sorted(filled.items()))
        raise BackupError("The database already holds data: " + listing + ". Restore only into an empty "
                          "database, or use --force to replace everything in it.")

    if current != revision:
        if metadata.tables:
            # Another schema (and no data, or --force): start from nothing at the backup's revision.
            with engine.begin() as conn:
                metadata.drop_all(conn)
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
        _upgrade(revision)

    restored: dict[str, int] = {}
    with engine.begin() as conn:  # one transaction: all of it or nothing
        target = _reflect(conn)
        for table in reversed(target.sorted_tables):  # --force: clear children before parents
            conn.execute(table.delete())
        with zipfile.ZipFile(source) as archive:
            for entry in manifest["tables"]:
                if entry["name"] in DERIVED:
                    continue  # recounted below
                table = target.tables.get(entry["name"])
                if table is None:
                    raise BackupError(f"Table {entry['name']} of the backup does not exist at revision {revision}.")
                missing = [c for c in entry["columns"] if c not in table.columns]
                if missing:
                    raise BackupError(f"Columns {', '.join(missing)} of {entry['name']} do not exist at revision {revision}.")
                decoders = [_decoder(table.columns[c], engine.dialect.name) for c in entry["columns"]]
                batch = []
                for row in _rows(archive, entry):
                    batch.append({c: decode(v) for c, decode, v in zip(entry["columns"], decoders, row)})
                    if len(batch) >= BATCH:
                        conn.execute(table.insert(), batch)
                        batch = []
                if batch:
                    conn.execute(table.insert(), batch)
                restored[entry["name"]] = entry["rows"]
        after = _row_counts(conn, target)
        for name, rows in restored.items():
            if after.get(name) != rows:
                raise BackupError(f"Restoring {name} gave {after.get(name)} rows instead of {rows}; nothing was stored.")
        if "indicator_cell" in target.tables:  # older revisions: the upgrade below fills them
            cells.rebuild(conn)
        if engine.dialect.name == "postgresql":
            _reset_sequences(conn, target)

    if revision != script.get_current_head():
        _upgrade("head")
    with engine.begin() as conn:
        cells.set_version_above(conn, old_version)
    return restored


def _data_version(conn, metadata: sa.MetaData) -> int:
    """The data version before a restore (0 when there is none yet)."""
    table = metadata.tables.get("data_version")
    if table is None:
        return 0
    return int(conn.execute(sa.select(sa.func.max(table.c.version))).scalar() or 0)
