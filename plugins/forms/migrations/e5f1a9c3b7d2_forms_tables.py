"""Forms tables: forms, questions, options, topic attachments, responses and answers, data fields and values.

Revision ID: e5f1a9c3b7d2
Revises:
Create Date: 2026-12-02 00:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5f1a9c3b7d2'
down_revision = None
branch_labels = ('forms',)
depends_on = ('44561fbebb48', '4c1613f50d4b')  # the host's first revision (contacts); support's (tickets, topics)


def upgrade():
    op.create_table('forms_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('help', sa.String(length=500), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forms_form'))
    )
    op.create_table('forms_data_field',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('help', sa.String(length=500), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('min_value', sa.Double(), nullable=True),
    sa.Column('max_value', sa.Double(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('places', sa.JSON(), nullable=False),
    sa.Column('list_filter', sa.Boolean(), nullable=False),
    sa.Column('searchable', sa.Boolean(), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forms_data_field'))
    )
    with op.batch_alter_table('forms_data_field', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forms_data_field_subject'), ['subject'], unique=False)

    op.create_table('forms_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('help', sa.String(length=500), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('min_value', sa.Double(), nullable=True),
    sa.Column('max_value', sa.Double(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['forms_form.id'], name=op.f('fk_forms_question_form_id_forms_form'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forms_question'))
    )
    with op.batch_alter_table('forms_question', schema=None) as batch_op:
        batch_op.create_index('ix_forms_question_form_position', ['form_id', 'position'], unique=False)

    op.create_table('forms_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['field_id'], ['forms_data_field.id'],
                            name=op.f('fk_forms_option_field_id_forms_data_field'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['forms_question.id'],
                            name=op.f('fk_forms_option_question_id_forms_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forms_option'))
    )
    with op.batch_alter_table('forms_option', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forms_option_field_id'), ['field_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forms_option_question_id'), ['question_id'], unique=False)

    op.create_table('forms_topic_form',
    sa.Column('topic_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['forms_form.id'], name=op.f('fk_forms_topic_form_form_id_forms_form'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['support_topic.id'],
                            name=op.f('fk_forms_topic_form_topic_id_support_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('topic_id', name=op.f('pk_forms_topic_form'))
    )
    with op.batch_alter_table('forms_topic_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forms_topic_form_form_id'), ['form_id'], unique=False)

    op.create_table('forms_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['forms_form.id'], name=op.f('fk_forms_response_form_id_forms_form'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['support_ticket.id'],
                            name=op.f('fk_forms_response_ticket_id_support_ticket'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['support_topic.id'],
                            name=op.f('fk_forms_response_topic_id_support_topic'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forms_response')),
    sa.UniqueConstraint('ticket_id', 'form_id', name=op.f('uq_forms_response_ticket_id'))
    )
    with op.batch_alter_table('forms_response', schema=None) as batch_op:
        batch_op.create_index('ix_forms_response_form_created', ['form_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forms_response_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forms_response_topic_id'), ['topic_id'], unique=False)

    op.create_table('forms_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['forms_question.id'],
                            name=op.f('fk_forms_answer_question_id_forms_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['forms_response.id'],
                            name=op.f('fk_forms_answer_response_id_forms_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['support_ticket.id'],
                            name=op.f('fk_forms_answer_ticket_id_support_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forms_answer')),
    sa.UniqueConstraint('response_id', 'question_id', name=op.f('uq_forms_answer_response_id'))
    )
    with op.batch_alter_table('forms_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forms_answer_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forms_answer_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('forms_ticket_value',
    sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('field_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('match_key', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['field_id'], ['forms_data_field.id'],
                            name=op.f('fk_forms_ticket_value_field_id_forms_data_field'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['support_ticket.id'],
                            name=op.f('fk_forms_ticket_value_ticket_id_support_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'field_id', name=op.f('pk_forms_ticket_value'))
    )
    with op.batch_alter_table('forms_ticket_value', schema=None) as batch_op:
        batch_op.create_index('ix_forms_ticket_value_field_key', ['field_id', 'match_key'], unique=False)

    op.create_table('forms_contact_value',
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('field_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['crm_contact.id'],
                            name=op.f('fk_forms_contact_value_contact_id_crm_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['field_id'], ['forms_data_field.id'],
                            name=op.f('fk_forms_contact_value_field_id_forms_data_field'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'field_id', name=op.f('pk_forms_contact_value'))
    )
    with op.batch_alter_table('forms_contact_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forms_contact_value_field_id'), ['field_id'], unique=False)


def downgrade():
    op.drop_table('forms_contact_value')
    op.drop_table('forms_ticket_value')
    op.drop_table('forms_answer')
    op.drop_table('forms_response')
    op.drop_table('forms_topic_form')
    op.drop_table('forms_option')
    op.drop_table('forms_question')
    op.drop_table('forms_data_field')
    op.drop_table('forms_form')
