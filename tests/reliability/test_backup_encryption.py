"""Encrypted backups (FINSAM_BACKUP_KEY): no plaintext in the file, round trips into both
databases, and a missing or wrong key or a damaged file is a clear error that changes nothing."""
from __future__ import annotations

import io
import os
import secrets
import zipfile

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.maintenance.encryption import MAGIC, EncryptingWriter, EncryptionError, decode_key, decrypt
from survey.models import Forbund, Response
from tests.reliability.conftest import app_on
from tests.reliability.test_backup_restore import populate, snapshot

SECRET_COMMENT = "Handläggaren Åsa var ovärderlig – hemligt-7Q3"


def new_key() -> str:
    return secrets.token_urlsafe(32)


def _populate(factory) -> None:
    populate(factory)
    norrby = db.session.scalar(sa.select(Forbund).where(Forbund.code == "norrby"))
    db.session.add(Response(forbund_id=norrby.id, year=2025, month="2025-06", respondent_group="deltagare_avslut",
                            instrument_version="2021-A", kommentar=SECRET_COMMENT))
    db.session.commit()


def test_encrypted_backup_has_no_plaintext_and_restores_into_both_databases(
        app, factory, runner, empty_database_url, tmp_path):
    key = new_key()
    app.config["BACKUP_KEY"] = key
    _populate(factory)
    before = snapshot()
    path = tmp_path / "backup.enc"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "encrypted with FINSAM_BACKUP_KEY" in result.output

    data = path.read_bytes()
    assert data.startswith(MAGIC)
    assert not zipfile.is_zipfile(path)
    for plain in (SECRET_COMMENT, "Samordningsförbundet Norrby", "manifest.json", "hemligt-7Q3"):
        for encoding in ("utf-8", "utf-16-le"):
            assert plain.encode(encoding) not in data, plain

    with app_on(empty_database_url, BACKUP_KEY=key) as target:
        result = target.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code == 0, result.output
        assert snapshot() == before
        assert db.session.scalar(sa.select(sa.func.count()).where(Response.kommentar == SECRET_COMMENT)) == 1


def test_restore_reads_a_plain_backup_when_a_key_is_set(app, factory, runner, empty_database_url, tmp_path):
    _populate(factory)
    before = snapshot()
    path = tmp_path / "plain.zip"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0  # test mode, no key: plain
    assert zipfile.is_zipfile(path)
    with app_on(empty_database_url, BACKUP_KEY=new_key()) as target:
        result = target.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code == 0, result.output
        assert snapshot() == before


def test_missing_or_wrong_key_and_damaged_files_are_clear_errors_that_change_nothing(app, factory, runner, tmp_path):
    key = new_key()
    app.config["BACKUP_KEY"] = key
    _populate(factory)
    good = tmp_path / "good.enc"
    assert runner.invoke(args=["backup", str(good)]).exit_code == 0
    factory.forbund("after-backup")  # --force below would remove it if a restore went through
    before = snapshot()

    data = good.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    (tmp_path / "flipped.enc").write_bytes(bytes(flipped))
    (tmp_path / "cut.enc").write_bytes(data[:-100])
    (tmp_path / "header.enc").write_bytes(data[:20])
    (tmp_path / "trailing.enc").write_bytes(data + b"x")

    cases = [
        ("good.enc", "", "This backup is encrypted: set FINSAM_BACKUP_KEY"),
        ("good.enc", new_key(), "not the key this backup was encrypted with"),
        ("good.enc", "too-short", "must be 32 random bytes in base64"),
        ("flipped.enc", key, "damaged"),
        ("cut.enc", key, "damaged or cut off"),
        ("header.enc", key, "header is incomplete"),
        ("trailing.enc", key, "data after its last part"),
    ]
    for name, case_key, message in cases:
        app.config["BACKUP_KEY"] = case_key
        result = runner.invoke(args=["restore", "--force", str(tmp_path / name)])
        assert result.exit_code != 0, name
        assert message in result.output, (name, result.output)
        assert "Traceback" not in result.output
        db.session.expire_all()
        assert snapshot() == before, f"{name}: the database was changed"

    app.config["BACKUP_KEY"] = key  # the good file with its key still restores
    result = runner.invoke(args=["restore", "--force", str(good)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count()).where(Forbund.code == "after-backup")) == 0


def test_production_refuses_an_unencrypted_backup_unless_asked(app, factory, runner, tmp_path):
    factory.forbund()
    app.config["PRODUCTION"] = True
    app.config["BACKUP_KEY"] = ""
    refused = runner.invoke(args=["backup", str(tmp_path / "b.zip")])
    assert refused.exit_code != 0
    assert "Refusing to write participant data unencrypted" in refused.output
    assert "token_urlsafe" in refused.output  # says how to make a key
    assert not (tmp_path / "b.zip").exists() and not list(tmp_path.glob(".backup-*"))

    plain = runner.invoke(args=["backup", "--plain", str(tmp_path / "b.zip")])
    assert plain.exit_code == 0, plain.output
    assert "UNENCRYPTED" in plain.output and zipfile.is_zipfile(tmp_path / "b.zip")

    app.config["BACKUP_KEY"] = new_key()
    encrypted = runner.invoke(args=["backup", str(tmp_path / "c.enc")])
    assert encrypted.exit_code == 0, encrypted.output
    assert (tmp_path / "c.enc").read_bytes().startswith(MAGIC)

    app.config["BACKUP_KEY"] = "not a key"
    bad = runner.invoke(args=["backup", str(tmp_path / "d.enc")])
    assert bad.exit_code != 0 and "must be 32 random bytes" in bad.output
    assert not (tmp_path / "d.enc").exists()


# ----------------------------------------------------------------------- the stream (no database)
def _encrypt(data: bytes, key: bytes, chunk: int, writes: int = 7) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key, chunk=chunk)
    step = max(1, len(data) // writes)
    for start in range(0, len(data), step):
        writer.write(data[start:start + step])
    writer.finish()
    return out.getvalue()


def _decrypt(data: bytes, key: bytes | None) -> bytes:
    out = io.BytesIO()
    decrypt(io.BytesIO(data), out, key)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, 999, 1000, 1001, 10_500])
def test_chunked_stream_round_trips_at_every_boundary(size):
    key = os.urandom(32)
    data = os.urandom(size)
    sealed = _encrypt(data, key, chunk=1000)
    assert _decrypt(sealed, key) == data
    assert len(sealed) < size + 60 + (size // 1000 + 1) * 20  # streamed in chunks, little overhead


def test_chunks_dropped_moved_or_cut_off_are_detected():
    key = os.urandom(32)
    sealed = _encrypt(os.urandom(3500), key, chunk=1000)  # header + 4 chunks of 4 + 1016 (last 516)
    header = 8 + 1 + 4 + 16 + 16
    chunks = [sealed[header + i * 1020: header + (i + 1) * 1020] for i in range(3)] + [sealed[header + 3 * 1020:]]
    assert b"".join([sealed[:header], *chunks]) == sealed
    for broken in (
        [chunks[0], chunks[2], chunks[1], chunks[3]],  # moved
        [chunks[0], chunks[1], chunks[3]],  # dropped
        chunks[:3],  # the last part cut off at a chunk boundary
    ):
        with pytest.raises(EncryptionError, match="damaged"):
            _decrypt(b"".join([sealed[:header], *broken]), key)
    other = _encrypt(os.urandom(3500), key, chunk=1000)  # a chunk of another file with the same key
    with pytest.raises(EncryptionError, match="damaged"):
        _decrypt(sealed[:header + 1020] + other[header + 1020:], key)


def test_key_formats():
    raw = os.urandom(32)
    import base64
    for text in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("="),
                 " " + base64.b64encode(raw).decode() + "\n"):
        assert decode_key(text) == raw
    for bad in ("", "abc", base64.b64encode(os.urandom(16)).decode(), "ä" * 44):
        with pytest.raises(EncryptionError, match="32 random bytes"):
            decode_key(bad)
