"""WTForms forms of the staff ticket desk and the support admin pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, HiddenField, MultipleFileField, SelectField, SelectMultipleField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from crm.colours import HexColour


class ReplyForm(FlaskForm):
    """A public reply with the status the ticket gets."""

    body = TextAreaField(_l("Reply"), validators=[DataRequired(_l("Write a message.")), Length(max=100_000)])
    status = SelectField(_l("Status after replying"), validate_choice=True)
    attachments = MultipleFileField(_l("Attachments"))


class NoteForm(FlaskForm):
    """An internal note."""

    body = TextAreaField(_l("Internal note"), validators=[DataRequired(_l("Write a message.")), Length(max=100_000)])
    attachments = MultipleFileField(_l("Attachments"))


class EditTicketForm(FlaskForm):
    """The ticket's properties; choices are filled per request."""

    status = SelectField(_l("Status"))
    priority = SelectField(_l("Priority"))
    department = SelectField(_l("Department"))
    assignee_user = SelectField(_l("Assignee"))
    assignee_department = SelectField(_l("Team"))
    service = SelectField(_l("Service"))
    tags = StringField(_l("Tags"), validators=[Length(max=1000)],
                       description=_l("Separate tags with commas."))
    version = HiddenField()  # the ticket's version when the form was shown: a stale form is refused


class StatusForm(FlaskForm):
    """An admin's status."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=80)])
    colour = StringField(_l("Colour"), default="#667085",
                         validators=[DataRequired(_l("Enter a colour such as #1a73e8.")), HexColour()])
    is_closed = BooleanField(_l("Tickets with this status are closed"))


class PriorityForm(FlaskForm):
    """An admin's priority."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=80)])
    colour = StringField(_l("Colour"), default="#667085",
                         validators=[DataRequired(_l("Enter a colour such as #1a73e8.")), HexColour()])


class NamedForm(FlaskForm):
    """A brand or a service."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])


class TopicForm(FlaskForm):
    """A topic and the department it routes tickets to."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    # no Optional(): it would let any blank text past the choices ("" is the "None" choice)
    department = SelectField(_l("Department"))
    company = SelectField(_l("Offered to"), default="", description=_l(
        "A public topic is offered in every customer's portal; a customer-specific one only to that company."))
    assignee_kind = SelectField(_l("Assign new tickets to"), default="none")
    assignees = SelectMultipleField(_l("Chosen staff"), description=_l(
        "Used when new tickets go to chosen staff. One person is assigned; with several, the department is "
        "assigned and each of them is notified."))

    def validate_assignees(self, field):
        """Chosen staff need at least one person."""
        if self.assignee_kind.data == "staff" and not field.data:
            raise ValidationError(_l("Choose at least one person."))

    def validate_assignee_kind(self, field):
        """The department's managers need a department."""
        if field.data == "department_managers" and not self.department.data:
            raise ValidationError(_l("Choose the department whose managers get the tickets."))
