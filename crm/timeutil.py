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
