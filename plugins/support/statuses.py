"""Ticket statuses as data (placeholder until the ticket models land)."""
from flask_babel import lazy_gettext as _l

DEFAULTS = [
    ("open", _l("Open")), ("in_progress", _l("In progress")), ("answered", _l("Answered")),
    ("on_hold", _l("On hold")), ("closed", _l("Closed")),
]


def choices():
    """(key, label) pairs of the defined statuses."""
    return list(DEFAULTS)
