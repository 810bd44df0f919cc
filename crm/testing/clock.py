"""A frozen clock for tests: what :func:`crm.timeutil.utcnow` returns while it is installed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crm import timeutil


class FrozenClock:
    """A clock that stands still until moved: ``clock.now``, ``clock.set(dt)``, ``clock.advance(minutes=5)``.

    Installed with :func:`crm.timeutil.use_clock`, it is what every host and
    plugin reading ``crm.timeutil.utcnow()`` sees. Times are naive UTC; an
    aware datetime is converted.
    """

    def __init__(self, start: datetime | None = None):
        self.now = _naive_utc(start or datetime(2030, 1, 7, 9, 0))

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> datetime:
        """Move the clock to ``when``."""
        self.now = _naive_utc(when)
        return self.now

    def advance(self, **delta) -> datetime:
        """Move the clock forward by ``timedelta(**delta)``."""
        self.now = self.now + timedelta(**delta)
        return self.now

    def install(self):
        """A context manager that makes ``crm.timeutil.utcnow()`` read this clock."""
        return timeutil.use_clock(self)


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value
