"""companies: names are unique (existing duplicates get a number appended first)

Revision ID: a8c5e1f7d3b2
Revises: f343abd3ec2e
Create Date: 2026-12-01 21:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8c5e1f7d3b2'
down_revision = 'f343abd3ec2e'
branch_labels = None
depends_on = None


def _number_duplicates(connection):
    """Rename the second and later companies of an already duplicated name: "Acme" becomes "Acme (2)"."""
    company = sa.table('crm_company', sa.column('id', sa.Integer), sa.column('name', sa.String))
    rows = connection.execute(sa.select(company.c.id, company.c.name).order_by(company.c.id)).all()
    taken = {name for _id, name in rows}
    seen = set()
    for row_id, name in rows:
        if name not in seen:
            seen.add(name)
            continue
        number = 2
        while f"{name[:190]} ({number})" in taken:
            number += 1
        new_name = f"{name[:190]} ({number})"
        taken.add(new_name)
        connection.execute(company.update().where(company.c.id == row_id).values(name=new_name))


def upgrade():
    _number_duplicates(op.get_bind())
    with op.batch_alter_table('crm_company', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_company_name'))
        batch_op.create_index(batch_op.f('ix_crm_company_name'), ['name'], unique=True)


def downgrade():
    with op.batch_alter_table('crm_company', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_company_name'))
        batch_op.create_index(batch_op.f('ix_crm_company_name'), ['name'], unique=False)
