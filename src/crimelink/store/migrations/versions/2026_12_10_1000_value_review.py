"""value review: a loss that stands out at intake is held apart until an analyst confirms it

Revision ID: 2026_12_10_1000
Revises: 2026_12_10_0900
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '2026_12_10_1000'
down_revision = '2026_12_10_0900'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('value_held_gbp', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.drop_column('value_held_gbp')
