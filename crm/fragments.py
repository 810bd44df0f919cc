"""Rendered template fragments kept per process until the configuration they show changes.

Parts of a page that depend only on the viewer's language and on
admin-managed configuration (a filter form's option lists, a toolbar with
every user and department) cost the same to render on every request. A
fragment template is rendered once per locale, extra key and value of its
generation counters (see :class:`crm.generation.Cached`), and every request
reuses the result.

A fragment sees the template globals and the context its ``build``
function returns, nothing of the request (no ``request``, ``current_user``
or CSRF token), and must not show dates: it is shared by every viewer
whose key is the same.
"""
from __future__ import annotations

from typing import Callable, Hashable

from flask import current_app
from flask_babel import get_locale
from jinja2.environment import TemplateModule
from markupsafe import Markup

from crm import generation


def fragment(template: str, build: Callable[..., dict], *args: Hashable,
             counters: tuple[str, ...] = (generation.KEY,)) -> TemplateModule:
    """``template`` rendered with ``build(*args)`` as its context, kept per (locale, ``args``) until one
    of ``counters`` moves.

    ``args`` must determine everything ``build`` returns besides what the
    counters cover (e.g. the viewer's permissions, never the viewer). The
    result prints as the rendered template (``{{ fragment }}``), and its
    top-level ``{% set name %}...{% endset %}`` blocks are attributes
    (``{{ fragment.name }}``), so one template can hold several pieces.

    Example::

        toolbar = fragment("support/_bulk_toolbar.html", toolbar_context, may_edit,
                           counters=("support.lookups", generation.KEY))
    """
    def render(locale: str, *key: Hashable) -> TemplateModule:
        return current_app.jinja_env.get_template(template).make_module(build(*key))

    cache = generation.app_cache(("crm.fragments", template, build, counters), render, *counters, size=32)
    return cache(str(get_locale()), *args)


def with_selected(options: Markup | TemplateModule | str, value) -> Markup:
    """``<option>`` markup (e.g. from a fragment) with the option of ``value`` marked ``selected``.

    The options must be written ``<option value="...">``, exactly; ``None``
    or ``""`` selects none. Used as the ``with_selected`` template filter.
    """
    options = Markup(options)
    if value is None or value == "":
        return options
    needle = Markup('<option value="{}">').format(value)
    return Markup(options.replace(needle, Markup('<option value="{}" selected>').format(value), 1))
