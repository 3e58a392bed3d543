"""session epoch: logging out ends every session of the user, copied cookies included

Revision ID: d1a7e3c5b820
Revises: c4e8f2a6b913
Create Date: 2026-12-02 08:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1a7e3c5b820'
down_revision = 'c4e8f2a6b913'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    # A plain DROP COLUMN: a batch copy of user, which other tables reference, fails on SQLite's
    # foreign keys.
    op.execute('ALTER TABLE "user" DROP COLUMN session_epoch')
