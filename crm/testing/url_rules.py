"""Reusing werkzeug's compiled URL builders across the apps of a test session.

Every test builds its own app, and every app adds the same few hundred URL
rules; for each rule werkzeug generates and compiles two small Python
functions that build its URLs, which is most of the time ``create_app``
takes. Such a function depends only on the rule's parts, its defaults'
names and whether unknown arguments go to the query string (it reaches the
rule's converters through its ``self`` argument when called), so during a
test session one compiled function serves every app's copy of the rule.
"""
from __future__ import annotations

import contextlib
import inspect
from typing import Iterator

from werkzeug.routing.rules import Rule


@contextlib.contextmanager
def shared_url_builders() -> Iterator[None]:
    """While inside, ``Rule._compile_builder`` returns the function it compiled before for an equal rule."""
    original = Rule.__dict__.get("_compile_builder")
    if original is None or list(inspect.signature(original).parameters) != ["self", "append_unknown"]:
        yield  # another werkzeug: compile as it does
        return
    compiled: dict[tuple, object] = {}

    def _compile_builder(self, append_unknown=True):
        defaults = self.defaults or {}
        trace = tuple(self._trace)
        if any(is_dynamic and data in defaults for is_dynamic, data in trace):
            return original(self, append_unknown)  # a default baked into the code: compile afresh
        key = (self.rule, trace, tuple(str(name) for name in defaults), bool(append_unknown))
        builder = compiled.get(key)
        if builder is None:
            builder = compiled[key] = original(self, append_unknown)
        return builder

    Rule._compile_builder = _compile_builder
    try:
        yield
    finally:
        Rule._compile_builder = original
