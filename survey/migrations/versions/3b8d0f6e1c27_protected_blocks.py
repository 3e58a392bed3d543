"""protected blocks: suppression patterns shared by every app process

The disclosure engine's audit takes minutes on a national database; each block's pattern is now
stored under digests of the engine settings and of its counts (figures/patterns.py), so that one
process solves it and every other process, and a restarted one, reads it. The table starts empty.

Revision ID: 3b8d0f6e1c27
Revises: 7c1e5a9d2b40
Create Date: 2026-12-02 04:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b8d0f6e1c27'
down_revision = '7c1e5a9d2b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('protected_block',
    sa.Column('settings', sa.LargeBinary(length=16), nullable=False),
    sa.Column('digest', sa.LargeBinary(length=16), nullable=False),
    sa.Column('pattern', sa.LargeBinary(), nullable=False),
    sa.Column('used_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('settings', 'digest', name=op.f('pk_protected_block'))
    )
    with op.batch_alter_table('protected_block', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_protected_block_used_on'), ['used_on'], unique=False)


def downgrade():
    with op.batch_alter_table('protected_block', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_protected_block_used_on'))
    op.drop_table('protected_block')
