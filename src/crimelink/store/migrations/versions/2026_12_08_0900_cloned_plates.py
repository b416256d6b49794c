"""cloned plates: vehicles split from one registration mark, flagged and grouped by that mark

Revision ID: 2026_12_08_0900
Revises: 2026_12_04_0900
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '2026_12_08_0900'
down_revision = '2026_12_04_0900'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('vehicles') as batch:
        batch.add_column(sa.Column('possible_clone', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('clone_group', sa.String(length=16), nullable=True))
        batch.create_index(batch.f('ix_vehicles_clone_group'), ['clone_group'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('vehicles') as batch:
        batch.drop_index(batch.f('ix_vehicles_clone_group'))
        batch.drop_column('clone_group')
        batch.drop_column('possible_clone')
