"""Existing tags suggested while an agent types tags (the new-ticket wizard's tag field)."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.extensions import db
from plugins.support.models import Tag

SHOWN = 10


def _pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def suggest_tags(query: str) -> list[str]:
    """At most ten tag names containing ``query`` (any case; ``%`` and ``_`` are literal), those starting with
    it first, then by name. An empty query suggests nothing."""
    query = " ".join((query or "").split())[:60]
    if not query:
        return []
    lowered = func.lower(Tag.name)
    starts = lowered.like(_pattern(query)[1:], escape="\\")
    rows = db.session.scalars(
        select(Tag.name).where(lowered.like(_pattern(query), escape="\\"))
        .order_by(starts.desc(), Tag.name).limit(SHOWN))
    return list(rows)
