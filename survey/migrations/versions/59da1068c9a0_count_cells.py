"""count cells and data version

Pre-aggregated indicator and question counts kept in the transaction of every write of responses
(survey/exchange/cells.py), and the data version that keys the per-process cache of computed
tables. The new tables are filled from the answers already stored, so that a populated database
shows the same figures after the upgrade.

Revision ID: 59da1068c9a0
Revises: eaf2d5ff1588
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '59da1068c9a0'
down_revision = 'eaf2d5ff1588'
branch_labels = None
depends_on = None

KEY = ("forbund_id", "insats_id", "year", "respondent_group", "instrument_version", "kon")


def _key_columns():
    return [
        sa.Column('forbund_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('insats_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('year', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('respondent_group', sa.String(length=40), nullable=False),
        sa.Column('instrument_version', sa.String(length=20), nullable=False),
        sa.Column('kon', sa.String(length=10), nullable=False),
    ]


def upgrade():
    op.create_table('indicator_cell',
    *_key_columns(),
    sa.Column('indicator', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('n_responses', sa.Integer(), nullable=False),
    sa.Column('valid', sa.Integer(), nullable=False),
    sa.Column('positive', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint(*KEY, 'indicator', name=op.f('pk_indicator_cell'))
    )
    op.create_table('question_cell',
    *_key_columns(),
    sa.Column('question_id', sa.String(length=20), nullable=False),
    sa.Column('valid', sa.Integer(), nullable=False),
    sa.Column('positive', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint(*KEY, 'question_id', name=op.f('pk_question_cell'))
    )
    op.create_table('data_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    # Fill from the stored answers with the same recount as `flask --app survey recount` (it
    # writes only the columns created here).
    from survey.figures.cells import rebuild

    rebuild(op.get_bind())


def downgrade():
    op.drop_table('data_version')
    op.drop_table('question_cell')
    op.drop_table('indicator_cell')
