"""Building forms and data fields: create, change, reorder and delete, with translations and an audit entry.

Every function takes values already validated by the builder's forms
(:mod:`plugins.forms.builder_forms`), records the change in the audit log
and commits once.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from crm import audit
from crm.extensions import db
from plugins.forms.builder_forms import RANGED, option_lines
from plugins.forms.models import CHOICE_KINDS, FIELD_PLACES, DataField, Form, Option, Question


def _number(value) -> float | None:
    return float(value) if isinstance(value, (Decimal, int, float)) else None


def translations_of(form, languages, *, options: bool) -> dict:
    """``{language: {"label", "help", ["options"]}}`` from the builder form's per-language boxes (empty ones left out)."""
    found = {}
    for code in languages:
        entry = {"label": form[f"label_{code}"].data or "", "help": form[f"help_{code}"].data or ""}
        if options:
            entry["options"] = option_lines(form[f"options_{code}"].data)
        entry = {k: v for k, v in entry.items() if v}
        if entry:
            found[code] = entry
    return found


def fill_translations(form, row, languages, *, options: bool) -> None:
    """Show a row's translations in the builder form's per-language boxes."""
    for code in languages:
        entry = (row.translations or {}).get(code, {})
        form[f"label_{code}"].data = entry.get("label", "")
        form[f"help_{code}"].data = entry.get("help", "")
        if options:
            form[f"options_{code}"].data = "\n".join(entry.get("options", []))


def _next_position(model, **owner) -> int:
    column = getattr(model, next(iter(owner)))
    highest = db.session.scalar(select(func.max(model.position)).where(column == next(iter(owner.values()))))
    return (highest or 0) + 1


# forms ---------------------------------------------------------------------------------------------------


def create_form(label: str, help: str, translations: dict, *, actor) -> Form:
    """A new form without questions."""
    form = Form(label=label, help=help or "", translations=translations)
    db.session.add(form)
    db.session.flush()
    audit.record("forms.form.created", "form", form.id, {"label": (None, label)}, user=actor)
    db.session.commit()
    return form


def update_form(form: Form, label: str, help: str, translations: dict, *, actor) -> dict:
    """Change a form's title, note and translations; ``{what: (old, new)}``."""
    changes = {k: (getattr(form, k), v) for k, v in (("label", label), ("help", help or ""),
                                                   ("translations", translations)) if getattr(form, k) != v}
    for key, (_old, new) in changes.items():
        setattr(form, key, new)
    if changes:
        audit.record("forms.form.updated", "form", form.id, changes, user=actor)
    db.session.commit()
    return changes


def delete_form(form: Form, *, actor) -> None:
    """Delete a form with its questions, its topic attachments and its responses."""
    audit.record("forms.form.deleted", "form", form.id, {"label": (form.label, None)}, user=actor)
    db.session.delete(form)
    db.session.commit()


# questions and data fields ----------------------------------------------------------------------------------


def _apply_item(row, form, languages) -> dict:
    """Copy a validated question/field form onto ``row``; return ``{what: (old, new)}``."""
    kind = form.kind.data
    ranged = kind in RANGED
    wanted = {
        "kind": kind, "label": form.label.data, "help": form.help.data or "", "required": bool(form.required.data),
        "min_value": _number(form.min_value.data) if ranged else None,
        "max_value": _number(form.max_value.data) if ranged else None,
        "translations": translations_of(form, languages, options=True),
    }
    changes = {k: (getattr(row, k), v) for k, v in wanted.items() if getattr(row, k) != v}
    for key, (_old, new) in changes.items():
        setattr(row, key, new)
    return changes


def _apply_options(row, form, owner_column: str) -> dict:
    """Reconcile the options with the lines of the options box: same text keeps its option (and its answers)."""
    lines = option_lines(form.options.data) if row.kind in CHOICE_KINDS else []
    old = [o.label for o in row.options]
    existing = {o.label.casefold(): o for o in row.options}
    kept = []
    for position, line in enumerate(lines):
        option = existing.pop(line.casefold(), None)
        if option is None:
            option = Option(label=line, position=position, translations={})
            setattr(option, owner_column, row.id)
            db.session.add(option)
        option.label, option.position = line, position
        kept.append(option)
    for option in existing.values():
        db.session.delete(option)
    db.session.flush()
    _translate_options(row, kept)
    db.session.expire(row, ["options"])
    return {"options": (old, lines)} if old != lines else {}


def _translate_options(row, options) -> None:
    """Give each option its translation: the line at the same place of each language's options box."""
    for index, option in enumerate(options):
        translated = {}
        for code, entry in (row.translations or {}).items():
            lines = entry.get("options", [])
            if index < len(lines):
                translated[code] = {"label": lines[index]}
        option.translations = translated


def add_question(form_row: Form, form, languages, *, actor) -> Question:
    """Add a question at the end of a form."""
    question = Question(form_id=form_row.id, position=_next_position(Question, form_id=form_row.id),
                        kind=form.kind.data, label="", translations={})
    db.session.add(question)
    db.session.flush()
    changes = _apply_item(question, form, languages)
    changes.update(_apply_options(question, form, "question_id"))
    audit.record("forms.question.created", "form", form_row.id, {"question": (None, question.id), **changes},
                 user=actor)
    db.session.commit()
    return question


def update_question(question: Question, form, languages, *, actor) -> dict:
    """Change a question (its kind, texts, limits, options and translations)."""
    changes = _apply_item(question, form, languages)
    changes.update(_apply_options(question, form, "question_id"))
    if changes:
        audit.record("forms.question.updated", "form", question.form_id, {"question": (question.id, question.id),
                                                                         **changes}, user=actor)
    db.session.commit()
    return changes


def delete_question(question: Question, *, actor) -> None:
    """Delete a question and its answers."""
    audit.record("forms.question.deleted", "form", question.form_id, {"question": (question.label, None)},
                 user=actor)
    db.session.delete(question)
    db.session.commit()


def move(row, direction: str, siblings, *, actor) -> bool:
    """Swap ``row`` with its neighbour above (``"up"``) or below (``"down"``) among ``siblings`` (in order)."""
    ordered = list(siblings)
    index = next((i for i, r in enumerate(ordered) if r.id == row.id), None)
    target = None if index is None else index + (-1 if direction == "up" else 1 if direction == "down" else 0)
    if index is None or target == index or not 0 <= target < len(ordered):
        return False
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    audit.record(f"forms.{'question' if isinstance(row, Question) else 'field'}.moved",
                 "form" if isinstance(row, Question) else "data_field",
                 row.form_id if isinstance(row, Question) else row.id, {"position": (index, target)}, user=actor)
    db.session.commit()
    return True


def add_field(subject: str, form, languages, *, actor) -> DataField:
    """Add a data field of ``subject`` ("ticket" or "contact") at the end."""
    field = DataField(subject=subject, kind=form.kind.data, label="", translations={}, places={},
                      position=_next_position(DataField, subject=subject))
    db.session.add(field)
    db.session.flush()
    changes = _apply_field(field, form, languages)
    audit.record("forms.field.created", "data_field", field.id, changes, user=actor)
    db.session.commit()
    return field


def update_field(field: DataField, form, languages, *, actor) -> dict:
    """Change a data field: texts, limits, options, places, list filter and search flags."""
    changes = _apply_field(field, form, languages)
    if changes:
        audit.record("forms.field.updated", "data_field", field.id, changes, user=actor)
    db.session.commit()
    return changes


def _apply_field(field: DataField, form, languages) -> dict:
    changes = _apply_item(field, form, languages)
    changes.update(_apply_options(field, form, "field_id"))
    places = {p: form[f"place_{p}"].data for p in FIELD_PLACES[field.subject] if form[f"place_{p}"].data}
    flags = {"places": places, "list_filter": bool(form.list_filter.data) and field.subject == "ticket",
             "searchable": bool(form.searchable.data)}
    for key, new in flags.items():
        if getattr(field, key) != new:
            changes[key] = (getattr(field, key), new)
            setattr(field, key, new)
    return changes


def fill_field(form, field: DataField) -> None:
    """Show a data field's places in its builder form."""
    for place in FIELD_PLACES[field.subject]:
        form[f"place_{place}"].data = (field.places or {}).get(place, "")


def delete_field(field: DataField, *, actor) -> None:
    """Delete a data field and its values."""
    audit.record("forms.field.deleted", "data_field", field.id, {"label": (field.label, None)}, user=actor)
    db.session.delete(field)
    db.session.commit()
