"""Every hook the host offers to plugins (``crm_*``); plugins add their own specs.

Registration hooks (``crm_register_*``) return records and the host acts on
them at start-up; ``crm_navigation_items`` and ``crm_template_slot`` are asked
at request time; events are named in the past tense and their return values
are ignored. Only enabled plugins' implementations are called.
"""
from __future__ import annotations

from crm.hooks import hookspec


@hookspec
def crm_plugin_info():
    """Describe the plugin; called once per plugin when the app is created.

    :return: a :class:`crm.hooks.records.PluginInfo`. Every plugin must
        implement it; the name must be unique or start-up fails.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_plugin_info():
            return PluginInfo("hello", _l("Hello"), "1.0", requires=("support",))
    """


@hookspec(historic=False)
def crm_add_hookspecs(pm):
    """Let a plugin add its own hook specifications; called once at start-up.

    Called for every installed plugin, enabled or not, before any other hook,
    so that other plugins' implementations are validated against the specs.

    :param pm: the :class:`pluggy.PluginManager`.
    :return: nothing.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_add_hookspecs(pm):
            from crm_hello import hookspecs
            pm.add_hookspecs(hookspecs)
    """


@hookspec
def crm_register_blueprints():
    """Return the plugin's Flask blueprints; called once at start-up.

    The host registers them and answers 404 for every route of a blueprint
    whose plugin is disabled. Name blueprints after the plugin (``support``,
    ``support_admin`` ...) so their owner is known.

    :return: a list of :class:`flask.Blueprint`.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_register_blueprints():
            return [bp]
    """


@hookspec
def crm_register_settings():
    """Return the plugin's settings schema; called once at start-up.

    The namespace must be unique; the admin settings pages are generated
    from it, one per section.

    :return: a :class:`crm.settings.schema.SettingsSchema` or a list of them.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_register_settings():
            return SettingsSchema("hello", _l("Hello"), [
                Section("general", _l("General"), [Bool("greet", default=True, label=_l("Greet"))]),
            ])
    """


@hookspec
def crm_register_permissions():
    """Return the permissions the plugin checks; called once at start-up.

    Names are dotted and start with the plugin's name; duplicates fail
    start-up. Admins grant them to roles on the roles page.

    :return: a list of :class:`crm.hooks.records.Permission`.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_register_permissions():
            return [Permission("hello.greet", _l("Send greetings"), default_roles=("staff",))]
    """


@hookspec
def crm_register_commands():
    """Return click commands to add under ``flask crm``; called once at start-up.

    :return: a list of :class:`click.Command` (a group named after the plugin
        keeps the command line tidy).

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_register_commands():
            return [hello_group]
    """


@hookspec
def crm_register_migrations():
    """Return the folder that holds the plugin's Alembic revisions.

    The folder's first revision carries ``branch_labels=("<plugin>",)`` and
    ``depends_on="crm"``; ``flask crm init`` upgrades every branch to its head.

    :return: an absolute path (str), or None when the plugin has no tables.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_register_migrations():
            return str(Path(__file__).parent / "migrations")
    """


@hookspec
def crm_navigation_items(area, user):
    """Return navigation entries for a page area; called while rendering a page.

    :param area: ``"staff"``, ``"admin"`` or ``"portal"``.
    :param user: the current user (may be anonymous).
    :return: a list of :class:`crm.hooks.records.NavItem`; an item with a
        ``permission`` is shown only to users who hold it.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_navigation_items(area, user):
            if area == "staff":
                return [NavItem("hello", _l("Hello"), "hello.index", order=50)]
    """


@hookspec
def crm_template_slot(name, context):
    """Return markup to insert in a named slot of a page; called while rendering.

    Pages call ``{{ slot("support.ticket.sidebar", ticket=ticket) }}``; the
    results of every enabled plugin are joined in plugin order.

    :param name: the slot's name, e.g. ``"admin.dashboard"``.
    :param context: a dict of the values the page passed.
    :return: a :class:`markupsafe.Markup` string, or None.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_template_slot(name, context):
            if name == "admin.dashboard":
                return Markup("<p>Hello</p>")
    """


@hookspec
def crm_demo_data():
    """Return the steps that fill demo data for ``flask crm demo``.

    Called inside an app context; each step adds rows through the plugin's
    services. Steps run in ``order`` across all plugins; the command commits
    after each step.

    :return: a list of :class:`crm.hooks.records.DemoStep`.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_demo_data():
            return [DemoStep("hello.greetings", add_greetings, order=200)]
    """


@hookspec
def crm_test_factories():
    """Return the test kit's factory methods this plugin adds (``factory.<name>(...)`` in tests).

    Asked by :class:`crm.testing.Factory` when a test calls a method the host
    does not have; only enabled plugins are asked. Each function receives the
    factory first (for its other methods) and must commit what it makes.

    :return: a dict ``{name: function(factory, *args, **kwargs)}``, or None.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_test_factories():
            return {"greeting": lambda factory, text="Hi": greet(text)}
    """


@hookspec
def crm_settings_changed(namespace, changes, user):
    """Event: settings of a namespace were saved (after commit).

    :param namespace: the schema's namespace, e.g. ``"support"``.
    :param changes: dict ``{key: (old, new)}`` of the values that changed.
    :param user: who changed them (None from the command line).
    :return: ignored.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_settings_changed(namespace, changes, user):
            if namespace == "hello":
                cache.clear()
    """


@hookspec
def crm_plugin_toggled(name, enabled, user):
    """Event: an admin enabled or disabled a plugin (after commit).

    Disabled plugins do not receive this event for themselves being disabled;
    they receive it when they are enabled again.

    :param name: the plugin's name.
    :param enabled: the new state.
    :param user: the admin who changed it.
    :return: ignored.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_plugin_toggled(name, enabled, user):
            log.info("%s is now %s", name, "on" if enabled else "off")
    """


@hookspec(firstresult=True)
def crm_locale_for_request():
    """Return the locale for the current request when a plugin knows better.

    Asked after the logged-in user's own preference and before the browser's
    Accept-Language: the portal answers with the portal's language. Stops at
    the first non-None result.

    :return: a locale code such as ``"tr"``, or None.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_locale_for_request():
            if request.blueprint == "portal":
                return g.portal_locale
    """


@hookspec(firstresult=True)
def crm_load_user(user_id):
    """Return the logged-in person for a session id the host does not know.

    The host stores staff as ``"staff:<id>"``; a plugin that logs in other
    people (the portal's contacts, ``"contact:<id>"``) loads them here. Stops
    at the first non-None result.

    :param user_id: the id string kept in the session.
    :return: a Flask-Login user object, or None.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_load_user(user_id):
            if user_id.startswith("contact:"):
                return db.session.get(Contact, int(user_id[8:]))
    """


@hookspec(firstresult=True)
def crm_resolve_site(host):
    """Return the site a plugin serves on a host that is not the desk's own; asked for every such request.

    The host answers only the hosts it is configured for (``CRM_BASE_URL``,
    ``CRM_ALLOWED_HOSTS``) and 400 for any other, unless a plugin claims the
    host here, e.g. the portal for a brand's verified custom domain. The
    answer becomes :func:`crm.sites.current_site` for the request; build
    links to it with :func:`crm.sites.external_url` (``site=...``). Stops at
    the first non-None result. It runs before routing on every request to
    such a host, so answer from a cache.

    :param host: the request's host name, lower case, without port
        (``"support.acme.example"``).
    :return: a :class:`crm.sites.Site` whose ``base_url`` is the site's public
        address, or None when the plugin does not serve that host.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_resolve_site(host):
            brand = verified_domains().get(host)
            if brand is not None:
                return Site(f"portal:{brand.slug}", f"https://{host}")
    """


@hookspec
def crm_notification_kinds():
    """Return the kinds of in-app notification the plugin sends; called once at start-up.

    A notification is stored as its kind and JSON parameters, never as text:
    the renderer words it in the reader's language each time it is shown.
    Kinds are named after the plugin (``support.ticket_assigned``); a kind
    declared twice fails start-up. Notifications of a disabled plugin are
    kept and shown with a generic text. Send them with
    :func:`crm.notify.inapp.notify`.

    :return: a dict ``{kind: render}`` where ``render(params) -> str`` is
        called at request time (use ``gettext``, not ``lazy_gettext``).

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_notification_kinds():
            return {"hello.greeted": lambda params: _("%(name)s greeted you", name=params["name"])}
    """


@hookspec
def crm_upload_limit():
    """Return the largest request body (in bytes) the plugin's forms accept under the current settings.

    Called at the start of every request that may carry a body, before the
    body is read; the largest answer of the enabled plugins becomes the
    request's limit (``MAX_CONTENT_LENGTH`` when none answers). A larger
    request gets 413. Keep it cheap (read cached settings).

    :return: an ``int`` of bytes, or ``None`` for no opinion.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_upload_limit():
            return settings.get("hello.max_files") * settings.get("hello.max_mb") * 1024 * 1024 + 2 * 1024 * 1024
    """


@hookspec
def crm_audit_labels():
    """Return readable labels for the audit entries the plugin records; called when the log is first shown.

    The audit log shows each action, object type, changed field and value by
    these labels in the reader's language; what no plugin labels is shown as
    recorded. Settings need nothing here: their schema labels are used.

    :return: a dict with any of ``"actions"`` (``{action code: label}``),
        ``"object_types"`` (``{object type: label}``), ``"fields"``
        (``{"object_type.field": label}``), labels being ``lazy_gettext``
        strings, and ``"values"`` (``{"object_type.field": render}`` where
        ``render(recorded value) -> str`` is called at request time).

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_audit_labels():
            return {"actions": {"hello.greeted": _l("Greeted")},
                    "fields": {"greeting.mood": _l("Mood")},
                    "values": {"greeting.mood": lambda key: MOODS.get(key, key)}}
    """


@hookspec
def crm_person_references(kind, record):
    """Return what of the plugin's data uses a person record that is about to be deleted.

    Asked before a department, company, contact or staff user is deleted, of
    every installed plugin, enabled or not (a disabled plugin's data is
    kept). The delete is refused, with each message, while any count is
    above 0; the host knows nothing of what the records are.

    :param kind: ``"department"``, ``"company"``, ``"contact"`` or ``"user"``.
    :param record: the :class:`crm.people.models.Department`, ``Company``,
        ``Contact`` or ``User``.
    :return: a list of :class:`crm.hooks.records.PersonReference` (a count,
        a localized sentence naming it, and whether
        ``crm_person_reassign`` can move them), or None.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_person_references(kind, record):
            if kind == "department":
                n = count_projects(department_id=record.id)
                return [PersonReference(n, ngettext("%(num)d project uses this department.",
                                                    "%(num)d projects use this department.", n), movable=True)]
    """


@hookspec
def crm_person_reassign(kind, record, target, actor):
    """Move the plugin's records that use ``record`` to ``target``, before ``record`` is deleted.

    Called when an admin deletes a person record and chooses where its
    records go (the departments page offers it when every reference is
    ``movable``), of every installed plugin, enabled or not. Work in the
    current transaction and do not commit: the host deletes ``record`` and
    commits, or rolls everything back. The references are asked again
    afterwards, so a plugin that moves nothing keeps the delete refused.

    :param kind: ``"department"``, ``"company"``, ``"contact"`` or ``"user"``.
    :param record: the record that will be deleted.
    :param target: another record of the same kind.
    :param actor: the admin who asked (for the plugin's history), or None.
    :return: how many records moved (int), or None.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def crm_person_reassign(kind, record, target, actor):
            if kind == "department":
                return move_projects(record.id, target.id)
    """


@hookspec
def crm_data_fields(subject, place, context):
    """Return the data fields the plugin adds to ``subject`` at ``place``; asked each time a page is built.

    Pages that show, edit, list, filter or export a record ask it through
    :func:`crm.fields.data_fields`, add the editable fields to their own form
    (validated by that form), show the others read-only, and load and save
    values through each field's :class:`crm.fields.ValueStore` (one query per
    store for a whole page). Only enabled plugins are asked, so a disabled
    plugin's fields disappear while its stored values stay. Keep it cheap: it
    runs on every page that shows the subject.

    :param subject: what the record is, a string defined by the plugin that
        shows it: ``"ticket"``, ``"contact"`` (a customer's profile) or
        ``"topic"`` (a support topic's settings).
    :param place: where it is shown: for tickets ``staff_new``,
        ``staff_ticket``, ``staff_list``, ``export``, ``portal_new``,
        ``public_form``, ``portal_ticket``; for contacts ``portal_profile``,
        ``staff_contact``; for topics ``topic_settings``.
    :param context: a dict of what the page knows, e.g. ``{"topic": Topic
        or None, "viewer": actor, "ticket": Ticket or None}`` (``contact``
        for contacts, ``topic`` for topics).
    :return: a list of :class:`crm.fields.DataField`, or None. A name given
        twice (by any plugin) keeps the first.

    .. versionadded:: 0.2

    Example::

        @hookimpl
        def crm_data_fields(subject, place, context):
            if subject == "ticket" and place in ("portal_new", "staff_ticket"):
                return [DataField("hello_order", _("Order number"),
                                  lambda: StringField(_l("Order number"), [Optional(), Length(max=40)]),
                                  STORE, section=_("Additional information"))]
    """
