"""trust: sharing agreements between organisations, and the processes that may own a run

Revision ID: 2026_11_28_0600
Revises: 2026_11_28_0500
Create Date: 2026-11-28 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '2026_11_28_0600'
down_revision = '2026_11_28_0500'
branch_labels = None
depends_on = None


BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('sharing_agreements',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('provider_id', BIG_ID, nullable=False),
    sa.Column('recipient_id', BIG_ID, nullable=False),
    sa.Column('mutual', sa.Boolean(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('terms', sa.Text(), nullable=True),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('ends', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by', sa.String(length=64), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['organisations.id'], name=op.f('fk_sharing_agreements_provider_id_organisations')),
    sa.ForeignKeyConstraint(['recipient_id'], ['organisations.id'], name=op.f('fk_sharing_agreements_recipient_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_agreements'))
    )
    with op.batch_alter_table('sharing_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sharing_agreements_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sharing_agreements_recipient_id'), ['recipient_id'], unique=False)

    op.create_table('sharing_agreement_offences',
    sa.Column('agreement_id', BIG_ID, nullable=False),
    sa.Column('offence', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['sharing_agreements.id'], name=op.f('fk_sharing_agreement_offences_agreement_id_sharing_agreements')),
    sa.PrimaryKeyConstraint('agreement_id', 'offence', name=op.f('pk_sharing_agreement_offences'))
    )
    op.create_table('running_processes',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('process_started', sa.Float(), nullable=False),
    sa.Column('kinds', sa.String(length=100), nullable=False),
    sa.Column('command', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_running_processes'))
    )


def downgrade() -> None:
    op.drop_table('running_processes')
    op.drop_table('sharing_agreement_offences')
    with op.batch_alter_table('sharing_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sharing_agreements_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_sharing_agreements_provider_id'))
    op.drop_table('sharing_agreements')
