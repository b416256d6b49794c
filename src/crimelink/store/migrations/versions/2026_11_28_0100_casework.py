"""casework: referrals and their lifecycle, operations and their results, engagement sessions

Revision ID: 2026_11_28_0100
Revises: 2026_11_28_0001
Create Date: 2026-11-28 12:12:29.747365
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '2026_11_28_0100'
down_revision = '2026_11_28_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('operations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('lead_force', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('adopted_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operations')),
    sa.UniqueConstraint('name', name=op.f('uq_operations_name'))
    )
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operations_adopted_at'), ['adopted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_lead_force'), ['lead_force'], unique=False)

    op.create_table('arrests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('operation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('offender_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('anchor_mention_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('person', sa.String(length=200), nullable=False),
    sa.Column('arrested_at', sa.DateTime(), nullable=False),
    sa.Column('police_force', sa.String(length=32), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['operation_id'], ['operations.id'], name=op.f('fk_arrests_operation_id_operations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arrests'))
    )
    with op.batch_alter_table('arrests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_arrests_arrested_at'), ['arrested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_arrests_operation_id'), ['operation_id'], unique=False)

    op.create_table('operation_links',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('operation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('anchor_mention_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('label', sa.String(length=400), nullable=False),
    sa.Column('linked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['operation_id'], ['operations.id'], name=op.f('fk_operation_links_operation_id_operations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operation_links')),
    sa.UniqueConstraint('operation_id', 'kind', 'target_id', name=op.f('uq_operation_links_operation_id'))
    )
    with op.batch_alter_table('operation_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operation_links_operation_id'), ['operation_id'], unique=False)

    op.create_table('charges',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('operation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('arrest_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('person', sa.String(length=200), nullable=False),
    sa.Column('offence', sa.String(length=32), nullable=False),
    sa.Column('counts', sa.Integer(), nullable=False),
    sa.Column('charged_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['arrest_id'], ['arrests.id'], name=op.f('fk_charges_arrest_id_arrests')),
    sa.ForeignKeyConstraint(['operation_id'], ['operations.id'], name=op.f('fk_charges_operation_id_operations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charges'))
    )
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charges_charged_at'), ['charged_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_charges_operation_id'), ['operation_id'], unique=False)

    op.create_table('engagement_sessions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('police_force', sa.String(length=32), nullable=True),
    sa.Column('attendees', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_engagement_sessions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_sessions'))
    )
    with op.batch_alter_table('engagement_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_sessions_held_on'), ['held_on'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('referrer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('crime_references', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_at', sa.DateTime(), nullable=False),
    sa.Column('suggested_force', sa.String(length=32), nullable=True),
    sa.Column('lead_force', sa.String(length=32), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('priority_score', sa.Float(), nullable=False),
    sa.Column('priority_parts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_referrals_created_by_id_users')),
    sa.ForeignKeyConstraint(['referrer_id'], ['organisations.id'], name=op.f('fk_referrals_referrer_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_lead_force'), ['lead_force'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_referrer_id'), ['referrer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_status'), ['status'], unique=False)

    op.create_table('court_results',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('operation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('charge_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('person', sa.String(length=200), nullable=False),
    sa.Column('court', sa.String(length=200), nullable=True),
    sa.Column('verdict', sa.String(length=32), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_id'], ['charges.id'], name=op.f('fk_court_results_charge_id_charges')),
    sa.ForeignKeyConstraint(['operation_id'], ['operations.id'], name=op.f('fk_court_results_operation_id_operations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_court_results'))
    )
    with op.batch_alter_table('court_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_court_results_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_court_results_operation_id'), ['operation_id'], unique=False)

    op.create_table('crime_outcomes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('operation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('crime_reference', sa.String(length=64), nullable=True),
    sa.Column('charge_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('outcome_type', sa.String(length=8), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_id'], ['charges.id'], name=op.f('fk_crime_outcomes_charge_id_charges')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_crime_outcomes_incident_id_incidents')),
    sa.ForeignKeyConstraint(['operation_id'], ['operations.id'], name=op.f('fk_crime_outcomes_operation_id_operations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crime_outcomes'))
    )
    with op.batch_alter_table('crime_outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crime_outcomes_operation_id'), ['operation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crime_outcomes_recorded_at'), ['recorded_at'], unique=False)

    op.create_table('engagement_attendance',
    sa.Column('session_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_engagement_attendance_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['session_id'], ['engagement_sessions.id'], name=op.f('fk_engagement_attendance_session_id_engagement_sessions')),
    sa.PrimaryKeyConstraint('session_id', 'organisation_id', name=op.f('pk_engagement_attendance'))
    )
    with op.batch_alter_table('engagement_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_attendance_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('referral_notes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('referral_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('by_organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('for_referrer', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['by_organisation_id'], ['organisations.id'], name=op.f('fk_referral_notes_by_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_referral_notes_by_user_id_users')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_notes_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_notes'))
    )
    with op.batch_alter_table('referral_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_notes_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_subjects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('referral_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('anchor_mention_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('label', sa.String(length=400), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('crime_reference', sa.String(length=64), nullable=True),
    sa.Column('from_referrer', sa.Boolean(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_subjects_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_subjects'))
    )
    with op.batch_alter_table('referral_subjects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_subjects_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_transitions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('referral_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('by_organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['by_organisation_id'], ['organisations.id'], name=op.f('fk_referral_transitions_by_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_referral_transitions_by_user_id_users')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_transitions_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_transitions'))
    )
    with op.batch_alter_table('referral_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_transitions_referral_id'), ['referral_id'], unique=False)

    op.create_table('sentences',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('court_result_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('custodial_months', sa.Float(), nullable=False),
    sa.Column('suspended', sa.Boolean(), nullable=False),
    sa.Column('community_order', sa.Boolean(), nullable=False),
    sa.Column('fine_gbp', sa.Float(), nullable=False),
    sa.Column('deportation', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['court_result_id'], ['court_results.id'], name=op.f('fk_sentences_court_result_id_court_results')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sentences'))
    )
    with op.batch_alter_table('sentences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sentences_court_result_id'), ['court_result_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sentences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sentences_court_result_id'))

    op.drop_table('sentences')
    with op.batch_alter_table('referral_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_transitions_referral_id'))

    op.drop_table('referral_transitions')
    with op.batch_alter_table('referral_subjects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_subjects_referral_id'))

    op.drop_table('referral_subjects')
    with op.batch_alter_table('referral_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_notes_referral_id'))

    op.drop_table('referral_notes')
    with op.batch_alter_table('engagement_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagement_attendance_organisation_id'))

    op.drop_table('engagement_attendance')
    with op.batch_alter_table('crime_outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crime_outcomes_recorded_at'))
        batch_op.drop_index(batch_op.f('ix_crime_outcomes_operation_id'))

    op.drop_table('crime_outcomes')
    with op.batch_alter_table('court_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_court_results_operation_id'))
        batch_op.drop_index(batch_op.f('ix_court_results_decided_at'))

    op.drop_table('court_results')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_status'))
        batch_op.drop_index(batch_op.f('ix_referrals_referrer_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_received_at'))
        batch_op.drop_index(batch_op.f('ix_referrals_lead_force'))

    op.drop_table('referrals')
    with op.batch_alter_table('engagement_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagement_sessions_held_on'))

    op.drop_table('engagement_sessions')
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charges_operation_id'))
        batch_op.drop_index(batch_op.f('ix_charges_charged_at'))

    op.drop_table('charges')
    with op.batch_alter_table('operation_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operation_links_operation_id'))

    op.drop_table('operation_links')
    with op.batch_alter_table('arrests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_arrests_operation_id'))
        batch_op.drop_index(batch_op.f('ix_arrests_arrested_at'))

    op.drop_table('arrests')
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operations_lead_force'))
        batch_op.drop_index(batch_op.f('ix_operations_adopted_at'))

    op.drop_table('operations')
