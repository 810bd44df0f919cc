"""Tag suggestions for the new-ticket wizard's tag field (its script turns the field into chips)."""
from __future__ import annotations

from flask import jsonify, request

from plugins.support.tag_search import suggest_tags
from plugins.support.views import bp
from plugins.support.views.new_ticket import creator_required


@bp.get("/tags/suggest")
@creator_required
def tag_suggestions():
    """JSON ``{"tags": [name, ...]}``: at most ten existing tags containing ``q``; for staff who may open tickets."""
    response = jsonify(tags=suggest_tags(request.args.get("q", "")))
    response.headers["Cache-Control"] = "private, no-store"
    return response
