"""response count indexes: covering indexes for the counts read from the responses themselves

The questionnaires per campaign (released on every report and results page) and the participants'
own outcome answers were counted by sorting the response table; these indexes let both databases
answer from the index alone (0.9 s → 0.2 s and 0.25 s → 0.04 s at a million responses).

Revision ID: e5b2c8d1f370
Revises: a3c9e1f7b254
Create Date: 2026-12-03 10:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5b2c8d1f370'
down_revision = 'a3c9e1f7b254'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index('ix_response_campaign', ['forbund_id', 'year', 'respondent_group', 'campaign_id'],
                              unique=False)
        batch_op.create_index('ix_response_outcome', ['respondent_group', 'forbund_id', 'year', 'kon', 'utfall',
                                                      'insats_id', 'alder'], unique=False)


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_outcome')
        batch_op.drop_index('ix_response_campaign')
