"""answer codes: single-use codes per campaign, hashed; drafts remember theirs until Send

Revision ID: c4e8f2a6b913
Revises: b7f3a1d9c6e2
Create Date: 2026-12-02 05:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8f2a6b913'
down_revision = 'b7f3a1d9c6e2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer_code',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_answer_code_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_answer_code_code_hash'))
    )
    with op.batch_alter_table('answer_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_code_campaign_id'), ['campaign_id'], unique=False)
    # Plain ADD COLUMNs: a batch copy of campaign would, on SQLite, cascade-delete its drafts.
    op.add_column('campaign', sa.Column('uses_codes', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('draft', sa.Column('code_hash', sa.String(length=64), nullable=True))


def downgrade():
    op.execute("ALTER TABLE draft DROP COLUMN code_hash")
    op.execute("ALTER TABLE campaign DROP COLUMN uses_codes")
    with op.batch_alter_table('answer_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_code_campaign_id'))
    op.drop_table('answer_code')
