"""The hello plugin's settings."""
from flask_babel import lazy_gettext as _l

from crm.settings import Bool, Section, SettingsSchema, Text

SETTINGS = SettingsSchema("hello", _l("Hello"), [
    Section("general", _l("Greetings"), [
        Bool("enabled", default=True, label=_l("Greet new customers")),
        Text("greeting", default=_l("Welcome!"), max_length=200, label=_l("Greeting"),
             help=_l("Sent when a customer opens their first ticket.")),
    ]),
])
