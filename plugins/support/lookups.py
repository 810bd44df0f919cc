"""The desk's selector rows (statuses, priorities, departments, brands, services), cached per process.

The ticket list and ticket page show these small admin-managed tables on
every request. They are read once per value of their own generation counter into plain
read-only rows; any ORM write to them bumps the generation (see
:func:`crm.generation.watch`), so every worker reloads them after a change.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import select

from crm import generation
from crm.extensions import db
from crm.people.models import Department
from plugins.support import statuses
from plugins.support.models import Brand, Priority, Service, Status

KEY = "support.lookups"
generation.watch(KEY, Status, Priority, Brand, Service, Department)


@dataclass(frozen=True, slots=True)
class StatusRow:
    """A status as the pages show it."""

    id: int
    key: str
    name: str
    colour: str
    position: int
    is_closed: bool


@dataclass(frozen=True, slots=True)
class PriorityRow:
    """A priority as the pages show it."""

    id: int
    key: str
    name: str
    colour: str
    position: int


@dataclass(frozen=True, slots=True)
class NamedRow:
    """A department, brand or service: an id and a name."""

    id: int
    name: str


@dataclass(frozen=True)
class Lookups:
    """Every selector row, in display order."""

    statuses: tuple[StatusRow, ...]
    priorities: tuple[PriorityRow, ...]
    departments: tuple[NamedRow, ...]
    brands: tuple[NamedRow, ...]
    services: tuple[NamedRow, ...]

    @cached_property
    def department_names(self) -> dict[int, str]:
        """``{department id: name}``."""
        return {d.id: d.name for d in self.departments}

    @cached_property
    def brand_names(self) -> dict[int, str]:
        """``{brand id: name}``."""
        return {b.id: b.name for b in self.brands}

    @cached_property
    def service_names(self) -> dict[int, str]:
        """``{service id: name}``."""
        return {s.id: s.name for s in self.services}

    def status(self, status_id: int | None) -> StatusRow | None:
        """The status with this id, or None."""
        return next((s for s in self.statuses if s.id == status_id), None)

    def priority(self, priority_id: int | None) -> PriorityRow | None:
        """The priority with this id, or None."""
        return next((p for p in self.priorities if p.id == priority_id), None)

    def status_by_key(self, key: str | None) -> StatusRow | None:
        """The status with this key, or None."""
        return next((s for s in self.statuses if s.key == key), None)

    def priority_by_key(self, key: str | None) -> PriorityRow | None:
        """The priority with this key, or None."""
        return next((p for p in self.priorities if p.key == key), None)


def _load() -> Lookups:
    return Lookups(
        statuses=tuple(StatusRow(s.id, s.key, s.name, s.colour, s.position, s.is_closed)
                       for s in statuses.statuses()),
        priorities=tuple(PriorityRow(p.id, p.key, p.name, p.colour, p.position) for p in statuses.priorities()),
        departments=tuple(NamedRow(*r) for r in db.session.execute(
            select(Department.id, Department.name).order_by(Department.name))),
        brands=tuple(NamedRow(*r) for r in db.session.execute(
            select(Brand.id, Brand.name).order_by(Brand.position, Brand.name))),
        services=tuple(NamedRow(*r) for r in db.session.execute(
            select(Service.id, Service.name).order_by(Service.position, Service.name))),
    )


@generation.cached(KEY)
def current() -> Lookups:
    """The selector rows, read at most once per process and generation of :data:`KEY`."""
    return _load()
