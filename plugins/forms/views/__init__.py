"""The forms plugin's blueprints: the builder and responses under /admin/forms, file answers under /forms."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("forms", __name__, url_prefix="/forms", template_folder="../templates")
admin_bp = Blueprint("forms_admin", __name__, url_prefix="/admin/forms", template_folder="../templates")


def blueprints():
    """Both blueprints, with their views registered."""
    from plugins.forms.views import admin, files, responses  # noqa: F401 (routes)

    return [bp, admin_bp]
