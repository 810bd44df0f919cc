"""The portal's settings schema (SPEC P-2, P-5, P-8)."""
from flask_babel import lazy_gettext as _l

from crm.settings import Bool, Int, MultiChoice, Section, SettingsSchema

TICKET_PARAMETERS = (
    ("department", _l("Department")), ("priority", _l("Priority")), ("assignee", _l("Assignee")),
    ("status", _l("Status")), ("topic", _l("Topic")), ("brand", _l("Brand")), ("created", _l("Created")),
)
CUSTOMER_EDITABLE = (("priority", _l("Priority")), ("topic", _l("Topic")))

SETTINGS = SettingsSchema("portal", _l("Customer portal"), [
    Section("general", _l("Customer portal"), [
        Bool("public_form_enabled", default=False, label=_l("Public support form"),
             help=_l("Anyone may open a ticket from the portal without an account, with name, email, "
                     "topic and message.")),
        Int("public_form_per_hour", default=10, min=1, max=1000,
            label=_l("Public form submissions per address and hour")),
        Int("auto_login_days", default=7, min=1, max=90, label=_l("Auto-login links expire after (days)"),
            help=_l("Emails about a ticket carry a link that signs the customer in once and opens the ticket.")),
        Bool("company_wide", default=False, label=_l("Customers see their company's tickets"),
             help=_l("A customer of a company sees and answers every ticket of that company, "
                     "not only their own.")),
    ]),
    Section("tickets", _l("Ticket page"), [
        MultiChoice("ticket_parameters", default=["department", "priority", "assignee"],
                    choices=TICKET_PARAMETERS, label=_l("Ticket parameters customers see")),
        MultiChoice("editable_parameters", default=[], choices=CUSTOMER_EDITABLE,
                    label=_l("Ticket parameters customers may change"),
                    help=_l("Only parameters that are also shown can be changed.")),
    ]),
])
