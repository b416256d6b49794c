"""accounts: invitations with which people set their own passwords, TOTP second factors and
recovery codes; every user already in the store becomes administered (held to the second
factor their organisation's kind requires, enrolled at their next login)

Revision ID: 2026_12_12_0900
Revises: 2026_12_10_1000
Create Date: 2026-12-12 09:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


revision = '2026_12_12_0900'
down_revision = '2026_12_10_1000'
branch_labels = None
depends_on = None


BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('user_accounts',
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('password_set_at', sa.DateTime(), nullable=True),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('totp_last_step', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_accounts_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_accounts'))
    )
    op.create_table('account_invitations',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_invitations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_invitations'))
    )
    with op.batch_alter_table('account_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_invitations_user_id'), ['user_id'], unique=False)
    op.create_table('recovery_codes',
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'digest', name=op.f('pk_recovery_codes'))
    )
    # The users already here (made before accounts were administered) are administered from now on.
    op.execute(
        sa.text("INSERT INTO user_accounts (user_id, origin, created_by, created_at) "
                "SELECT id, 'existing', 'migration', :now FROM users")
        .bindparams(sa.bindparam('now', datetime.now(UTC).replace(tzinfo=None), type_=sa.DateTime()))
    )


def downgrade() -> None:
    op.drop_table('recovery_codes')
    with op.batch_alter_table('account_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_invitations_user_id'))
    op.drop_table('account_invitations')
    op.drop_table('user_accounts')
