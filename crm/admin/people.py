"""Admin pages: people."""
from flask import render_template

from crm.admin.views import bp


@bp.get("/staff")
def staff():
    return render_template("crm/admin/index.html")


@bp.get("/roles")
def roles():
    return render_template("crm/admin/index.html")


@bp.get("/departments")
def departments():
    return render_template("crm/admin/index.html")


@bp.get("/companies")
def companies():
    return render_template("crm/admin/index.html")


@bp.get("/contacts")
def contacts():
    return render_template("crm/admin/index.html")
