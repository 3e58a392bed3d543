"""releases: the counts last published per source

Pages and exports read released counts that move only in steps of at least k responses
(DISCLOSURE.md rule 4, figures/releases.py). The table starts empty: the first page view after the
upgrade publishes the counts as they are.

Revision ID: 7c1e5a9d2b40
Revises: 58fd5bd93425
Create Date: 2026-12-02 01:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e5a9d2b40'
down_revision = '58fd5bd93425'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('release',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('counts', sa.Text(), nullable=True),
    sa.Column('steps', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_release'))
    )


def downgrade():
    op.drop_table('release')
