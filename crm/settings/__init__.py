"""Plugin settings: typed schema, database-backed values, generated admin forms."""
from crm.settings.schema import (  # noqa: F401
    Bool, Choice, Colour, Field, File, Int, List, ListField, MultiChoice, OutboundUrl, Secret, Section,
    SettingError, SettingsSchema, Text,
)
from crm.settings.store import Namespace, SettingsInvalid, get, notify_changed, registry, set_many  # noqa: F401
