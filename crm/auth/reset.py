"""Password-reset emails: written to the outbox in the recipient's language."""
from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext as _

from crm import settings
from crm.auth.tokens import make_reset_token
from crm.notify.outbox import OutboxMessage, queue_email
from crm.people.models import User


def _user_locale(user: User) -> str:
    offered = current_app.config["LANGUAGES"]
    if user.locale in offered:
        return user.locale
    default = settings.get("crm.default_locale")
    return default if default in offered else current_app.config["BABEL_DEFAULT_LOCALE"]


def queue_reset_email(user: User, welcome: bool = False) -> OutboxMessage:
    """Queue an email with a link to set a new password, in ``user``'s language; the caller commits.

    :param welcome: word it as an invitation to a new account rather than a reset.
    """
    link = url_for("auth.reset_password", token=make_reset_token(user), _external=True)
    minutes = max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
    with force_locale(_user_locale(user)):
        site = settings.get("crm.site_name")
        if welcome:
            subject = _("Your account at %(site)s", site=site)
        else:
            subject = _("Reset your password at %(site)s", site=site)
        text = render_template("crm/auth/email/reset_password.txt", user=user, link=link, site=site,
                               minutes=minutes, welcome=welcome)
    return queue_email(user.email, subject, text)
