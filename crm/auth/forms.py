"""Forms of the staff sign-in, password-reset and profile pages."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from crm.i18n import language_name, valid_timezone


class MinimumPasswordLength:
    """Validator: at least the setting ``crm.password_min_length`` characters (read when validating)."""

    def __call__(self, form, field):
        from crm.people.services import password_min_length

        minimum = password_min_length()
        if field.data is not None and len(field.data) < minimum:
            from flask_babel import ngettext

            raise ValidationError(ngettext("Use at least %(num)s character.", "Use at least %(num)s characters.", minimum))


class Timezone:
    """Validator: an IANA timezone name this machine knows."""

    def __call__(self, form, field):
        if field.data and not valid_timezone(field.data.strip()):
            from flask_babel import gettext as _

            raise ValidationError(_("Enter a timezone name such as Europe/Istanbul."))


@lru_cache(maxsize=1)
def timezone_names() -> list[str]:
    """Every IANA timezone name, sorted (for a datalist beside timezone fields)."""
    return sorted(available_timezones())


def language_choices(blank_label) -> list[tuple[str, str]]:
    """The offered languages, each named in itself, after a blank choice meaning the site default."""
    choices = [("", str(blank_label))]
    for code in current_app.config["LANGUAGES"]:
        choices.append((code, language_name(code)))
    return choices


def new_password_fields():
    """A new password with its confirmation, checked against the minimum length."""
    password = PasswordField(_l("New password"), validators=[DataRequired(), MinimumPasswordLength(), Length(max=200)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords do not match.")),
    ])
    return password, confirm


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))


class ForgotPasswordForm(FlaskForm):
    """The email address to send a reset link to."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    """A new password, entered twice."""

    password, confirm = new_password_fields()


class ProfileForm(FlaskForm):
    """The signed-in person's name, language and timezone."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=[], validate_choice=True)
    timezone = SelectField(_l("Timezone"), choices=[], validate_choice=True,
                           description=_l("Dates and times are shown in this timezone."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = language_choices(_l("Site default"))
        from crm.timezones import canonical_timezones, grouped_choices

        choices = {str(_l("Site default")): [("", str(_l("The site's timezone")))], **grouped_choices()}
        current = self.timezone.data or ""
        if current and current not in canonical_timezones() and valid_timezone(current):
            choices[str(_l("Chosen before"))] = [(current, current)]  # an old alias stays until changed
        self.timezone.choices = choices


class ChangePasswordForm(FlaskForm):
    """The current password, then the new one twice."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password, confirm = new_password_fields()
