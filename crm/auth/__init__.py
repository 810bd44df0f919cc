"""Staff authentication and the permission checks every view uses."""
from crm.auth.permissions import (  # noqa: F401
    admin_required, has_permission, permission_required, staff_required,
)
