"""Two-step login with a TOTP app (RFC 6238 through pyotp) and one-time recovery codes.

Administrators and NNS analysts see every förbund's figures, so they may turn it on for
themselves, and an installation can require it for those roles (REQUIRE_TWO_FACTOR). A code is
accepted for the 30-second step before, at and after the server's clock (phones drift), and
never for a step at or before the last one accepted (User.totp_last_step): a code seen over a
shoulder or in a proxy log cannot be used again. Recovery codes are random 16-character codes
(about 79 bits), so a plain SHA-256 is enough to store them (scrypt is for guessable passwords)
and checking all of them stays fast.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import LINK_ALPHABET, Role, User

ISSUER = "Finsam Indikatorer"
ROLES = (Role.ADMIN.value, Role.NNS.value)
RECOVERY_CODES = 8
RECOVERY_LENGTH = 16
STEP = 30


def available_to(user) -> bool:
    return user.role in ROLES


def required_for(user) -> bool:
    """The installation requires two-step login for this user's role (REQUIRE_TWO_FACTOR)."""
    return user.role in current_app.config.get("REQUIRE_TWO_FACTOR", ())


def enabled(user) -> bool:
    return bool(user.totp_secret)


# --------------------------------------------------------------------------- the key at rest
SEALED = "v1:"
_NONCE = 12


def _aead(secret_key: str):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"finsam: totp key at rest").derive(secret_key.encode())
    return AESGCM(key)


def seal(user_id: int, secret: str, secret_key: str | None = None) -> str:
    """The TOTP key as stored: AES-256-GCM under a key derived from SECRET_KEY, bound to the
    user's id. A copy of the database (a backup, a dump) alone no longer logs in as an
    administrator: it holds the password hash and this, not the key the codes come from."""
    aead = _aead(secret_key or current_app.config["SECRET_KEY"])
    nonce = secrets.token_bytes(_NONCE)
    sealed = aead.encrypt(nonce, secret.encode(), str(user_id).encode())
    return SEALED + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(user: User) -> str | None:
    """The user's TOTP key, or None if no key of this installation opens it. A key sealed under
    one of SECRET_KEY_FALLBACKS (a rotated secret) is sealed again under SECRET_KEY, committed
    with the login that used it."""
    from cryptography.exceptions import InvalidTag

    stored = user.totp_secret
    if not stored or not stored.startswith(SEALED):
        return None
    try:
        raw = base64.urlsafe_b64decode(stored[len(SEALED):].encode())
    except (ValueError, binascii.Error):
        return None
    keys = [current_app.config["SECRET_KEY"], *(current_app.config.get("SECRET_KEY_FALLBACKS") or ())]
    for index, key in enumerate(keys):
        try:
            secret = _aead(key).decrypt(raw[:_NONCE], raw[_NONCE:], str(user.id).encode()).decode()
        except InvalidTag:
            continue
        if index:
            user.totp_secret = seal(user.id, secret)
        return secret
    current_app.logger.warning("the two-step login key of user %s opens with no SECRET_KEY of this installation; "
                               "`flask user two-factor-off` lets the user enrol again", user.id)
    return None


def enrolment_secret(user: User, nonce: str) -> str:
    """The key offered during enrolment, derived from the server's secret and a nonce kept in
    the session: the session cookie (signed, not encrypted) never holds the key itself."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"totp-enrol:{user.id}:{nonce}".encode(),
                      hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as an inline SVG (the CSP allows data: images; nothing leaves the page)."""
    return segno.make(uri, error="m", micro=False).svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def grouped(secret: str) -> str:
    """The key in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str | None:
    code = "".join((code or "").split())
    return code if len(code) == 6 and code.isascii() and code.isdigit() else None


def matching_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step `code` is valid for, if it is one after `last_step`."""
    code = _digits(code)
    if code is None:
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def _normalise_recovery(code: str) -> str:
    return "".join(c for c in (code or "").lower() if c.isalnum())


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(_normalise_recovery(code).encode()).hexdigest()


def new_recovery_codes() -> tuple[list[str], list[str]]:
    """(codes to show once, hashes to store)."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(LINK_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    return codes, [_hash_recovery(c) for c in codes]


def verify(user: User, code: str) -> bool:
    """A current TOTP code not used before, or an unused recovery code (then used up). The
    caller commits, so the used step or code is spent in the same transaction as the login."""
    if not enabled(user):
        return False
    secret = unseal(user)
    step = None if secret is None else matching_step(secret, code, user.totp_last_step)
    if step is not None:
        # Spent in one conditional UPDATE: of two requests racing with the same code, one wins.
        spent = db.session.execute(
            update(User).where(User.id == user.id,
                               or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step).execution_options(synchronize_session=False))
        if spent.rowcount != 1:
            return False
        set_committed_value(user, "totp_last_step", step)
        return True
    normalised = _normalise_recovery(code)
    if len(normalised) != RECOVERY_LENGTH:
        return False
    db.session.refresh(user, with_for_update=True)  # PostgreSQL: one request spends a code
    wanted = _hash_recovery(normalised)
    remaining = list(user.recovery_codes or [])
    for stored in remaining:
        if hmac.compare_digest(stored, wanted):
            remaining.remove(stored)
            user.recovery_codes = remaining  # a new list: JSON columns see only reassignment
            return True
    return False


def turn_on(user: User, secret: str, step: int) -> list[str]:
    codes, hashes = new_recovery_codes()
    user.totp_secret = seal(user.id, secret)
    user.totp_last_step = step
    user.recovery_codes = hashes
    return codes


def replace_recovery_codes(user: User) -> list[str]:
    codes, hashes = new_recovery_codes()
    user.recovery_codes = hashes
    return codes


def turn_off(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    user.recovery_codes = None
