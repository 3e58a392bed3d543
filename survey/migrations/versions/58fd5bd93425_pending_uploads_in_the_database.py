"""pending uploads in the database

Checked import files waiting for confirmation move from one server's instance/uploads folder into
the database, so that any app server behind the load balancer can take the confirm request. Files
still waiting in a folder at the upgrade are not carried over: they expire within a day anyway and
the administrator uploads again.

Revision ID: 58fd5bd93425
Revises: 59da1068c9a0
Create Date: 2026-11-23 12:39:53.267281

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '58fd5bd93425'
down_revision = '59da1068c9a0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_upload',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('forbund_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('create_insatser', sa.Boolean(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['forbund_id'], ['forbund.id'], name=op.f('fk_pending_upload_forbund_id_forbund'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_pending_upload_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_pending_upload'))
    )
    with op.batch_alter_table('pending_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_upload_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_upload_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('pending_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_upload_user_id'))
        batch_op.drop_index(batch_op.f('ix_pending_upload_created_at'))

    op.drop_table('pending_upload')
