"""Sign-in and the permission checks every view uses.

- :mod:`~crm.auth.sessions`: server-side sessions any kind of account can use, ended anywhere at once;
- :mod:`~crm.auth.loading`: who is signed in on this request (Flask-Login's loaders, remember cookies);
- :mod:`~crm.auth.credentials`: a changed password or a deactivation ends an account's sessions and links;
- :mod:`~crm.auth.tokens`: one-time links (password reset, auto-login, email verification);
- :mod:`~crm.auth.attempts`: attempt limits shared by every worker;
- :mod:`~crm.auth.passwords`: password checks that cost the same for every account;
- :mod:`~crm.auth.permissions`: permissions and the view decorators.
"""
from crm.auth.permissions import (  # noqa: F401
    admin_required, has_permission, permission_required, staff_required,
)
