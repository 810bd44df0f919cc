"""Single sign-on into a portal (P-9): the company's site signs a JWT and the portal signs the customer in.

The company's site sends the customer to ``/portal/<slug>/sso?jwt=<token>``
(on a verified custom domain: ``/sso?jwt=...``). The token is checked by
PyJWT:

- algorithm HS256 only, with the portal's shared secret (``alg: none`` and
  every other algorithm are refused);
- ``exp``, ``iat``, ``jti`` and ``email`` are required; ``iat`` may not lie
  in the future nor more than :data:`MAX_AGE` in the past, and a clock skew
  of :data:`LEEWAY` is allowed;
- ``jti`` works once per portal: a row with a unique key (:class:`SsoNonce`)
  records it, so a replayed token is refused however many requests race.

Optional claims: ``name``, ``external_id``, ``company`` (a company name; the
company is created when the desk does not know it), ``locale`` and
``return_to`` (a path of the portal to open afterwards).

The customer is found by ``external_id`` first, then by email; found or
created, the contact takes the token's name, email, external id and
company. The email address counts as verified: the company's site vouches
for it.

A portal may also send its login and registration pages to the company's own
login page (``remote_login_url`` with ``remote_only``), so customers sign in
only there.

The shared secret is kept in the database (it must be read to check
signatures); the admin page shows it once, when it is made.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import jwt
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, UniqueConstraint, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from crm import audit
from crm.extensions import db
from crm.people.models import Company, Contact
from crm.timeutil import utcnow

ALGORITHM = "HS256"
LEEWAY = timedelta(seconds=10)
MAX_AGE = timedelta(minutes=5)  # how old ``iat`` may be; nonces are kept a little longer
TOKEN_MAX = 8192
SECRET_BYTES = 32
NAME_MAX, EXTERNAL_ID_MAX, COMPANY_MAX, URL_MAX = 200, 120, 200, 500


class PortalSso(db.Model):
    """A portal's single sign-on: its shared secret and the company's own login page."""

    __tablename__ = "portal_sso"
    brand_id: Mapped[int] = mapped_column(ForeignKey("portal_site.brand_id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False)
    secret: Mapped[str] = mapped_column(db.String(100), default="")
    remote_login_url: Mapped[str] = mapped_column(db.String(URL_MAX), default="")
    remote_only: Mapped[bool] = mapped_column(default=False)
    secret_set_at: Mapped[datetime | None] = mapped_column()


class SsoNonce(db.Model):
    """A token id (``jti``) already used on a portal; the unique key makes each token work once."""

    __tablename__ = "portal_sso_nonce"
    __table_args__ = (UniqueConstraint("brand_id", "jti"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("portal_site.brand_id", ondelete="CASCADE"))
    jti: Mapped[str] = mapped_column(db.String(200))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SsoError(ValueError):
    """A token that does not sign anyone in; ``str(err)`` is the translated reason. Nothing was stored."""


@dataclass(frozen=True)
class SsoIdentity:
    """Who a valid token names."""

    email: str
    name: str
    external_id: str | None
    company: str | None
    locale: str | None
    return_to: str | None


def config_of(site) -> PortalSso | None:
    """The portal's SSO row, or None when it was never set up."""
    return db.session.get(PortalSso, site.brand_id)


def enabled(site) -> bool:
    """Whether the portal accepts tokens (it has a secret)."""
    row = config_of(site)
    return row is not None and bool(row.secret)


def remote_login_url(site) -> str | None:
    """The company's login page when the portal sends customers there instead of its own pages, else None.

    Portal login and registration pages redirect to it (see :mod:`plugins.portal.sso_views`).
    """
    row = config_of(site)
    if row is not None and row.remote_only and row.remote_login_url:
        return row.remote_login_url
    return None


def _row(site) -> PortalSso:
    row = config_of(site)
    if row is None:
        row = PortalSso(brand_id=site.brand_id, secret="", remote_login_url="", remote_only=False)
        db.session.add(row)
    return row


def new_secret(site, user=None) -> str:
    """Make and store a new shared secret for ``site`` and return it (shown once); the caller commits."""
    row = _row(site)
    row.secret = secrets.token_urlsafe(SECRET_BYTES)
    row.secret_set_at = utcnow()
    audit.record("portal.sso.secret_changed", "portal", site.slug, {"secret": (None, "***")}, user=user)
    return row.secret


def turn_off(site, user=None) -> None:
    """Forget the secret: tokens stop working and the portal's own login pages return; the caller commits."""
    row = _row(site)
    row.secret, row.secret_set_at, row.remote_only = "", None, False
    audit.record("portal.sso.disabled", "portal", site.slug, {"secret": ("***", None)}, user=user)


def masked(site) -> str:
    """The secret as the admin page shows it after it was made: its last four characters."""
    row = config_of(site)
    if row is None or not row.secret:
        return ""
    return "…" + row.secret[-4:]


def check_remote_login_url(url: str) -> str:
    """An https (or http) address for the company's login page; :class:`SsoError` otherwise."""
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if len(url) > URL_MAX or parts.scheme not in ("https", "http") or not parts.hostname \
            or any(c.isspace() or ord(c) < 32 for c in url):
        raise SsoError(_("Enter an address starting with https://."))
    return url


def save_remote_login(site, url: str, remote_only: bool, user=None) -> None:
    """Set the company's login page and whether the portal's own login pages send customers there.

    :raises SsoError: for a bad address, or ``remote_only`` without an address (nothing changes).
    The caller commits.
    """
    url = check_remote_login_url(url)
    if remote_only and not url:
        raise SsoError(_("Enter the company's login page to send customers there."))
    row = _row(site)
    changes = {}
    if row.remote_login_url != url:
        changes["remote_login_url"] = (row.remote_login_url or None, url or None)
    if row.remote_only != remote_only:
        changes["remote_only"] = (row.remote_only, remote_only)
    row.remote_login_url, row.remote_only = url, remote_only
    if changes:
        audit.record("portal.sso.updated", "portal", site.slug, changes, user=user)


def _text(claims: dict, name: str, limit: int) -> str | None:
    value = claims.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit or any(ord(c) < 32 for c in value):
        raise SsoError(_("The sign-in token is not valid."))
    return " ".join(value.split()) or None


def read_token(site, token: str) -> tuple[SsoIdentity, dict]:
    """Check a token's signature and claims (not yet its single use); :class:`SsoError` when it is refused."""
    from crm.people.services import normalize_email

    row = config_of(site)
    if row is None or not row.secret:
        raise SsoError(_("Single sign-on is not set up for this portal."))
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        raise SsoError(_("The sign-in token is not valid."))
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise SsoError(_("The sign-in token is not valid."))
        claims = jwt.decode(token, row.secret, algorithms=[ALGORITHM], leeway=LEEWAY,
                            options={"require": ["exp", "iat", "jti"], "verify_aud": False})
    except jwt.ExpiredSignatureError:
        raise SsoError(_("The sign-in token has expired. Sign in again on the company's site.")) from None
    except jwt.PyJWTError:
        raise SsoError(_("The sign-in token is not valid.")) from None
    now = datetime.now(timezone.utc)
    issued = datetime.fromtimestamp(claims["iat"], timezone.utc)
    if issued < now - MAX_AGE - LEEWAY:
        raise SsoError(_("The sign-in token has expired. Sign in again on the company's site."))
    jti = claims["jti"]
    if not isinstance(jti, str) or not 0 < len(jti) <= 200:
        raise SsoError(_("The sign-in token is not valid."))
    email = claims.get("email")
    try:
        email = normalize_email(validate_email(email, check_deliverability=False).normalized) \
            if isinstance(email, str) and len(email) <= 254 else None
    except EmailNotValidError:
        email = None
    if not email:
        raise SsoError(_("The sign-in token names no valid email address."))
    name = _text(claims, "name", NAME_MAX) or email.split("@")[0]
    external_id = _text(claims, "external_id", EXTERNAL_ID_MAX)
    company = _text(claims, "company", COMPANY_MAX)
    from crm.i18n import languages

    locale = claims.get("locale") if claims.get("locale") in languages() else None  # others are ignored
    return_to = claims.get("return_to") if isinstance(claims.get("return_to"), str) else None
    return SsoIdentity(email, name, external_id, company, locale, return_to), claims


def _use_nonce(site, jti: str, expires: datetime) -> None:
    db.session.execute(delete(SsoNonce).where(SsoNonce.expires_at < utcnow()))
    try:
        with db.session.begin_nested():
            db.session.add(SsoNonce(brand_id=site.brand_id, jti=jti, expires_at=expires))
    except IntegrityError:
        raise SsoError(_("This sign-in token was already used. Sign in again on the company's site.")) from None


def _company(name: str | None) -> Company | None:
    if not name:
        return None
    found = db.session.scalar(select(Company).where(func.lower(Company.name) == name.lower())
                              .order_by(Company.id).limit(1))
    if found is None:
        found = Company(name=name)
        db.session.add(found)
        db.session.flush()
        audit.record("company.created", "company", found.id, {"name": (None, name)}, user=None)
    return found


def _contact(identity: SsoIdentity) -> Contact:
    by_id = db.session.scalar(select(Contact).where(Contact.external_id == identity.external_id)
                              .order_by(Contact.id).limit(1)) if identity.external_id else None
    by_email = db.session.scalar(select(Contact).where(func.lower(Contact.email) == identity.email))
    if by_id is not None and by_email is not None and by_id.id != by_email.id:
        raise SsoError(_("Another customer already uses this email address."))
    contact = by_id or by_email
    company = _company(identity.company)
    if contact is None:
        contact = Contact(email=identity.email, name=identity.name, external_id=identity.external_id,
                          company_id=company.id if company else None, locale=identity.locale)
        db.session.add(contact)
        db.session.flush()
        audit.record("contact.created", "contact", contact.id, {"email": (None, identity.email)}, user=None)
        return contact
    changes = {}
    wanted = {"name": identity.name, "email": identity.email}
    if identity.external_id:
        wanted["external_id"] = identity.external_id
    if company is not None:
        wanted["company_id"] = company.id
    for field, value in wanted.items():
        if getattr(contact, field) != value:
            changes[field] = (getattr(contact, field), value)
            setattr(contact, field, value)
    if changes:
        audit.record("contact.updated", "contact", contact.id, changes, user=None)
    return contact


def sign_in_with_token(site, token: str):
    """Check ``token``, use up its ``jti``, create or update the contact and its portal account.

    :return: ``(CustomerUser, return_to)``; the caller starts the session and commits.
    :raises SsoError: for any refused token or conflicting contact (roll back: nothing is stored).
    """
    from plugins.portal.customers import customer_by_contact_id
    from plugins.portal.models import PortalAccount

    identity, claims = read_token(site, token)
    # after iat + MAX_AGE the token is refused for its age anyway: its nonce need not be kept longer
    _use_nonce(site, claims["jti"], datetime.fromtimestamp(claims["iat"], timezone.utc).replace(tzinfo=None)
               + MAX_AGE + 2 * LEEWAY)
    contact = _contact(identity)
    if not contact.active:
        raise SsoError(_("This account is switched off. Contact support."))
    account = db.session.get(PortalAccount, contact.id)
    now = utcnow()
    if account is None:
        account = PortalAccount(contact_id=contact.id, brand_id=site.brand_id, registered_at=now,
                                email_verified_at=now, website_url="", linkedin_url="", twitter_url="")
        db.session.add(account)
    elif account.email_verified_at is None:
        account.email_verified_at = now
    db.session.flush()
    customer = customer_by_contact_id(contact.id)
    if customer is None:
        raise SsoError(_("The sign-in token is not valid."))
    return customer, identity.return_to
