"""two-step login (TOTP key, last used step, recovery codes) and login devices (device cookies)

Revision ID: a3f9c2e7d614
Revises: a3c9e1f7b2d4
Create Date: 2026-12-02 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3f9c2e7d614'
down_revision = 'a3c9e1f7b2d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('recovery_codes', sa.JSON(), nullable=True))
    op.create_table(
        'login_device',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('failed_logins', sa.SmallInteger(), nullable=False, server_default='0'),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_device_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_device')),
        sa.UniqueConstraint('nonce', name=op.f('uq_login_device_nonce')),
    )
    with op.batch_alter_table('login_device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_device_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('login_device')
    # Plain DROP COLUMNs: a batch copy of user, which other tables reference, fails on SQLite's
    # foreign keys.
    for column in ('recovery_codes', 'totp_last_step', 'totp_secret'):
        op.execute(f'ALTER TABLE "user" DROP COLUMN {column}')
