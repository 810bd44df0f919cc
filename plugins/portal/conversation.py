"""The customer's ticket page's conversation as markup, each post rendered once per process for what it shows.

A post's markup depends on the post (its author's current name, body, files),
the portal and address it is shown on (its file links), the viewer's locale
and timezone and the configuration; that is its key in
:func:`crm.fragments.memo_each`, like the staff page's
(:mod:`plugins.support.conversation`).
"""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from crm import i18n
from crm.fragments import memo_each
from plugins.portal import sites
from plugins.support.conversation import shown


def rendered_posts(ticket, posts: list) -> Markup:
    """The ``<article>`` of every post of the window, in the given order."""
    page = sites.portal_url(sites.current_portal(), "portal.ticket", number=ticket.number)  # portal, host, ticket
    return memo_each("portal.conversation", posts, lambda post: (page, shown(post)),
                     lambda missing: _render(ticket, missing))


def _render(ticket, posts: list) -> list[Markup]:
    context = {"formatted": i18n.datetime_formatter(), "support_team": _("Support team")}
    macro = current_app.jinja_env.get_template("portal/_post.html").module.post_markup
    return [macro(post, ticket.number, context) for post in posts]
