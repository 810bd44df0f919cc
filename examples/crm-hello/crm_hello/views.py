"""The hello plugin's page."""
from flask import Blueprint, render_template

from crm.auth.permissions import permission_required

bp = Blueprint("hello", __name__, url_prefix="/hello", template_folder="templates")


@bp.get("/")
@permission_required("hello.greet")
def index():
    """The list of greetings sent."""
    from crm_hello.services import recent_greetings

    return render_template("hello/index.html", greetings=recent_greetings())
