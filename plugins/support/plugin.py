"""Support plugin: hook implementations (the entry point's target)."""
from flask_babel import lazy_gettext as _l

from crm import DemoStep, NavItem, PluginInfo, hookimpl


@hookimpl
def crm_plugin_info():
    return PluginInfo("support", _l("Support"), "0.1.0",
                      _l("Tickets worked by staff in departments, with every support setting."))


@hookimpl
def crm_add_hookspecs(pm):
    from plugins.support import hookspecs

    pm.add_hookspecs(hookspecs)


@hookimpl
def crm_register_settings():
    from plugins.support.settings import SETTINGS

    return SETTINGS


@hookimpl
def crm_register_permissions():
    from plugins.support.permissions import PERMISSIONS

    return PERMISSIONS


@hookimpl
def crm_register_blueprints():
    from plugins.support import models, search, topics  # noqa: F401 (tables and their search DDL)
    from plugins.support.canned_replies import models as canned_models  # noqa: F401 (tables)
    from plugins.support.views import blueprints, canned_insert, tag_suggestions  # noqa: F401 (add routes)
    from plugins.support.views.canned_replies import canned_admin_bp

    return blueprints() + [canned_admin_bp]


@hookimpl
def crm_upload_limit():
    """The request size a reply with every allowed attachment needs (follows the attachment settings)."""
    from plugins.support.upload_limit import request_limit

    return request_limit()


@hookimpl
def crm_audit_labels():
    """Readable labels for the support entries of the audit log."""
    from plugins.support.audit_labels import labels

    return labels()


@hookimpl
def crm_notification_kinds():
    from plugins.support.notifications import kinds

    return kinds()


@hookimpl
def crm_navigation_items(area, user):
    if area == "staff":
        from plugins.support.access import may_use_desk

        if may_use_desk(user):
            return [NavItem("support.tickets", _l("Tickets"), "support.tickets", order=10)]
        return None
    if area == "admin":
        return [
            NavItem("support.statuses", _l("Ticket statuses"), "support_admin.statuses", order=110),
            NavItem("support.priorities", _l("Ticket priorities"), "support_admin.priorities", order=111),
            NavItem("support.brands", _l("Brands"), "support_admin.brands", order=112),
            NavItem("support.services", _l("Services"), "support_admin.services", order=113),
            NavItem("support.topics", _l("Topics"), "support_admin.topics", order=114),
            NavItem("support.canned_replies", _l("Canned replies"), "support_canned_admin.index", order=115,
                    permission="support.canned_replies.manage"),
        ]
    return None


@hookimpl
def crm_test_factories():
    from plugins.support import testing

    return {"ticket": testing.ticket}


@hookimpl
def crm_demo_data():
    from plugins.support import demo
    from plugins.support.canned_replies import demo as canned_demo

    return [DemoStep("support.lookups", demo.add_lookups, order=100),
            DemoStep("support.tickets", demo.add_tickets, order=110),
            DemoStep("support.canned_replies", canned_demo.add_canned_replies, order=120)]


@hookimpl
def crm_register_migrations():
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "migrations")


@hookimpl
def crm_person_references(kind, record):
    from plugins.support.references import references

    return references(kind, record)


@hookimpl
def crm_person_reassign(kind, record, target, actor):
    from plugins.support.references import reassign

    return reassign(kind, record, target, actor=actor)


@hookimpl
def crm_template_slot(name, context):
    if name == "admin.company" and context.get("company") is not None:
        from flask_login import current_user

        if getattr(current_user, "is_staff_user", False) and current_user.is_admin:
            from markupsafe import Markup

            from plugins.support.views.topic_admin import company_slot

            return Markup(company_slot(context["company"]))
    return None
