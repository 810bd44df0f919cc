"""What plugins keep that points at a person record: asked before it is deleted, moved on request.

The host knows nothing of tickets. Before a department, company, contact or
staff user is deleted, every installed plugin is asked through
``crm_person_references`` what of its data uses the record, and the delete is
refused while anything does. Disabled plugins are asked too: their data is
kept while they are off. ``crm_person_reassign`` moves those records to
another record of the same kind, for the pages that offer it.
"""
from __future__ import annotations

from typing import Any

from flask import current_app

from crm.hooks.records import PersonReference
from crm.people.services.shared import InvalidChange

PERSON_KINDS = ("department", "company", "contact", "user")


def _check_kind(kind: str) -> None:
    if kind not in PERSON_KINDS:
        raise ValueError(f"unknown person kind {kind!r}")


def person_references(kind: str, record: Any) -> list[PersonReference]:
    """The references of every installed plugin that keep ``record`` from being deleted (count above 0).

    :param kind: ``"department"``, ``"company"``, ``"contact"`` or ``"user"``.
    """
    _check_kind(kind)
    found = []
    for owner, result in current_app.extensions["crm"].results("crm_person_references", kind=kind, record=record):
        for reference in result:
            if not isinstance(reference, PersonReference):
                raise TypeError(f"crm_person_references of {owner!r} must return PersonReference records")
            if reference.count > 0:
                found.append(reference)
    return found


def refuse_while_referenced(kind: str, record: Any, advice: str) -> None:
    """Raise :class:`InvalidChange` naming each plugin's count, followed by ``advice``, while ``record`` is used."""
    references = person_references(kind, record)
    if references:
        raise InvalidChange({"": " ".join([r.message for r in references] + [advice])})


def references_movable(references: list[PersonReference]) -> bool:
    """Whether every one of ``references`` can be moved to another record (so a page may offer to)."""
    return bool(references) and all(r.movable for r in references)


def reassign_references(kind: str, record: Any, target: Any, actor=None) -> int:
    """Ask every installed plugin to move its records from ``record`` to ``target``; how many moved.

    Runs in the current transaction; the caller commits (or rolls back, and
    nothing moved).
    """
    _check_kind(kind)
    results = current_app.extensions["crm"].results("crm_person_reassign", kind=kind, record=record,
                                                   target=target, actor=actor)
    return sum(int(moved or 0) for _owner, moved in results)
