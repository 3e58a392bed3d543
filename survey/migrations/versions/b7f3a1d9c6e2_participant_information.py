"""participant information: förbund contacts and note, campaign title for participants

Revision ID: b7f3a1d9c6e2
Revises: 5d2c8e7a9f41
Create Date: 2026-12-02 05:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7f3a1d9c6e2'
down_revision = '5d2c8e7a9f41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('forbund', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_email', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('privacy_contact', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('information_note', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_title', sa.String(length=200), nullable=False, server_default=''))


def downgrade():
    # Plain DROP COLUMNs (SQLite >= 3.35 has them): a batch copy of campaign or forbund, which
    # other tables reference, fails on SQLite's foreign keys.
    op.execute("ALTER TABLE campaign DROP COLUMN public_title")
    for column in ('information_note', 'privacy_contact', 'contact_phone', 'contact_email'):
        op.execute(f"ALTER TABLE forbund DROP COLUMN {column}")
