"""The hello page: a greeting for staff who hold ``hello.greet``."""
from __future__ import annotations

from flask import Blueprint, render_template

from crm import settings
from crm.auth.permissions import permission_required

bp = Blueprint("hello", __name__, url_prefix="/hello", template_folder="templates")


@bp.get("")
@permission_required("hello.greet")
def index():
    """Greet the signed-in staff member with the configured greeting."""
    return render_template("hello/index.html", greeting=settings.get("hello.greeting"),
                           colour=settings.get("hello.colour"))
