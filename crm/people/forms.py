"""Admin forms for staff users, roles, departments, companies and contacts.

Choices that come from the database are filled in by the views; WTForms then
refuses any submitted value that is not among them.
"""
from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from crm.auth.forms import MinimumPasswordLength, Timezone


def show_errors(form, errors: dict[str, str]) -> None:
    """Put a service's refusal beside the matching field; flash messages that concern no field."""
    for name, message in errors.items():
        field = form._fields.get(name) if name else None
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")


def _optional_int(value):
    """Coerce a select's value to an int, the blank choice to None."""
    if value in (None, "", "None"):
        return None
    return int(value)


class StaffForm(FlaskForm):
    """A staff user's account: email, name, role and departments."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), coerce=int, choices=[])
    departments = SelectMultipleField(_l("Departments"), coerce=int, choices=[])


class NewStaffForm(StaffForm):
    """A new staff user, who either gets a password now or an email link to choose one."""

    password_mode = RadioField(_l("Password"), default="email", choices=[
        ("email", _l("Email a link to choose a password")),
        ("set", _l("Set a password now")),
    ])
    password = PasswordField(_l("Password"), validators=[Length(max=200)])

    def validate_password(self, field):
        """A password is required, and long enough, only when it is set now."""
        if self.password_mode.data == "set":
            if not field.data:
                from flask_babel import gettext as _
                from wtforms.validators import StopValidation

                raise StopValidation(_("Enter a password or choose to email a link."))
            MinimumPasswordLength()(self, field)


class RoleForm(FlaskForm):
    """A custom role's title and kind, and the grants matrix (one checkbox per permission)."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=[
        ("staff", _l("Staff")), ("member", _l("Non-staff member")),
    ])
    permissions = SelectMultipleField(_l("Permissions"), choices=[])


class DepartmentForm(FlaskForm):
    """A department's name and description, its members and which of them are managers."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    members = SelectMultipleField(_l("Members"), coerce=int, choices=[])
    managers = SelectMultipleField(_l("Managers"), coerce=int, choices=[],
                                   description=_l("Managers are members too."))


class CompanyForm(FlaskForm):
    """A customer company and its customer managers."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    domain = StringField(_l("Domain"), validators=[Optional(), Length(max=200)],
                         description=_l("The company's email domain, e.g. example.com."))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    managers = SelectMultipleField(_l("Customer managers"), coerce=int, choices=[],
                                   description=_l("When empty, the general customer managers of the settings act for this company."))


class ContactForm(FlaskForm):
    """A customer person."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=120)])
    company_id = SelectField(_l("Company"), coerce=_optional_int, choices=[])
    locale = SelectField(_l("Language"), choices=[])
    timezone = StringField(_l("Timezone"), validators=[Optional(), Length(max=60), Timezone()])
    external_id = StringField(_l("External id"), validators=[Optional(), Length(max=120)],
                              description=_l("The customer's id in your own system, used by the API."))
