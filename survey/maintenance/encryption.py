"""Encrypted backups: the backup zip, streamed through AES-256-GCM in chunks.

Why chunks and not Fernet: Fernet encrypts one message held in memory, and a national database's
backup runs to gigabytes; here `backup` encrypts while it writes and never holds more than one
chunk, and no unencrypted byte reaches the disk. (Restore needs the zip's directory at its end,
so it decrypts into an unnamed temporary file first, on the server that holds the database anyway.)

The key (`FINSAM_BACKUP_KEY`) is 32 random bytes in base64, made with
`python -c "import secrets; print(secrets.token_urlsafe(32))"` (or `openssl rand -base64 32`).

Layout (all numbers big-endian):
- header: MAGIC (8 bytes), format version (1 byte), chunk size (4 bytes), a random salt (16 bytes),
  a key check (16 bytes);
- chunks: ciphertext length (4 bytes), then the ciphertext with its 16-byte tag.

Each file gets its own key, HKDF-SHA256 of the backup key with the file's salt, so the nonces can
simply count: nonce = chunk number (11 bytes) + 1 if it is the last chunk, else 0 (1 byte). The header
is the associated data of every chunk. A chunk changed, moved, dropped or cut off fails its tag,
the last one included, so a damaged file is told apart from a whole one. The key check (another
HKDF output) tells a wrong key apart from a damaged file, without revealing anything of the key.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import io
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"FINSAMEB"  # Finsam encrypted backup; a plain backup is a zip and starts with "PK"
VERSION = 1
CHUNK = 1024 * 1024
TAG = 16
_HEADER = struct.Struct(">8sBI16s16s")
_LENGTH = struct.Struct(">I")
KEY_COMMAND = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


class EncryptionError(RuntimeError):
    """A clear message for the operator (wrong or missing key, damaged file)."""


def decode_key(text: str) -> bytes:
    """FINSAM_BACKUP_KEY → 32 bytes (base64, standard or URL-safe, padded or not)."""
    cleaned = "".join(text.split())
    try:
        raw = base64.urlsafe_b64decode(cleaned.replace("+", "-").replace("/", "_") + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise EncryptionError("FINSAM_BACKUP_KEY must be 32 random bytes in base64 (43 or 44 characters); "
                              f"make one with: {KEY_COMMAND}")
    return raw


def _derive(key: bytes, salt: bytes, purpose: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=b"finsam-backup v1 " + purpose).derive(key)


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def is_encrypted(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


class EncryptingWriter:
    """A write-only binary stream that encrypts into `out` (zipfile writes a zip to it as to an
    unseekable stream). `finish()` writes the last chunk; without it the file reads as damaged."""

    def __init__(self, out: BinaryIO, key: bytes, chunk: int = CHUNK):
        salt = os.urandom(16)
        self._header = _HEADER.pack(MAGIC, VERSION, chunk, salt, _derive(key, salt, b"key check", 16))
        self._aead = AESGCM(_derive(key, salt, b"data"))
        self._out, self._chunk = out, chunk
        self._buffer = bytearray()
        self._number = self._position = 0
        out.write(self._header)

    def _emit(self, data: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._number, last), data, self._header)
        self._out.write(_LENGTH.pack(len(sealed)) + sealed)
        self._number += 1

    def write(self, data) -> int:
        self._buffer += data
        self._position += len(data)
        while len(self._buffer) > self._chunk:  # keep the rest: the last chunk is written by finish()
            self._emit(bytes(self._buffer[:self._chunk]), last=False)
            del self._buffer[:self._chunk]
        return len(data)

    def tell(self) -> int:
        return self._position

    def seek(self, *args):
        raise io.UnsupportedOperation("an encrypted backup is written front to back")

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        self._out.flush()

    def finish(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._out.flush()


def decrypt(source: BinaryIO, out: BinaryIO, key: bytes | None) -> None:
    """Decrypt an encrypted backup from `source` into `out`; EncryptionError if the key is missing
    or wrong or the file is damaged (then `out` holds a part and must be thrown away)."""
    header = source.read(_HEADER.size)
    if len(header) < _HEADER.size or not header.startswith(MAGIC):
        raise EncryptionError("The encrypted backup is damaged: its header is incomplete.")
    _, version, chunk, salt, check = _HEADER.unpack(header)
    if version != VERSION:
        raise EncryptionError(f"Encrypted backup format version {version} is not supported (this version reads {VERSION}).")
    if key is None:
        raise EncryptionError("This backup is encrypted: set FINSAM_BACKUP_KEY to the key it was written with.")
    if not hmac.compare_digest(check, _derive(key, salt, b"key check", 16)):
        raise EncryptionError("FINSAM_BACKUP_KEY is not the key this backup was encrypted with; nothing was changed.")
    aead = AESGCM(_derive(key, salt, b"data"))
    number = 0
    while True:
        prefix = source.read(_LENGTH.size)
        if len(prefix) < _LENGTH.size:
            raise EncryptionError("The encrypted backup is damaged or cut off: its last part is missing.")
        (length,) = _LENGTH.unpack(prefix)
        if not TAG <= length <= chunk + TAG:
            raise EncryptionError(f"The encrypted backup is damaged (part {number + 1} has an impossible length).")
        sealed = source.read(length)
        if len(sealed) < length:
            raise EncryptionError("The encrypted backup is damaged or cut off: its last part is missing.")
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(number, last), sealed, header)
                break
            except InvalidTag:
                continue
        else:
            raise EncryptionError(f"The encrypted backup is damaged (part {number + 1} fails its check).")
        out.write(plain)
        number += 1
        if last:
            if source.read(1):
                raise EncryptionError("The encrypted backup is damaged: there is data after its last part.")
            return
