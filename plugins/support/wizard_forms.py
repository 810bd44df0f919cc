"""The "new ticket" wizard's forms: one per step, carrying every rule of the step as WTForms validators.

The wizard keeps what was typed in a draft (:mod:`plugins.support.wizard`);
a step is checked by building its form from the draft's values and
validating it, so the rules live here once. Step 2 also carries the data
fields other plugins add to a new ticket (``crm_data_fields``, place
``staff_new``, for the topic chosen in step 1), validated by the same form.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, EmailField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import StopValidation

from crm.fields import form_with_fields

NAME_MAX = 200
SUBJECT_MAX = 250
DESCRIPTION_MAX = 20_000
TAGS_TEXT_MAX = 2_000
TEMPLATE_NAME_MAX = 120
DATA_KEY = "data_fields"  # where the draft keeps the data fields' raw answers


def _at_most(limit: int):
    """At most ``limit`` characters (the message counts in the reader's language)."""
    def check(form, field):
        if len(field.data or "") > limit:
            raise StopValidation(ngettext("Use at most %(num)s character.", "Use at most %(num)s characters.", limit))
    return check


def _required(message, when=lambda form: True):
    """Not blank (when ``when(form)``), with the step's own message."""
    def check(form, field):
        if when(form) and not (field.data or "").strip():
            raise StopValidation(message())
    return check


def _offered(allowed=lambda form: None, when=lambda form: True):
    """Empty, or one of ``allowed(form)`` (a set of strings; None: the field's choices); checked when ``when(form)``."""
    def check(form, field):
        value = field.data or ""
        if not value or not when(form):
            return
        values = allowed(form)
        if values is None:
            values = {str(v) for v, _label in field.choices or ()}
        if value not in values:
            raise StopValidation(_("Choose one of the offered values."))
    return check


def _templating(form) -> bool:
    return (form.action.data or "") == "template"


class _StepForm(FlaskForm):
    class Meta:
        csrf = False  # the app-wide CSRFProtect checks every post


class Step1Form(_StepForm):
    """The ticket or template, brand, template to apply, topic, service and status."""

    action = RadioField(_l("What do you want to do?"), choices=[
        ("ticket", _l("Create a ticket")), ("template", _l("Create a ticket template"))], default="ticket",
        validate_choice=False, validators=[_offered(lambda form: {"ticket", "template"})])
    template_name = StringField(_l("Template name"), validators=[
        _required(lambda: _("Give the template a name."), when=_templating)])
    brand_id = SelectField(_l("Brand / product"), validate_choice=False, validators=[
        _required(lambda: _("Choose the brand or product."), when=lambda form: form.has_brands), _offered()])
    template_id = SelectField(_l("Template"), validate_choice=False, validators=[_offered()])
    topic_id = SelectField(_l("Topic"), validate_choice=False, validators=[_offered()])
    # while "Use services" is off there is no service field: whatever is posted is ignored
    service_id = SelectField(_l("Service"), validate_choice=False,
                             validators=[_offered(when=lambda form: form.has_services)])
    status = SelectField(_l("Status"), validate_choice=False, validators=[_offered()])
    has_brands = False
    has_services = False

    def validate_template_name(self, field):
        """A template's name is short."""
        if _templating(self):
            _at_most(TEMPLATE_NAME_MAX)(self, field)


class Step2Form(_StepForm):
    """The customer, the email subject, the description (an internal note) and files."""

    customer_name = StringField(_l("Customer name"), validators=[
        _required(lambda: _("Enter the customer's name."), when=lambda form: form.creates_ticket),
        _at_most(NAME_MAX)])
    customer_email = EmailField(_l("Customer email"), validators=[
        _required(lambda: _("Enter the customer's email address."), when=lambda form: form.creates_ticket)])
    subject = StringField(_l("Email subject"), validators=[_at_most(SUBJECT_MAX)])
    description = TextAreaField(_l("Description"), validators=[_at_most(DESCRIPTION_MAX)], description=_l(
        "Kept as an internal note on the ticket; never sent to the customer."))
    attachments = MultipleFileField(_l("Attachments"))
    creates_ticket = True

    def validate_customer_email(self, field):
        """A syntactically valid address (no DNS lookup) when a ticket is opened."""
        from plugins.support.wizard import valid_email

        email = (field.data or "").strip()
        if self.creates_ticket and email and not valid_email(email):
            raise StopValidation(_("Enter a valid email address."))


class Step3Form(_StepForm):
    """Priority, assignee (a person or a team), tags, and whether a template also opens a ticket."""

    priority = SelectField(_l("Priority"), validate_choice=False, validators=[_offered()])
    assign_to = RadioField(_l("Assign to"), choices=[
        ("", _l("Nobody")), ("user", _l("User")), ("team", _l("Team"))], default="", validate_choice=False,
        validators=[_offered(lambda form: {"", "user", "team"})])
    assignee_user_id = SelectField(_l("Assignee"), validate_choice=False, validators=[
        _required(lambda: _("Choose who gets the ticket."), when=lambda form: form.assign_to.data == "user")])
    assignee_department_id = SelectField(_l("Team"), validate_choice=False, validators=[
        _required(lambda: _("Choose the team that gets the ticket."), when=lambda form: form.assign_to.data == "team")])
    tags = StringField(_l("Tags"), validators=[_at_most(TAGS_TEXT_MAX)], description=_l("Separate tags with commas."))
    also_create = BooleanField(_l("Also create a ticket with this template now"))

    def validate_assignee_user_id(self, field):
        """Only staff who may see tickets of the ticket's department."""
        if self.assign_to.data == "user" and field.data and \
                field.data not in {str(v) for v, _label in field.choices or ()}:
            raise StopValidation(_("This person cannot be assigned tickets of this department."))

    def validate_assignee_department_id(self, field):
        """One of the teams, when the ticket goes to a team."""
        if self.assign_to.data == "team":
            _offered()(self, field)

    def validate_tags(self, field):
        """Tag names the tag rules accept."""
        from plugins.support.services import TicketError
        from plugins.support.services.values import tag_names

        try:
            tag_names(field.data or "")
        except TicketError as exc:
            raise StopValidation(str(exc)) from None


FORMS = {1: Step1Form, 2: Step2Form, 3: Step3Form}
STEP_FIELDS = {
    1: ("action", "template_name", "brand_id", "template_id", "topic_id", "service_id", "status"),
    2: ("customer_name", "customer_email", "subject", "description"),
    3: ("priority", "assign_to", "assignee_user_id", "assignee_department_id", "tags", "also_create"),
}


def wizard_fields(fields) -> list:
    """The data fields the wizard can carry in its draft (file answers cannot wait in a draft)."""
    return [f for f in fields if f.kind != "file"]


def step_form(step: int, values: dict[str, Any], choices, fields=(), check: bool = False):
    """The form of ``step`` filled from the draft's ``values``, its choices set.

    ``check``: fill it as posted data, so that ``form.validate()`` checks the
    draft's values with every rule of the step (and of the data ``fields``).
    """
    from plugins.support.wizard import creates_ticket, tags_text

    fields = wizard_fields(fields) if step == 2 else []
    data = {name: values.get(name) for name in STEP_FIELDS[step]}
    if step == 3:
        data["tags"] = tags_text(values)
    if check:
        posted = MultiDict()
        for name, value in data.items():
            if name == "also_create":
                if value:
                    posted.add(name, "y")
            elif value not in (None, ""):
                posted.add(name, str(value))
        for name, raw in (values.get(DATA_KEY) or {}).items():
            for item in raw if isinstance(raw, list) else [raw]:
                posted.add(name, item)
        form = form_with_fields(FORMS[step], fields, formdata=posted)
    else:
        form = form_with_fields(FORMS[step], fields, formdata=None,
                                data={k: v for k, v in data.items() if v not in (None, "")})
        raw = values.get(DATA_KEY) or {}
        for name in form.data_field_names:
            if name in raw:
                form[name].process(MultiDict([(name, v) for v in (raw[name] if isinstance(raw[name], list)
                                                                   else [raw[name]])]))
    none = [("", _("— none —"))]
    if step == 1:
        form.has_brands, form.has_services = bool(choices.brands), bool(choices.services)
        form.brand_id.choices = ([] if len(choices.brands) == 1 else [("", _("— choose —"))]) + \
            [(str(b.id), b.name) for b in choices.brands]
        form.template_id.choices = none + [(str(t.id), t.name) for t in choices.templates]
        form.topic_id.choices = none + [(str(t.id), t.label) for t in choices.topics]
        form.service_id.choices = none + [(str(s.id), s.name) for s in choices.services]
        form.status.choices = [(s.key, label) for s, label in choices.status_labels()]
    elif step == 2:
        form.creates_ticket = creates_ticket(values)
    else:
        form.priority.choices = [(p.key, label) for p, label in choices.priority_labels()]
        form.assignee_user_id.choices = none + [(str(u.id), u.name) for u in choices.assignees(values)]
        form.assignee_department_id.choices = none + [(str(d.id), d.name) for d in choices.departments]
    return form


def check_step(step: int, values: dict[str, Any], choices, fields=()) -> dict[str, str]:
    """``{field: translated message}`` of what is wrong in ``step`` (empty when valid)."""
    form = step_form(step, values, choices, fields, check=True)
    form.validate()
    return {name: errors[0] for name, errors in form.errors.items() if errors}


def answers(values: dict[str, Any], choices, fields) -> list[tuple]:
    """``(field, value)`` pairs of the data fields answered in step 2, typed by their form fields."""
    form = step_form(2, values, choices, fields, check=True)
    form.validate()
    return [(f, form[f.name].data) for f in wizard_fields(fields) if f.name in form.data_field_names]


def read_data_fields(form, fields) -> dict[str, list[str]]:
    """The raw answers of the data fields posted in step 2 (the request's form), to keep in the draft."""
    return {f.name: [v[:DESCRIPTION_MAX] for v in form.getlist(f.name)] for f in wizard_fields(fields)}
