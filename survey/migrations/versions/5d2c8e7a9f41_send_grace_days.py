"""send grace days: questionnaires started before closing can be sent for a while after

Revision ID: 5d2c8e7a9f41
Revises: 9e4a7c3f5b18
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2c8e7a9f41'
down_revision = '9e4a7c3f5b18'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_grace_days', sa.SmallInteger(), nullable=False, server_default='7'))


def downgrade():
    # A plain DROP COLUMN (SQLite >= 3.35 has it): a batch copy of campaign, which other tables
    # reference, fails on SQLite's foreign keys.
    op.execute("ALTER TABLE campaign DROP COLUMN send_grace_days")
