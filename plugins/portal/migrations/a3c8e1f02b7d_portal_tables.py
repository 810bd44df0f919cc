"""Portal tables: a portal site per brand, and portal accounts of contacts who sign in.

Revision ID: a3c8e1f02b7d
Revises:
Create Date: 2026-12-01 20:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a3c8e1f02b7d'
down_revision = None
branch_labels = ('portal',)
depends_on = ('44561fbebb48', '7d2e91a4c0b1')  # the host's first revision; the support branch's head then


def upgrade():
    op.create_table('portal_site',
    sa.Column('brand_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('registration_open', sa.Boolean(), nullable=False),
    sa.Column('custom_domain', sa.String(length=253), nullable=True),
    sa.Column('domain_state', sa.String(length=10), nullable=False),
    sa.Column('domain_checked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['brand_id'], ['support_brand.id'], name=op.f('fk_portal_site_brand_id_support_brand'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('brand_id', name=op.f('pk_portal_site')),
    sa.UniqueConstraint('custom_domain', name=op.f('uq_portal_site_custom_domain')),
    sa.UniqueConstraint('slug', name=op.f('uq_portal_site_slug'))
    )
    op.create_table('portal_account',
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('brand_id', sa.Integer(), nullable=True),
    sa.Column('registered_at', sa.DateTime(), nullable=False),
    sa.Column('email_verified_at', sa.DateTime(), nullable=True),
    sa.Column('password_changed_at', sa.DateTime(), nullable=True),
    sa.Column('avatar_key', sa.String(length=400), nullable=True),
    sa.Column('website_url', sa.String(length=300), nullable=False),
    sa.Column('linkedin_url', sa.String(length=300), nullable=False),
    sa.Column('twitter_url', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['support_brand.id'], name=op.f('fk_portal_account_brand_id_support_brand'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['crm_contact.id'], name=op.f('fk_portal_account_contact_id_crm_contact'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', name=op.f('pk_portal_account'))
    )


def downgrade():
    op.drop_table('portal_account')
    op.drop_table('portal_site')
