"""Admin pages: installed plugins and switching them on and off (SPEC H-4)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.admin.views import bp
from crm.extensions import db
from crm.hooks.manager import PluginStateError


def _title(name: str) -> str:
    """A plugin's translated title, for messages."""
    return str(current_app.extensions["crm"].infos[name].title)


@bp.get("/plugins")
def plugins():
    """Every installed plugin with its version, description, requirements and state."""
    host = current_app.extensions["crm"]
    rows = [
        {
            "info": info,
            "enabled": host.is_enabled(name),
            "requires": [host.infos[r].title for r in info.requires],
            "required_by": [i.title for i in host.infos.values() if name in i.requires],
            "blocked_by": _blockers(host, name),
        }
        for name, info in sorted(host.infos.items(), key=lambda item: str(item[1].title).lower())
    ]
    return render_template("crm/admin/plugins.html", rows=rows)


def _blockers(host, name: str) -> list[str]:
    """Titles of the plugins that keep ``name`` in its state: enabled dependants, or disabled requirements."""
    if host.is_enabled(name):
        return [str(i.title) for n, i in host.infos.items() if name in i.requires and host.is_enabled(n)]
    return [str(host.infos[r].title) for r in host.infos[name].requires if not host.is_enabled(r)]


@bp.post("/plugins/<name>/toggle")
def plugin_toggle(name: str):
    """Enable or disable a plugin; refused with a message when a dependency blocks it.

    The form sends the wanted state as ``enabled`` (``1`` or ``0``) so that a
    repeated submission does not flip the plugin back; without it the state flips.
    """
    host = current_app.extensions["crm"]
    if name not in host.infos:
        abort(404)
    wanted = request.form.get("enabled")
    if wanted not in (None, "0", "1"):
        abort(400)
    before = host.is_enabled(name)
    enabled = (not before) if wanted is None else wanted == "1"
    if enabled == before:
        flash(_("Nothing was changed."), "info")
        return redirect(url_for("admin.plugins"))
    user = current_user._get_current_object()
    try:
        host.set_enabled(name, enabled, user=user)
    except PluginStateError as exc:
        db.session.rollback()
        others = ", ".join(_title(o) for o in exc.others)
        if exc.reason == "required_by":
            flash(_("%(plugin)s cannot be disabled while these plugins that need it are enabled: %(others)s.",
                    plugin=_title(name), others=others), "error")
        else:
            flash(_("%(plugin)s cannot be enabled while these plugins it needs are disabled: %(others)s.",
                    plugin=_title(name), others=others), "error")
        return redirect(url_for("admin.plugins"))
    db.session.commit()
    host.hook.crm_plugin_toggled(name=name, enabled=enabled, user=user)
    if enabled:
        flash(_("%(plugin)s is enabled.", plugin=_title(name)), "success")
    else:
        flash(_("%(plugin)s is disabled. Its data is kept.", plugin=_title(name)), "success")
    return redirect(url_for("admin.plugins"))
