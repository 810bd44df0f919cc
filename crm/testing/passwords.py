"""Cheap password hashing for test sessions.

The desk hashes passwords with werkzeug's default, scrypt at a cost meant to
slow down an attacker: about a tenth of a second per hash, paid for every
account a test makes and every login. Tests need the same code path, not the
cost, so during a test session ``generate_password_hash`` defaults to scrypt
with the smallest parameters. Hashes stay real scrypt hashes that
``check_password_hash`` verifies as usual; production keeps werkzeug's default.
"""
from __future__ import annotations

import contextlib
import inspect
from typing import Iterator

from werkzeug import security

TEST_METHOD = "scrypt:128:8:1"  # N lowered from 32768; r and p as werkzeug has them


@contextlib.contextmanager
def cheap_password_hashing(method: str = TEST_METHOD) -> Iterator[None]:
    """While inside, ``werkzeug.security.generate_password_hash`` hashes with ``method`` unless told otherwise.

    The default argument of the function itself is changed, so the modules
    that imported the function by name (``from werkzeug.security import
    generate_password_hash``) get it too, whenever they were imported.
    """
    function = security.generate_password_hash
    defaults = function.__defaults__
    names = [p.name for p in inspect.signature(function).parameters.values() if p.default is not p.empty]
    if not defaults or names[:1] != ["method"]:  # another werkzeug: leave its hashing as it is
        yield
        return
    function.__defaults__ = (method, *defaults[1:])
    try:
        yield
    finally:
        function.__defaults__ = defaults
