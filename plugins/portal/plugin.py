"""Portal plugin: hook implementations (the entry point's target)."""
from flask_babel import lazy_gettext as _l

from crm import PluginInfo, hookimpl


@hookimpl
def crm_plugin_info():
    return PluginInfo("portal", _l("Customer portal"), "0.1.0",
                      _l("Branded, localized portal and public support form for customers."), requires=("support",))


@hookimpl
def crm_register_settings():
    from plugins.portal.settings import SETTINGS

    return SETTINGS


@hookimpl
def crm_register_blueprints():
    from plugins.portal import models  # noqa: F401 (tables)
    from plugins.portal.views import blueprints

    return blueprints()


@hookimpl
def crm_register_migrations():
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "migrations")


@hookimpl
def crm_resolve_site(host):
    """A brand's verified custom domain is served as that brand's portal."""
    from plugins.portal.sites import resolve_host

    return resolve_host(host)


@hookimpl
def crm_load_user(user_id):
    """Customers sign in as ``customer:<contact id>``."""
    from plugins.portal.customers import load_customer

    return load_customer(user_id)


@hookimpl
def crm_locale_for_request():
    """On portal pages, before a customer signs in: the portal's language chosen with ``?lang=``."""
    from plugins.portal.customers import chosen_locale

    return chosen_locale()


@hookimpl
def support_customer_ticket_url(ticket):
    """The ticket's page on its brand's portal; in emails, an auto-login link to it."""
    from plugins.portal.links import customer_ticket_url

    return customer_ticket_url(ticket)



@hookimpl
def crm_register_commands():
    from plugins.portal.commands import portal_group

    return [portal_group]


@hookimpl
def crm_navigation_items(area, user):
    if area == "admin":
        from crm import NavItem

        return [NavItem("portal.portals", _l("Portals"), "portal_admin.index", order=120)]
    return None


@hookimpl
def crm_template_slot(name, context):
    """Branding on portal pages: stylesheet and favicon, links under login and signup, the form's title and note."""
    from plugins.portal import branding_views

    slots = {"portal.head": branding_views.head_slot, "portal.login.links": branding_views.links_slot,
             "portal.public_form": branding_views.form_slot}
    render = slots.get(name)
    return render(context.get("site")) if render is not None else None
