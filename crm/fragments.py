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

:func:`memo_each` keeps markup that shows data (list rows, messages) by the
exact values it shows, so it needs no invalidation at all.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable, Sequence

from flask import current_app
from flask_babel import get_locale, get_timezone
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


def memo_each(name: str, items: Sequence, key: Callable[[Any], Hashable],
              render: Callable[[list], list], size: int = 1000) -> Markup:
    """The markup of every item of ``items``, each rendered once per process for the exact values it shows.

    A markup is kept under the viewer's locale and timezone, every
    generation counter (:func:`crm.generation.snapshot`) and ``key(item)``,
    which must hold everything else the item's markup depends on (its shown
    values, what of the page it links to), so a kept markup is never stale:
    a changed ticket, name or setting simply has another key. Items
    whose key is not kept are rendered together by ``render(items)`` (one
    markup per item, in order). Per app, at most ``size`` markups are kept
    per ``name``; the oldest go first. Returns the markups joined in order.

    For list rows and conversation posts: a page of 50 rows renders only the
    rows that changed since it was last shown. Markup shared by viewers must
    not hold anything of the viewer's own (a CSRF token: render a
    placeholder and replace it in the joined result).
    """
    stores = current_app.extensions.setdefault("crm_fragment_memo", {})
    store = stores.get(name)
    if store is None:
        store = stores[name] = {}
    viewer = (str(get_locale()), str(get_timezone()), generation.snapshot())
    out: list = []
    missing: list[tuple[int, Any, Hashable]] = []
    for item in items:
        item_key = (viewer, key(item))
        kept = store.get(item_key)
        if kept is None:
            missing.append((len(out), item, item_key))
        out.append(kept)
    if missing:
        for (position, _item, item_key), markup in zip(missing, render([item for _p, item, _k in missing])):
            out[position] = markup = Markup(markup)
            if len(store) >= size:
                try:
                    del store[next(iter(store))]
                except (KeyError, StopIteration, RuntimeError):  # another thread trimmed it first
                    pass
            store[item_key] = markup
    return Markup("".join(out))
