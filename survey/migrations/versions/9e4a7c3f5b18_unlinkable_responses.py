"""unlinkable responses: random response keys, no sent drafts

Responses were numbered by a sequence, so the n-th sent draft (or the n-th Send in an access log)
was the n-th response. Keys are now random 62-bit numbers (models.random_id) and existing
responses get new random keys here, answers following; sent drafts are deleted (Send now deletes
its draft) and the `sent` column goes; drafts get an index on their expiry day for the deletion
of expired drafts. SQLite keeps answers WITHOUT ROWID (no hidden insertion numbering).

Revision ID: 9e4a7c3f5b18
Revises: 3b8d0f6e1c27
Create Date: 2026-12-02 04:30:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e4a7c3f5b18'
down_revision = '3b8d0f6e1c27'
branch_labels = None
depends_on = None


def _renumber(conn) -> None:
    """New random keys for every response, in one statement per table through a mapping table."""
    old_ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM response"))]
    if not old_ids:
        return
    new_ids: set[int] = set()
    while len(new_ids) < len(old_ids):
        new_ids.add(secrets.randbits(62) or 1)
    conn.execute(sa.text("CREATE TEMPORARY TABLE response_key_map (old_id BIGINT PRIMARY KEY, new_id BIGINT NOT NULL)"))
    mapping = [{"o": o, "n": n} for o, n in zip(old_ids, new_ids)]
    for start in range(0, len(mapping), 10_000):
        conn.execute(sa.text("INSERT INTO response_key_map (old_id, new_id) VALUES (:o, :n)"),
                     mapping[start:start + 10_000])
    if conn.dialect.name == "sqlite":
        conn.execute(sa.text("PRAGMA defer_foreign_keys = ON"))  # checked at commit, when all moved
    conn.execute(sa.text("UPDATE answer SET response_id = (SELECT new_id FROM response_key_map "
                         "WHERE old_id = answer.response_id)"))
    conn.execute(sa.text("UPDATE response SET id = (SELECT new_id FROM response_key_map WHERE old_id = response.id)"))
    conn.execute(sa.text("DROP TABLE response_key_map"))


def upgrade():
    conn = op.get_bind()
    op.execute("DELETE FROM draft WHERE sent")
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_column('sent')
        batch_op.create_index(batch_op.f('ix_draft_expires_on'), ['expires_on'], unique=False)
    if conn.dialect.name == "postgresql":
        # SQLite's INTEGER key is 64-bit already; PostgreSQL's was a 32-bit serial.
        op.drop_constraint('fk_answer_response_id_response', 'answer', type_='foreignkey')
        op.alter_column('answer', 'response_id', type_=sa.BigInteger())
        op.alter_column('response', 'id', type_=sa.BigInteger(), server_default=None)
        op.execute("DROP SEQUENCE IF EXISTS response_id_seq")
        _renumber(conn)
        op.create_foreign_key('fk_answer_response_id_response', 'answer', 'response', ['response_id'], ['id'],
                              ondelete='CASCADE')
    else:
        _renumber(conn)
        # SQLite numbers rows of a table without an INTEGER key by a hidden rowid in the order
        # they were written: answers are kept WITHOUT ROWID, in key order (random response keys).
        with op.batch_alter_table('answer', recreate='always', table_kwargs={'sqlite_with_rowid': False}) as batch_op:
            pass


def downgrade():
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_expires_on'))
        batch_op.add_column(sa.Column('sent', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Random keys stay (they fit the old columns' types only on SQLite); nothing else to undo.
