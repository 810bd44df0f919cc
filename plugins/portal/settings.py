"""The portal's settings schema (SPEC P-2, P-8)."""
from flask_babel import lazy_gettext as _l

from crm.settings import Bool, Int, Section, SettingsSchema

SETTINGS = SettingsSchema("portal", _l("Customer portal"), [
    Section("general", _l("Customer portal"), [
        Bool("public_form_enabled", default=False, label=_l("Public support form"),
             help=_l("Anyone may open a ticket from the portal without an account, with name, email, "
                     "topic and message.")),
        Int("public_form_per_hour", default=10, min=1, max=1000,
            label=_l("Public form submissions per address and hour")),
        Int("auto_login_days", default=7, min=1, max=90, label=_l("Auto-login links expire after (days)"),
            help=_l("Emails about a ticket carry a link that signs the customer in once and opens the ticket.")),
    ]),
])
