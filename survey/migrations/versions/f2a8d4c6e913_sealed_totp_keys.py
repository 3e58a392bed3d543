"""sealed TOTP keys: the two-step login key is stored encrypted (AES-256-GCM, key from SECRET_KEY)

A copy of the database (a backup, a dump) held the TOTP key in plain text next to the password
hash; now it holds "v1:" + nonce and ciphertext, bound to the user's id (survey/credentials/
twofactor.py `seal`). The keys stored so far are sealed here under the installation's SECRET_KEY.
SQLite does not enforce a VARCHAR's length; PostgreSQL's column is widened.

Revision ID: f2a8d4c6e913
Revises: e5b2c8d1f370
Create Date: 2026-12-03 10:30:00

"""
import base64
import secrets

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f2a8d4c6e913'
down_revision = 'e5b2c8d1f370'
branch_labels = None
depends_on = None

SEALED = "v1:"


def _aead():
    # The same derivation as twofactor._aead, written out: a migration must not change when the
    # app's code does.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from flask import current_app

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"finsam: totp key at rest").derive(current_app.config["SECRET_KEY"].encode())
    return AESGCM(key)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.alter_column('user', 'totp_secret', type_=sa.String(length=160), existing_nullable=True)
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))
    rows = bind.execute(sa.select(user.c.id, user.c.totp_secret).where(user.c.totp_secret.is_not(None))).all()
    aead = _aead() if rows else None
    for user_id, plain in rows:
        if plain.startswith(SEALED):
            continue
        nonce = secrets.token_bytes(12)
        sealed = SEALED + base64.urlsafe_b64encode(
            nonce + aead.encrypt(nonce, plain.encode(), str(user_id).encode())).decode()
        bind.execute(sa.update(user).where(user.c.id == user_id).values(totp_secret=sealed))


def downgrade():
    # The plain keys are not written back: users with two-step login enrol again.
    bind = op.get_bind()
    user = sa.table('user', sa.column('totp_secret', sa.String))
    bind.execute(sa.update(user).values(totp_secret=None))
    if bind.dialect.name == "postgresql":
        op.alter_column('user', 'totp_secret', type_=sa.String(length=64), existing_nullable=True)
