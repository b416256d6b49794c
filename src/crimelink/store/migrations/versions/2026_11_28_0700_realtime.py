"""real-time matching: indexes and tables for matching new reports as they arrive

Revision ID: 2026_11_28_0700
Revises: 2026_11_28_0600
Create Date: 2026-11-28 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '2026_11_28_0700'
down_revision = '2026_11_28_0600'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # person mentions: PNC id, and a name with its dates of birth (crimelink.resolve.realtime)
    with op.batch_alter_table('person_mentions') as batch:
        batch.create_index(batch.f('ix_person_mentions_pnc_id'), ['pnc_id'], unique=False)
        batch.create_index('ix_person_mentions_name_dob', ['family_name', 'given_names', 'dob'], unique=False)
    # vehicles: the mark with misread characters folded
    with op.batch_alter_table('vehicles') as batch:
        batch.add_column(sa.Column('vrm_fuzzy', sa.String(length=16), nullable=True))
        batch.create_index(batch.f('ix_vehicles_vrm_fuzzy'), ['vrm_fuzzy'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('vehicles') as batch:
        batch.drop_index(batch.f('ix_vehicles_vrm_fuzzy'))
        batch.drop_column('vrm_fuzzy')
    with op.batch_alter_table('person_mentions') as batch:
        batch.drop_index('ix_person_mentions_name_dob')
        batch.drop_index(batch.f('ix_person_mentions_pnc_id'))
