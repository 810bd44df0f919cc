"""A test client whose requests are isolated from the test body, and signing in through the real login form."""
from __future__ import annotations

from flask import g, has_app_context
from flask.testing import FlaskClient

from crm.extensions import db

PASSWORD = "correct horse battery"
"""The password :class:`crm.testing.Factory` gives every account it makes."""


class IsolatedClient(FlaskClient):
    """A test client whose requests see the database and ``flask.g`` as a separate client would.

    The ``app`` fixture keeps an app context open for the test body, and a
    request made inside it would reuse that context: the same ``g`` (the
    logged-in user, the locale, per-request caches) and the same database
    session, so an assertion could read an object the request changed in
    the shared identity map instead of what was stored. Instead, before each
    request (a followed redirect included) the test's session is committed:
    what the test prepared becomes visible to the request, and the test's
    transaction ends, so SQLite is not locked and the test's objects are
    expired. The request then runs in a fresh app context, so it gets its
    own ``g`` and its own database session, removed when the request ends.
    Afterwards the test reads fresh rows, and the test's ``g`` is emptied so
    nothing the test cached there outlives a change the request made.
    """

    def __enter__(self):
        """``with client:`` (as pytest-flask's ``client`` fixture does) keeps no request context either."""
        return self

    def __exit__(self, *exc_info):
        return None

    def run_wsgi_app(self, environ, buffered=False):
        """Run one request in a fresh app context, after committing the test's session."""
        _end_test_transaction()
        _clear_g()
        try:
            with self.application.app_context():
                return super().run_wsgi_app(environ, buffered=buffered)
        finally:
            _clear_g()


def _end_test_transaction():
    """Commit the test body's session, if there is one, so a request sees what the test prepared."""
    if has_app_context():
        db.session.commit()


def _clear_g():
    if has_app_context():
        for name in list(g):
            g.pop(name, None)


class Auth:
    """Signs a test client in and out through the real login form.

    ``auth.login(user)`` signs in the ``client`` fixture; ``auth.client_for(user)``
    returns a new client signed in as ``user``, so one test can act as several people.
    """

    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password=PASSWORD, client=None):
        """Sign in with the login form; asserts that it succeeded and returns the response."""
        email = getattr(user_or_email, "email", user_or_email)
        response = (client or self.client).post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def client_for(self, user_or_email, password=PASSWORD):
        """A new test client of the same app, signed in as ``user_or_email``."""
        other = self.client.application.test_client()
        self.login(user_or_email, password, client=other)
        return other

    def logout(self, client=None):
        """Sign out through the logout form."""
        return (client or self.client).post("/logout")
