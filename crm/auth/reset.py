"""Password-reset links: one-time tokens for staff, emailed in the recipient's language."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale, gettext as _

from crm import settings
from crm.auth import tokens
from crm.extensions import db
from crm.notify.outbox import OutboxMessage, queue_email
from crm.people.models import User
from crm.sites import external_url

PURPOSE = "password-reset"


def make_reset_token(user: User) -> str:
    """A link token that lets ``user`` set a new password once within ``PASSWORD_RESET_MAX_AGE`` seconds.

    Older reset links of the user stop working; the caller commits.
    """
    return tokens.issue(PURPOSE, user.get_id(), current_app.config["PASSWORD_RESET_MAX_AGE"])


def _active_user(row) -> User | None:
    if row is None or not row.account.startswith("staff:"):
        return None
    user = db.session.get(User, int(row.account[6:]))
    return user if user is not None and user.active else None


def user_for_reset_token(token: str) -> User | None:
    """The active user a valid (unused, newest, unexpired) reset token was made for, without using it up."""
    return _active_user(tokens.peek(PURPOSE, token))


def consume_reset_token(token: str) -> User | None:
    """Use the reset token up and return its active user, or None; of racing requests only one gets the user.

    The use is part of the caller's transaction: commit it with the new password.
    """
    return _active_user(tokens.consume(PURPOSE, token))


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
    link = external_url("auth.reset_password", token=make_reset_token(user))
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
