"""Time helpers: every stored datetime is naive UTC; the clock can be replaced (tests freeze it)."""
from __future__ import annotations

import contextlib
from datetime import datetime, timezone
from typing import Callable, Iterator

_clock: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """The current time as a naive UTC datetime, the form every table stores.

    Reads the clock installed with :func:`use_clock`, if any, else the system clock.
    """
    if _clock is not None:
        return _clock()
    return datetime.now(timezone.utc).replace(tzinfo=None)


@contextlib.contextmanager
def use_clock(clock: Callable[[], datetime]) -> Iterator[Callable[[], datetime]]:
    """Make :func:`utcnow` return ``clock()`` (a naive UTC datetime) inside the ``with`` block.

    The test kit's ``frozen_clock`` fixture uses it; clocks nest, and the
    previous one is restored on exit.
    """
    global _clock
    previous, _clock = _clock, clock
    try:
        yield clock
    finally:
        _clock = previous


def desk_time(value: datetime | None = None) -> datetime:
    """A stored (naive UTC) datetime, or now, as an aware datetime in the desk's timezone.

    The desk's timezone is the setting ``crm.default_timezone``, an IANA name
    such as ``"Europe/Istanbul"`` (default ``"UTC"``). Use it for rules about
    the desk's own hours; show dates to people with the ``|datetime`` filter,
    which uses each viewer's timezone.
    """
    from zoneinfo import ZoneInfo

    from crm import settings

    value = utcnow() if value is None else value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ZoneInfo(settings.get("crm.default_timezone")))
