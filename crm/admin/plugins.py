"""Admin pages: plugins."""
from flask import render_template

from crm.admin.views import bp


@bp.get("/plugins")
def plugins():
    return render_template("crm/admin/index.html")
