"""patterns: key players, series links, routes, hotspots, near repeats, police-recorded crime

Revision ID: 2026_11_28_0200
Revises: 2026_11_28_0100
Create Date: 2026-11-28 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '2026_11_28_0200'
down_revision = '2026_11_28_0100'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hotspots',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('cell', sa.String(length=16), nullable=False),
    sa.Column('resolution', sa.Integer(), nullable=False),
    sa.Column('incidents', sa.Integer(), nullable=False),
    sa.Column('value_gbp', sa.Float(), nullable=False),
    sa.Column('gi_z', sa.Float(), nullable=False),
    sa.Column('hot', sa.Boolean(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspots'))
    )
    with op.batch_alter_table('hotspots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotspots_scope'), ['scope'], unique=False)

    op.create_table('key_players',
    sa.Column('offender_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('degree', sa.Integer(), nullable=False),
    sa.Column('strength', sa.Float(), nullable=False),
    sa.Column('betweenness', sa.Float(), nullable=False),
    sa.Column('pagerank', sa.Float(), nullable=False),
    sa.Column('broker', sa.Boolean(), nullable=False),
    sa.Column('groups_linked', sa.Integer(), nullable=False),
    sa.Column('key_player_score', sa.Float(), nullable=False),
    sa.Column('key_player_rank', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('offender_id', name=op.f('pk_key_players'))
    )
    with op.batch_alter_table('key_players', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_players_broker'), ['broker'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_players_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_players_key_player_rank'), ['key_player_rank'], unique=False)

    op.create_table('near_repeats',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('distance_from_km', sa.Float(), nullable=False),
    sa.Column('distance_to_km', sa.Float(), nullable=False),
    sa.Column('days_from', sa.Float(), nullable=False),
    sa.Column('days_to', sa.Float(), nullable=False),
    sa.Column('observed', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Float(), nullable=False),
    sa.Column('ratio', sa.Float(), nullable=True),
    sa.Column('p_value', sa.Float(), nullable=False),
    sa.Column('permutations', sa.Integer(), nullable=False),
    sa.Column('incidents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_near_repeats'))
    )
    with op.batch_alter_table('near_repeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_near_repeats_scope'), ['scope'], unique=False)

    op.create_table('recorded_crime',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('police_force', sa.String(length=32), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('lsoa_code', sa.String(length=16), nullable=False),
    sa.Column('lsoa_name', sa.String(length=200), nullable=True),
    sa.Column('crime_type', sa.String(length=64), nullable=False),
    sa.Column('crimes', sa.Integer(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recorded_crime')),
    sa.UniqueConstraint('police_force', 'month', 'lsoa_code', 'crime_type', name=op.f('uq_recorded_crime_police_force'))
    )
    with op.batch_alter_table('recorded_crime', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recorded_crime_crime_type'), ['crime_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_recorded_crime_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_recorded_crime_police_force'), ['police_force'], unique=False)

    op.create_table('routes',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('forces', sa.Integer(), nullable=False),
    sa.Column('force_list', sa.JSON(), nullable=False),
    sa.Column('route', sa.JSON(), nullable=False),
    sa.Column('legs', sa.Integer(), nullable=False),
    sa.Column('cross_force', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'entity_id', name=op.f('pk_routes'))
    )
    with op.batch_alter_table('routes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routes_cross_force'), ['cross_force'], unique=False)

    op.create_table('series_links',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('series_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_a', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_b', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series_links'))
    )
    with op.batch_alter_table('series_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_links_incident_a'), ['incident_a'], unique=False)
        batch_op.create_index(batch_op.f('ix_series_links_incident_b'), ['incident_b'], unique=False)
        batch_op.create_index(batch_op.f('ix_series_links_series_id'), ['series_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('series_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_links_series_id'))
        batch_op.drop_index(batch_op.f('ix_series_links_incident_b'))
        batch_op.drop_index(batch_op.f('ix_series_links_incident_a'))

    op.drop_table('series_links')
    with op.batch_alter_table('routes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routes_cross_force'))

    op.drop_table('routes')
    with op.batch_alter_table('recorded_crime', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recorded_crime_police_force'))
        batch_op.drop_index(batch_op.f('ix_recorded_crime_month'))
        batch_op.drop_index(batch_op.f('ix_recorded_crime_crime_type'))

    op.drop_table('recorded_crime')
    with op.batch_alter_table('near_repeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_near_repeats_scope'))

    op.drop_table('near_repeats')
    with op.batch_alter_table('key_players', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_players_key_player_rank'))
        batch_op.drop_index(batch_op.f('ix_key_players_group_id'))
        batch_op.drop_index(batch_op.f('ix_key_players_broker'))

    op.drop_table('key_players')
    with op.batch_alter_table('hotspots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotspots_scope'))

    op.drop_table('hotspots')
