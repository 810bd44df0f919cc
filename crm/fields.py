"""Data fields: values other plugins add to the records a page shows, edits, lists or exports.

A page asks the ``crm_data_fields`` hook for the :class:`DataField` records of
a *subject* (a string such as ``"ticket"`` or ``"contact"``: the host knows
nothing of what it is) at a *place* (``"staff_ticket"``, ``"portal_new"`` ...).
Each field brings its WTForms field (with its validators, so the page's own
form validates it: there is no second copy of the rules), how its value is
shown, and the :class:`ValueStore` that loads and saves values. The page
never knows which plugin answered; when none does, or the plugin is
disabled, the page simply has no extra fields.

Typical use in a view::

    fields = data_fields("ticket", "portal_new", topic=topic, viewer=customer)
    form = form_with_fields(NewTicketForm, fields)
    if form.validate_on_submit():
        values = submitted_values(form, fields)
        ...  # save inside the unit of work that stores the record
        save_values("ticket", ticket.id, fields, values, actor)

and in its template ``{% from "crm/fields.html" import data_fields_block %}``.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Protocol, Sequence

from flask import current_app
from flask_babel import format_date, gettext as _
from markupsafe import Markup

log = logging.getLogger(__name__)

NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
KINDS = ("text", "textarea", "number", "email", "phone", "date", "choice", "multichoice", "checkbox", "file")
PLACES = {
    "ticket": ("staff_new", "staff_ticket", "staff_list", "export", "portal_new", "public_form", "portal_ticket"),
    "contact": ("portal_profile", "staff_contact"),
    "topic": ("topic_settings",),
}


class ValueStore(Protocol):
    """Where a plugin keeps the values of its data fields; one per providing plugin, every call batched.

    Optional extras a store may offer (looked up with ``getattr``):
    ``display(field, value) -> Markup | str`` for values the default
    :meth:`DataField.display` cannot show (e.g. a link to a stored file).
    """

    def load(self, subject: str, ids: Sequence[int], fields: Sequence["DataField"]) -> dict[int, dict[str, Any]]:
        """Values of ``fields`` for every id in ONE query (a constant count whatever ``len(ids)``)."""

    def save(self, subject: str, id: int, values: dict[str, Any], actor) -> None:
        """Stage ``values`` (``{field name: value}``) in ``db.session``; the caller's unit of work commits them."""

    def matching_ids(self, subject: str, field: "DataField", raw: str):
        """A SELECT of subject ids whose value of ``field`` matches the list filter ``raw``; None: not filterable."""


@dataclass(frozen=True)
class DataField:
    """One value a plugin adds to a subject at a place; returned by ``crm_data_fields``.

    ``name`` is unique per subject (``[a-z][a-z0-9_]{0,59}``, prefixed with the
    plugin's name); ``label`` is translated (or lazy); ``make()`` returns the
    unbound WTForms field WITH its validators; ``editable=False`` fields are
    shown read-only and never accepted from a request; ``section`` is the
    heading they are shown under; ``kind`` is one of :data:`KINDS` and
    ``choices`` ``((value, label), ...)`` for choice kinds.
    """

    name: str
    label: Any
    make: Callable[[], Any]
    store: ValueStore
    editable: bool = True
    help: Any = ""
    section: Any = ""
    position: int = 0
    searchable: bool = False
    kind: str = "text"
    choices: tuple = ()

    def __post_init__(self):
        if not isinstance(self.name, str) or not NAME.match(self.name):
            raise ValueError(f"data field name {self.name!r} must match {NAME.pattern}")
        if self.kind not in KINDS:
            raise ValueError(f"data field kind {self.kind!r} is not one of {', '.join(KINDS)}")

    def display(self, value) -> Markup | str:
        """``value`` as shown on a page: choice labels, Yes/No for a checkbox, dates in the reader's locale."""
        if value is None or value == "" or value == [] or value == ():
            return ""
        render = getattr(self.store, "display", None)
        if render is not None:
            shown = render(self, value)
            if shown is not None:
                return shown
        if self.kind == "checkbox":
            return _("Yes") if value else _("No")
        labels = {str(k): v for k, v in self.choices}
        if isinstance(value, (list, tuple, set, frozenset)):
            return ", ".join(str(labels.get(str(v), v)) for v in value)
        if isinstance(value, (date, datetime)):
            return format_date(value)
        if self.choices:
            return str(labels.get(str(value), value))
        return str(value)

    def text(self, value) -> str:
        """``value`` as plain text (exports, search): :meth:`display` without markup."""
        shown = self.display(value)
        return shown.striptags() if isinstance(shown, Markup) else str(shown)


def data_fields(subject: str, place: str, **context) -> list[DataField]:
    """The data fields enabled plugins add to ``subject`` at ``place``, sorted by section and position.

    ``context`` is passed to the hook as a dict (e.g. ``topic=``, ``viewer=``,
    ``ticket=``). A name given twice keeps the first; answers that are not
    :class:`DataField` records are ignored (and logged).
    """
    answers = current_app.extensions["crm"].hook.crm_data_fields(subject=subject, place=place, context=context)
    found: dict[str, DataField] = {}
    for answer in answers:
        for field in answer or ():
            if not isinstance(field, DataField):
                log.warning("crm_data_fields returned %r, not a DataField", field)
                continue
            if field.name in found:
                log.warning("data field %s of %s given twice", field.name, subject)
                continue
            found[field.name] = field
    return sorted(found.values(), key=lambda f: (str(f.section), f.position, f.name))


def form_with_fields(form_class, fields: Sequence[DataField], values: dict | None = None, **form_kwargs):
    """An instance of ``form_class`` with the editable ``fields`` attached, validated by the form itself.

    ``form.data_field_names`` lists the names attached (a field whose name the
    form already has is left out); read-only fields are never attached, so a
    request cannot set them. ``values`` (``{name: value}``) fills the attached
    fields when the form is shown, the way ``data=`` does.
    """
    attrs, names = {}, []
    for field in fields:
        if not field.editable or hasattr(form_class, field.name) or field.name in attrs:
            continue
        attrs[field.name] = field.make()
        names.append(field.name)
    cls = type(form_class.__name__, (form_class,), attrs) if attrs else form_class
    if values:
        data = dict(form_kwargs.pop("data", None) or {})
        for name in names:
            if name in values and name not in data:
                data[name] = values[name]
        form_kwargs["data"] = data
    form = cls(**form_kwargs)
    form.data_field_names = names
    return form


def values_and_form(subject: str, record_id: int, fields: Sequence[DataField], form_class, may_edit: bool,
                    form=None, **form_kwargs) -> tuple[dict[str, Any], Any]:
    """What a page shows of one record's ``fields``: their values, and the edit form.

    The form is ``form`` (one that failed validation) or, when ``may_edit``,
    a new ``form_class`` filled with the values (``form_kwargs`` go to
    :func:`form_with_fields`); None when it has no editable field.
    """
    values = load_values(subject, [record_id], fields)[record_id] if fields else {}
    if form is None and fields and may_edit:
        form = form_with_fields(form_class, fields, values=values, formdata=None, **form_kwargs)
    return values, (form if form is not None and form.data_field_names else None)


def attached(form, fields: Sequence[DataField]) -> list[DataField]:
    """The ``fields`` that are attached to ``form`` as inputs (editable, not shadowed by a form field)."""
    names = set(getattr(form, "data_field_names", ()))
    return [f for f in fields if f.name in names]


def add_field_error(form, name: str | None, message: str) -> None:
    """Show ``message`` beside the attached field ``name``, or beside the form's first data field when it is not one."""
    target = form[name] if name in form.data_field_names else form[form.data_field_names[0]]
    target.errors = [*list(target.errors or []), message]


def submitted_values(form, fields: Sequence[DataField]) -> dict[str, Any]:
    """``{name: value}`` of the editable ``fields`` attached to ``form`` (read-only ones never)."""
    return {f.name: form[f.name].data for f in attached(form, fields)}


def _by_store(fields: Sequence[DataField]) -> list[tuple[ValueStore, list[DataField]]]:
    groups: dict[int, tuple[ValueStore, list[DataField]]] = {}
    for field in fields:
        groups.setdefault(id(field.store), (field.store, []))[1].append(field)
    return list(groups.values())


def load_values(subject: str, ids: Sequence[int], fields: Sequence[DataField]) -> dict[int, dict[str, Any]]:
    """``{id: {name: value}}`` of ``fields`` for every id: one query per store, none without ids or fields."""
    ids = list(dict.fromkeys(i for i in ids if i is not None))
    out: dict[int, dict[str, Any]] = {i: {} for i in ids}
    if not ids or not fields:
        return out
    for store, group in _by_store(fields):
        names = {f.name for f in group}
        for key, found in (store.load(subject, ids, group) or {}).items():
            if key in out:
                out[key].update({n: v for n, v in found.items() if n in names})
    return out


def save_values(subject: str, id: int, fields: Sequence[DataField], values: dict[str, Any], actor) -> None:
    """Stage ``values`` of the editable ``fields`` through their stores, inside the caller's unit of work.

    Values of read-only fields and names that are not among ``fields`` are
    dropped: only what the page offered for editing is ever saved.
    """
    for store, group in _by_store([f for f in fields if f.editable]):
        wanted = {f.name: values[f.name] for f in group if f.name in values}
        if wanted:
            store.save(subject, id, wanted, actor)


def searchable_text(fields: Sequence[DataField], values: dict[str, Any]) -> str:
    """The plain text of the searchable ``fields``' ``values``, one space apart (for a search index)."""
    return " ".join(t for t in (f.text(values.get(f.name)) for f in fields if f.searchable) if t)


def filter_statement(subject: str, field: DataField, raw: str):
    """The store's SELECT of ids matching ``raw`` for ``field`` (None when the field cannot filter or ``raw`` is empty)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    return field.store.matching_ids(subject, field, raw)
