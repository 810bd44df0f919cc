"""A throwaway plugin adding data fields (``crm_data_fields``) and its tiny-table value store, for the suite.

The store keeps values as JSON text in a table of its own metadata (not the
app's: the models-vs-migrations check never sees it), created by the
``field_table`` fixture and emptied after the test. Every method runs one
query whatever the number of ids, as the contract asks.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, delete, insert, select
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm import PluginInfo, hookimpl
from crm.extensions import db
from crm.fields import DataField
from crm.testing import builtin_plugins
from crm.testing.plugins import plugin_name

metadata = MetaData()
values_table = Table(
    "test_field_value", metadata,
    Column("id", Integer, primary_key=True),
    Column("subject", String(20), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("name", String(60), nullable=False),
    Column("value", Text, nullable=False),
)


class TableStore:
    """A :class:`crm.fields.ValueStore` on ``test_field_value``; records every call."""

    def __init__(self):
        self.loads = []
        self.saves = []

    def load(self, subject, ids, fields):
        """Values of ``fields`` for ``ids`` in one query."""
        self.loads.append((subject, tuple(ids), tuple(f.name for f in fields)))
        rows = db.session.execute(select(values_table.c.record_id, values_table.c.name, values_table.c.value).where(
            values_table.c.subject == subject, values_table.c.record_id.in_(list(ids)),
            values_table.c.name.in_([f.name for f in fields]))).all()
        out = {}
        for record_id, name, value in rows:
            out.setdefault(record_id, {})[name] = json.loads(value)
        return out

    def save(self, subject, id, values, actor):
        """Stage the values in ``db.session`` (the caller commits)."""
        self.saves.append((subject, id, dict(values)))
        db.session.execute(delete(values_table).where(
            values_table.c.subject == subject, values_table.c.record_id == id,
            values_table.c.name.in_(list(values))))
        db.session.execute(insert(values_table), [
            {"subject": subject, "record_id": id, "name": name, "value": json.dumps(value)}
            for name, value in values.items()])

    def matching_ids(self, subject, field, raw):
        """Ids whose value of ``field`` equals ``raw``; None for checkboxes (not filterable)."""
        if field.kind == "checkbox":
            return None
        return select(values_table.c.record_id).where(
            values_table.c.subject == subject, values_table.c.name == field.name,
            values_table.c.value == json.dumps(raw))


def stored(subject, record_id=None) -> dict:
    """``{(record id, name): value}`` stored now (read in the test's session)."""
    stmt = select(values_table.c.record_id, values_table.c.name, values_table.c.value).where(
        values_table.c.subject == subject)
    if record_id is not None:
        stmt = stmt.where(values_table.c.record_id == record_id)
    return {(r, n): json.loads(v) for r, n, v in db.session.execute(stmt).all()}


class FieldsPlugin:
    """A throwaway plugin answering ``crm_data_fields`` from ``self.fields[(subject, place)]``."""

    def __init__(self, name="fieldtest"):
        self.name = name
        self.store = TableStore()
        self.fields: dict[tuple[str, str], list[DataField]] = {}
        self.asked = []

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo(self.name, "Field test")

    @hookimpl
    def crm_data_fields(self, subject, place, context):
        # ids, not rows: the rows belong to the request's session
        self.asked.append((subject, place, {k: getattr(v, "id", v) for k, v in context.items()}))
        return self.fields.get((subject, place))

    # field makers ------------------------------------------------------------------------

    def text(self, name="fieldtest_order", label="Order number", required=False, **kw) -> DataField:
        """A short text field (required or optional, at most 20 characters)."""
        rules = [DataRequired()] if required else [Optional()]
        return DataField(name, label, lambda: StringField(label, [*rules, Length(max=20)]), self.store,
                         section="Additional information", **kw)

    def number(self, name="fieldtest_count", label="Device count", **kw) -> DataField:
        """A whole number between 1 and 99."""
        return DataField(name, label, lambda: IntegerField(label, [Optional(), NumberRange(1, 99)]), self.store,
                         kind="number", section="Additional information", **kw)

    def choice(self, name="fieldtest_os", label="System", **kw) -> DataField:
        """One of linux / windows."""
        choices = (("linux", "Linux"), ("windows", "Windows"))
        return DataField(name, label, lambda: SelectField(label, choices=[("", "—"), *choices],
                                                           validators=[Optional()]),
                         self.store, kind="choice", choices=choices, section="Additional information", **kw)

    def checkbox(self, name="fieldtest_urgent", label="Urgent", **kw) -> DataField:
        """A checkbox."""
        return DataField(name, label, lambda: BooleanField(label), self.store, kind="checkbox", **kw)

    def many(self, count: int, subject_place: tuple[str, str], **kw) -> list[DataField]:
        """``count`` optional text fields at one place."""
        made = [self.text(name=f"fieldtest_f{i}", label=f"Field {i}", **kw) for i in range(count)]
        self.fields[subject_place] = made
        return made


def with_plugin(plugin) -> list:
    """The built-in plugins but forms (which answers the same hook with its own fields), and ``plugin``."""
    return [p for p in builtin_plugins() if plugin_name(p) != "forms"] + [plugin]


@pytest.fixture
def plugin():
    """A fresh throwaway fields plugin for the test."""
    return FieldsPlugin()


@pytest.fixture
def app_plugins(plugin):
    """The built-in plugins but forms, and the test's fields plugin."""
    return with_plugin(plugin)


@pytest.fixture(autouse=True)
def field_table(app):
    """The store's table, created on the test database and emptied after the test (in every test of a module
    that imports it)."""
    metadata.create_all(db.engine, checkfirst=True)
    yield values_table
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(delete(values_table))
