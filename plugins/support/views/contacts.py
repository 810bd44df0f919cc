"""Contact suggestions for the new-ticket wizard: only contacts the agent may open tickets for (S-15)."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from plugins.support.contact_search import search_contacts
from plugins.support.views import bp
from plugins.support.views.tickets import desk_required


@bp.get("/contacts/search")
@desk_required
def contact_search():
    """JSON ``{"contacts": [{id, name, email, company}, ...]}`` matching ``q`` by name or email (at most ten)."""
    found = search_contacts(current_user._get_current_object(), request.args.get("q", ""))
    response = jsonify(contacts=found)
    response.headers["Cache-Control"] = "private, no-store"
    return response
