"""Admin pages: audit."""
from flask import render_template

from crm.admin.views import bp


@bp.get("/audit")
def audit():
    return render_template("crm/admin/index.html")
