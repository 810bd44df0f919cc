"""Admin pages: settings pages generated from every enabled plugin's schema (SPEC H-5, H-6)."""
from __future__ import annotations

import os

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from crm import settings
from crm.admin.views import bp
from crm.extensions import db
from crm.hooks.manager import HOST
from crm.settings.forms import section_form
from crm.settings.schema import SettingsSchema
from crm.storage import send_stored_file, storage


def visible_schemas() -> list[SettingsSchema]:
    """The schemas of the host and the enabled plugins: the host's first, then by label."""
    registry = settings.registry()
    host = current_app.extensions["crm"]
    schemas = [s for ns, s in registry.schemas.items() if host.is_enabled(registry.owner[ns])]
    return sorted(schemas, key=lambda s: (registry.owner[s.namespace] != HOST, str(s.label).lower()))


def _schema_or_404(namespace: str) -> SettingsSchema:
    """A visible schema; unknown namespaces and disabled plugins' namespaces answer 404."""
    registry = settings.registry()
    schema = registry.schemas.get(namespace)
    if schema is None or not current_app.extensions["crm"].is_enabled(registry.owner[namespace]):
        abort(404)
    return schema


def file_display_name(key: str | None) -> str:
    """The uploaded name of a stored file, without the storage key's folders and random part."""
    if not key:
        return ""
    name = os.path.basename(key)
    _token, sep, rest = name.partition("-")
    return rest if sep and rest else name


@bp.get("/settings")
def settings_index():
    """Every settings namespace the admin can edit, with its sections."""
    return render_template("crm/admin/settings_index.html", schemas=visible_schemas())


@bp.get("/settings/<namespace>")
def settings_namespace(namespace: str):
    """A namespace's first section."""
    schema = _schema_or_404(namespace)
    if not schema.sections:
        abort(404)
    return redirect(url_for("admin.settings_section", namespace=namespace, section=schema.sections[0].name))


@bp.route("/settings/<namespace>/<section>", methods=["GET", "POST"])
def settings_section(namespace: str, section: str):
    """One section's generated form: defaults → form → validate → save → flash → redirect."""
    schema = _schema_or_404(namespace)
    current = schema.section(section)
    if current is None:
        abort(404)
    values = settings.registry().values(namespace)
    form = section_form(current, values)
    if form.validate_on_submit():
        saved = _save(namespace, form, values)
        if saved is not None:
            if saved:
                flash(_("The settings were saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("admin.settings_section", namespace=namespace, section=section))
    elif form.is_submitted():
        flash(_("Nothing was saved: correct the fields marked below."), "error")
    return render_template(
        "crm/admin/settings_section.html", schema=schema, section=current, form=form, values=values,
        file_name=file_display_name, schemas=visible_schemas(),
    )


def _save(namespace: str, form, values: dict) -> dict | None:
    """Store uploads, save the values and fire the event; None (with field errors) when refused."""
    submitted = form.cleaned_values()
    new_files = []
    try:
        for key, value in submitted.items():
            if isinstance(value, FileStorage):
                submitted[key] = storage().save(value.stream, value.filename, prefix=f"settings/{namespace}")
                new_files.append(submitted[key])
    except OSError:
        current_app.logger.exception("storing a settings file failed")
        _discard(new_files)
        form.add_errors({key: _("The file could not be stored. Please try again.")})
        return None
    try:
        changes = settings.set_many(namespace, submitted, user=current_user._get_current_object())
        db.session.commit()
    except settings.SettingsInvalid as exc:
        db.session.rollback()
        _discard(new_files)
        form.add_errors(exc.errors)
        flash(_("Nothing was saved: correct the fields marked below."), "error")
        return None
    fields = settings.registry().schemas[namespace].fields()
    _discard([old for key, (old, _new) in changes.items() if fields[key].kind == "file" and old])
    _discard([key for key in new_files if key not in {new for _old, new in changes.values()}])
    settings.notify_changed(namespace, changes, user=current_user._get_current_object())
    return changes


def _discard(keys: list[str]) -> None:
    for key in keys:
        storage().delete(key)


@bp.get("/settings/<namespace>/files/<key>")
def settings_file(namespace: str, key: str):
    """Download the file stored in a file setting (admins only, always as an attachment)."""
    schema = _schema_or_404(namespace)
    setting = schema.fields().get(key)
    if setting is None or setting.kind != "file":
        abort(404)
    stored = settings.get(f"{namespace}.{key}")
    if not stored:
        abort(404)
    return send_stored_file(stored, file_display_name(stored))
