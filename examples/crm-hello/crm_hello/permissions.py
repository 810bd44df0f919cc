"""The hello plugin's permissions."""
from flask_babel import lazy_gettext as _l

from crm import Permission

GREET = "hello.greet"
PERMISSIONS = [
    Permission(GREET, _l("See greetings"), _l("Open the list of greetings sent."), default_roles=("staff",)),
]
