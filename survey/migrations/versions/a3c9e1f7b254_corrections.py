"""corrections: import batches (undo one import), archived campaigns and insatser

Imported responses and avslut records carry the id of their import batch (a plain indexed column
without a foreign key, so that it is added without rebuilding the big tables), cleared by
`flask retention` after the undo window.

Revision ID: a3c9e1f7b254
Revises: a3f9c2e7d614
Create Date: 2026-12-02 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c9e1f7b254'
down_revision = 'a3f9c2e7d614'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('forbund_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('links_cleared', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.ForeignKeyConstraint(['forbund_id'], ['forbund.id'], name=op.f('fk_import_batch_forbund_id_forbund'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_import_batch_user_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch')),
    )
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batch_created_at'), ['created_at'], unique=False)
    # Plain ADD COLUMN (both databases have it): a batch copy of tables that others reference fails
    # on SQLite's foreign keys, and would rewrite every response.
    for table in ('response', 'avslut_record'):
        op.add_column(table, sa.Column('import_batch_id', sa.Integer(), nullable=True))
        op.create_index(op.f(f'ix_{table}_import_batch_id'), table, ['import_batch_id'], unique=False)
    for table in ('campaign', 'insats'):
        op.add_column(table, sa.Column('archived', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    # Plain DROP COLUMN: a batch copy of tables that others reference fails on SQLite's foreign keys.
    for table in ('insats', 'campaign'):
        op.execute(f'ALTER TABLE {table} DROP COLUMN archived')
    for table in ('avslut_record', 'response'):
        op.drop_index(op.f(f'ix_{table}_import_batch_id'), table_name=table)
        op.execute(f'ALTER TABLE {table} DROP COLUMN import_batch_id')
    op.drop_index(op.f('ix_import_batch_created_at'), table_name='import_batch')
    op.drop_table('import_batch')
