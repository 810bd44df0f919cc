"""Setting values in the database, read through one cached API and written with an audit trail."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel.speaklater import LazyString
from sqlalchemy import JSON, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from crm import generation
from crm.extensions import db
from crm.settings.schema import SettingError, SettingsSchema


class SettingValue(db.Model):
    """A value that differs from the schema default; defaults are never stored."""

    __tablename__ = "crm_setting"
    __table_args__ = (UniqueConstraint("namespace", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    namespace: Mapped[str] = mapped_column(db.String(60))
    key: Mapped[str] = mapped_column(db.String(80))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


class SettingsRegistry:
    """Every schema of the app, and the cached values; lives in ``app.extensions``.

    Values are cached per process and refreshed when the configuration
    generation changes (see :mod:`crm.generation`), so a read costs no query
    beyond the one generation check each request makes anyway.
    """

    def __init__(self):
        self.schemas: dict[str, SettingsSchema] = {}
        self.owner: dict[str, str] = {}
        self._stored = generation.Cached(self._load)
        self._fields: dict[str, tuple] = {}  # "namespace.key" -> (namespace, key, field): pages read dozens

    def add(self, schema: SettingsSchema, owner: str) -> None:
        """Register a schema; a namespace may be declared only once."""
        if schema.namespace in self.schemas:
            raise RuntimeError(f"settings namespace {schema.namespace!r} is declared twice")
        self.schemas[schema.namespace] = schema
        self.owner[schema.namespace] = owner
        self._fields.clear()

    def field(self, full_key: str):
        """Return (namespace, key, field) for ``"namespace.key"``; unknown keys raise KeyError."""
        found = self._fields.get(full_key)
        if found is None:
            namespace, _, key = full_key.partition(".")
            schema = self.schemas.get(namespace)
            fields = schema.fields() if schema is not None else {}
            if key not in fields:
                raise KeyError(f"unknown setting {full_key!r}")
            found = self._fields[full_key] = (namespace, key, fields[key])
        return found

    @staticmethod
    def _load() -> dict[str, dict[str, Any]]:
        values: dict[str, dict[str, Any]] = {}
        for row in db.session.execute(select(SettingValue.namespace, SettingValue.key, SettingValue.value)):
            values.setdefault(row.namespace, {})[row.key] = row.value
        return values

    def get(self, full_key: str) -> Any:
        """Return the value of ``"namespace.key"``: the stored one, else the default."""
        namespace, key, f = self.field(full_key)
        stored = self._stored().get(namespace, {})
        if key in stored:
            return stored[key]
        return default_value(f)

    def values(self, namespace: str) -> dict[str, Any]:
        """Every value of a namespace, defaults filled in."""
        return {key: self.get(f"{namespace}.{key}") for key in self.schemas[namespace].fields()}

    def set_many(self, namespace: str, submitted: dict[str, Any], user=None) -> dict[str, tuple]:
        """Validate and store several values of one namespace in one audited change.

        Raises :class:`SettingsInvalid` with every field's error and stores
        nothing if any value is refused. Returns ``{key: (old, new)}`` of what
        changed; the caller commits, then :func:`notify_changed` fires the event.
        """
        from crm import audit

        schema = self.schemas[namespace]
        fields = schema.fields()
        errors, cleaned = {}, {}
        for key, raw in submitted.items():
            if key not in fields:
                raise KeyError(f"unknown setting {namespace}.{key}")
            try:
                cleaned[key] = fields[key].validate(raw)
            except SettingError as exc:
                errors[key] = str(exc)
        if not errors:
            errors = self._validate_together(namespace, fields, cleaned)
        if errors:
            raise SettingsInvalid(errors)
        changes = {}
        rows = {r.key: r for r in db.session.scalars(select(SettingValue).where(SettingValue.namespace == namespace))}
        for key, new in cleaned.items():
            old = rows[key].value if key in rows else default_value(fields[key])
            if old == new:
                continue
            changes[key] = (old, new)
            if new == default_value(fields[key]):
                if key in rows:
                    db.session.delete(rows[key])
            elif key in rows:
                rows[key].value = new
            else:
                db.session.add(SettingValue(namespace=namespace, key=key, value=new))
        if changes:
            secret = {k for k, f in fields.items() if f.kind == "secret"}
            audit.record(
                "settings.changed", "settings", namespace,
                {k: (("***", "***") if k in secret else v) for k, v in changes.items()},
                user=user,
            )
            generation.bump()
        return changes

    def _validate_together(self, namespace: str, fields: dict, cleaned: dict[str, Any]) -> dict[str, str]:
        """Errors of the fields whose check reads other settings, for the values after this save."""
        values = {**self.values(namespace), **cleaned}
        errors = {}
        for validator in self.schemas[namespace].validators:
            for name, message in (validator(dict(values)) or {}).items():
                target = name if name in cleaned else next(iter(cleaned), name)
                errors.setdefault(target, str(message))
        for name, f in fields.items():
            touched = [key for key in (name, *f.dependencies()) if key in cleaned]
            if not touched:
                continue
            try:
                f.validate_together(values[name], values)
            except SettingError as exc:
                errors[touched[0]] = str(exc)
        return errors


def default_value(f) -> Any:
    """A field's default as read: a fresh list, and a lazily translated text in the current language.

    A plugin may declare ``default=_l("Welcome!")``: readers then get the
    default in the language of the current request (or the desk's default
    language). A value an admin saved is stored as typed and not translated.
    """
    default = f.default
    if isinstance(default, LazyString):
        return str(default)
    return list(default) if isinstance(default, list) else default


class SettingsInvalid(ValueError):
    """Raised by :meth:`SettingsRegistry.set_many`; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def registry() -> SettingsRegistry:
    """The settings registry of the current app."""
    return current_app.extensions["crm_settings"]


def get(full_key: str) -> Any:
    """Read a setting: ``settings.get("support.reply_order")``."""
    return registry().get(full_key)


def set_many(namespace: str, values: dict[str, Any], user=None) -> dict[str, tuple]:
    """Validate, store and audit several settings of a namespace (the caller commits)."""
    return registry().set_many(namespace, values, user=user)


def notify_changed(namespace: str, changes: dict, user=None) -> None:
    """Fire ``crm_settings_changed`` after the commit that stored ``changes``."""
    if changes:
        current_app.extensions["crm"].hook.crm_settings_changed(namespace=namespace, changes=changes, user=user)


class Namespace:
    """Attribute access to one namespace: ``Namespace("support").reply_order``."""

    def __init__(self, namespace: str):
        self._namespace = namespace

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return get(f"{self._namespace}.{key}")
