"""Time helpers: every stored datetime is naive UTC."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    """The current time as a naive UTC datetime, the form every table stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
