"""The support plugin's blueprints: ``support`` (staff desk) and ``support_admin`` (admin data pages).

Each page family lives in its own module and adds routes to these blueprints.
"""
from flask import Blueprint

from plugins.support.text import render

bp = Blueprint("support", __name__, url_prefix="/support", template_folder="../templates",
               static_folder="../static")  # scripts as files: the Content Security Policy forbids inline ones
admin_bp = Blueprint("support_admin", __name__, url_prefix="/admin/support", template_folder="../templates")


# ``{{ post.body_text|plain_text }}``: a post's plain-text body as safe HTML, in pages and emails
bp.add_app_template_filter(render, "plain_text")


def blueprints():
    """Import every page module (they register routes) and return the blueprints."""
    from plugins.support.views import (  # noqa: F401
        admin, callback, contacts, new_ticket, previews, related, tickets, too_large, topic_admin)

    return [bp, admin_bp]
