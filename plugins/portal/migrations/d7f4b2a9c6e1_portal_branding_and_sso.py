"""Portal branding per language, single sign-on settings and used token ids.

Revision ID: d7f4b2a9c6e1
Revises: a3c8e1f02b7d
Create Date: 2026-12-01 21:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd7f4b2a9c6e1'
down_revision = 'a3c8e1f02b7d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('portal_branding',
    sa.Column('brand_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('organisation_name', sa.String(length=120), nullable=False),
    sa.Column('form_title', sa.String(length=200), nullable=False),
    sa.Column('form_note', sa.Text(), nullable=False),
    sa.Column('page_title', sa.String(length=120), nullable=False),
    sa.Column('colour_background', sa.String(length=7), nullable=False),
    sa.Column('colour_panel', sa.String(length=7), nullable=False),
    sa.Column('colour_button', sa.String(length=7), nullable=False),
    sa.Column('colour_text', sa.String(length=7), nullable=False),
    sa.Column('links_json', sa.Text(), nullable=False),
    sa.Column('favicon_key', sa.String(length=400), nullable=True),
    sa.Column('favicon_type', sa.String(length=60), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['portal_site.brand_id'], name=op.f('fk_portal_branding_brand_id_portal_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('brand_id', 'locale', name=op.f('pk_portal_branding'))
    )
    op.create_table('portal_sso',
    sa.Column('brand_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('remote_login_url', sa.String(length=500), nullable=False),
    sa.Column('remote_only', sa.Boolean(), nullable=False),
    sa.Column('secret_set_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['brand_id'], ['portal_site.brand_id'], name=op.f('fk_portal_sso_brand_id_portal_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('brand_id', name=op.f('pk_portal_sso'))
    )
    op.create_table('portal_sso_nonce',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('jti', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['portal_site.brand_id'], name=op.f('fk_portal_sso_nonce_brand_id_portal_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_sso_nonce')),
    sa.UniqueConstraint('brand_id', 'jti', name=op.f('uq_portal_sso_nonce_brand_id'))
    )
    with op.batch_alter_table('portal_sso_nonce', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_sso_nonce_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('portal_sso_nonce', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_sso_nonce_expires_at'))
    op.drop_table('portal_sso_nonce')
    op.drop_table('portal_sso')
    op.drop_table('portal_branding')
