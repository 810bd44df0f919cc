"""The portal's forms: sign-in, registration, passwords, tickets, replies, the public form and the profile."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Email, Length, Optional

from crm.auth.forms import MinimumPasswordLength, Timezone, language_choices, new_password_fields

BODY_MAX = 20000


class WebAddress:
    """Validator: an ``http://`` or ``https://`` address (other schemes, ``javascript:`` above all, are refused)."""

    def __call__(self, form, field):
        from flask_babel import gettext as _
        from wtforms.validators import ValidationError

        value = (field.data or "").strip()
        field.data = value
        if value and not value.lower().startswith(("https://", "http://")):
            raise ValidationError(_("Enter a web address starting with https://."))


class LoginForm(FlaskForm):
    """Email and password of a customer."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))


class RegisterForm(FlaskForm):
    """A new customer: name, email and password."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), MinimumPasswordLength(), Length(max=200)])


class VerifyForm(FlaskForm):
    """The password chosen when registering, to finish the registration."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ContinueForm(FlaskForm):
    """A button that confirms an action (its CSRF token is the whole form)."""


class ForgotPasswordForm(FlaskForm):
    """The address to send a reset link to."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    """A new password, twice."""

    password, confirm = new_password_fields()


class ChangePasswordForm(FlaskForm):
    """The current password, then the new one twice (customers who never chose one leave the first empty)."""

    current = PasswordField(_l("Current password"), validators=[Optional(), Length(max=200)])
    password, confirm = new_password_fields()


class NewTicketForm(FlaskForm):
    """A signed-in customer's new ticket."""

    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=250)])
    topic = SelectField(_l("Topic"), choices=[], coerce=str, validate_choice=True)
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=BODY_MAX)])
    attachments = MultipleFileField(_l("Attachments"))


class PublicTicketForm(FlaskForm):
    """The public support form: anyone, without an account."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    surname = StringField(_l("Surname"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    topic = SelectField(_l("Topic"), choices=[], coerce=str, validate_choice=True)
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=250)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=BODY_MAX)])
    # left empty by people; bots that fill every field are refused
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])


class ReplyForm(FlaskForm):
    """The customer's message on their ticket."""

    body = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=BODY_MAX)])
    attachments = MultipleFileField(_l("Attachments"))


class StatusForm(FlaskForm):
    """A status the customer puts their ticket into (close, reopen, or another when S-19 allows)."""

    status = HiddenField(validators=[DataRequired(), Length(max=40)])


class ParametersForm(FlaskForm):
    """The ticket parameters a customer may change (priority, topic), as the admin allows; choices set per ticket."""

    priority = SelectField(_l("Priority"), validate_choice=False, validators=[Optional(), Length(max=40)])
    topic = SelectField(_l("Topic"), validate_choice=False, validators=[Optional(), Length(max=40)])


class ProfileForm(FlaskForm):
    """The customer's own details; the company is shown, not edited."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    locale = SelectField(_l("Language"), choices=[], validate_choice=True)
    timezone = StringField(_l("Timezone"), validators=[Optional(), Length(max=60), Timezone()],
                           description=_l("For example Europe/Istanbul. Leave empty to use the site's timezone."))
    website_url = StringField(_l("Website"), validators=[Optional(), Length(max=300), WebAddress(), URL(message=_l("Enter a web address starting with https://."))])
    linkedin_url = StringField(_l("LinkedIn"), validators=[Optional(), Length(max=300), WebAddress(), URL(message=_l("Enter a web address starting with https://."))])
    twitter_url = StringField(_l("X (Twitter)"), validators=[Optional(), Length(max=300), WebAddress(), URL(message=_l("Enter a web address starting with https://."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = language_choices(_l("Site default"))


class AvatarForm(FlaskForm):
    """A picture of the customer."""

    avatar = FileField(_l("Picture"), validators=[DataRequired()])
