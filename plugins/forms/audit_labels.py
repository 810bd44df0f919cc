"""The forms plugin's labels for the audit log (the ``crm_audit_labels`` hook)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "forms.form.created": _l("Form created"),
    "forms.form.updated": _l("Form changed"),
    "forms.form.deleted": _l("Form deleted"),
    "forms.question.created": _l("Question added"),
    "forms.question.updated": _l("Question changed"),
    "forms.question.moved": _l("Question moved"),
    "forms.question.deleted": _l("Question deleted"),
    "forms.field.created": _l("Data field created"),
    "forms.field.updated": _l("Data field changed"),
    "forms.field.moved": _l("Data field moved"),
    "forms.field.deleted": _l("Data field deleted"),
}
OBJECT_TYPES = {"form": _l("Form"), "data_field": _l("Data field")}
FIELDS = {}
for _type in ("form", "data_field"):
    FIELDS.update({f"{_type}.label": _l("Label"), f"{_type}.help": _l("Help text"),
                   f"{_type}.translations": _l("Translations"), f"{_type}.kind": _l("Type"),
                   f"{_type}.required": _l("Required"), f"{_type}.min_value": _l("Minimum"),
                   f"{_type}.max_value": _l("Maximum"), f"{_type}.options": _l("Options"),
                   f"{_type}.position": _l("Order")})
FIELDS.update({"form.question": _l("Question"), "data_field.places": _l("Where it is shown"),
               "data_field.list_filter": _l("List filter"), "data_field.searchable": _l("Searchable")})


def labels() -> dict:
    """The actions, object types and changed fields the builder records."""
    return {"actions": ACTIONS, "object_types": OBJECT_TYPES, "fields": FIELDS}
