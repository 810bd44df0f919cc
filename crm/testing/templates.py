"""One cache of compiled templates for all the apps of a test session.

Every test builds its own app, and every app's Jinja environment compiles
the templates it renders again: a few milliseconds per template and app.
With :data:`SHARED_TEMPLATE_CODE` as the environments' bytecode cache (what
Jinja offers for sharing compiled templates), a template is compiled once
per session. The code is found again only for the same template file with
the same source (Jinja checks a checksum of the source) in an environment
whose settings that shape the compiled code are the same.
"""
from __future__ import annotations

from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache


def _compile_settings(env: Environment) -> tuple:
    """What of an environment changes the code a template compiles to (runtime settings aside)."""
    return (
        env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
        env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
        env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.optimized,
        env.is_async, getattr(env, "newstyle_gettext", None), _name(env.autoescape), _name(env.finalize),
        tuple(sorted(env.extensions)), tuple(sorted(env.filters)), tuple(sorted(env.tests)),
    )


def _name(setting) -> object:
    """A boolean as it is; a function (Flask's autoescape chooser is a method of each app) by its qualified name."""
    if setting is None or isinstance(setting, bool):
        return setting
    function = getattr(setting, "__func__", setting)
    return f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', repr(function))}"


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept in memory, for every environment with the same compile settings."""

    def __init__(self) -> None:
        self._code: dict[tuple, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self._code.get((bucket.key, _compile_settings(bucket.environment)))
        if data is not None:
            bucket.bytecode_from_string(data)  # thrown away by Jinja if the source's checksum differs

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[(bucket.key, _compile_settings(bucket.environment))] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()


SHARED_TEMPLATE_CODE = SharedTemplateCode()
