"""Signing in through the login form, as the browser tests' users do."""
from __future__ import annotations

from crm.testing import PASSWORD


def sign_in(page, user, password: str = PASSWORD) -> None:
    """Sign ``user`` (a user row or an email address) in and wait until the login page is left."""
    page.goto("/login")
    page.fill("input[name=email]", getattr(user, "email", user))
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
