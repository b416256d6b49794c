"""analysts' decisions on person links (confirm, reject, split, merge) that every re-run respects

Revision ID: 2026_11_28_0500
Revises: 2026_11_28_0400
Create Date: 2026-11-28 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '2026_11_28_0500'
down_revision = '2026_11_28_0400'
branch_labels = None
depends_on = None


BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('person_links') as batch:
        batch.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='alone'))
        batch.add_column(sa.Column('linked_to', BIG, nullable=True))
        batch.add_column(sa.Column('match_weight', sa.Float(), nullable=True))
        batch.add_column(sa.Column('evidence', sa.JSON(), nullable=True))
    with op.batch_alter_table('person_links') as batch:
        batch.alter_column('status', server_default=None)
    op.create_table('linkage_models',
    sa.Column('run_id', BIG, nullable=False),
    sa.Column('model', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['analysis_runs.id'], name=op.f('fk_linkage_models_run_id_analysis_runs')),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_linkage_models'))
    )
    op.create_table('link_decisions',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('side_a', sa.JSON(), nullable=False),
    sa.Column('side_b', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('offender_id', BIG, nullable=True),
    sa.Column('decided_by', BIG, nullable=False),
    sa.Column('organisation_id', BIG, nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('superseded_by', BIG, nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_link_decisions_decided_by_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_link_decisions_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_decisions'))
    )
    with op.batch_alter_table('link_decisions') as batch:
        batch.create_index(batch.f('ix_link_decisions_active'), ['active'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('link_decisions') as batch:
        batch.drop_index(batch.f('ix_link_decisions_active'))
    op.drop_table('link_decisions')
    op.drop_table('linkage_models')
    with op.batch_alter_table('person_links') as batch:
        batch.drop_column('evidence')
        batch.drop_column('match_weight')
        batch.drop_column('linked_to')
        batch.drop_column('status')
