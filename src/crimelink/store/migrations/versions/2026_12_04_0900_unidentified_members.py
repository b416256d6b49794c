"""unidentified members: described-only suspects attributed to the group they offend with

Revision ID: 2026_12_04_0900
Revises: 2026_11_28_0700
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '2026_12_04_0900'
down_revision = '2026_11_28_0700'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'unidentified_members',
        sa.Column('offender_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('strength', sa.Float(), nullable=False),
        sa.Column('incidents', sa.Integer(), nullable=False),
        sa.Column('evidence', sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint('offender_id', name=op.f('pk_unidentified_members')),
    )
    op.create_index(op.f('ix_unidentified_members_group_id'), 'unidentified_members', ['group_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_unidentified_members_group_id'), table_name='unidentified_members')
    op.drop_table('unidentified_members')
