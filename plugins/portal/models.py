"""The portal's tables: one portal site per brand, and the portal data of customers who sign in."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.timeutil import utcnow
from plugins.support.models import Brand

DOMAIN_STATES = ("none", "pending", "valid")


class PortalSite(db.Model):
    """A brand's portal: reachable at ``/portal/<slug>/`` and, once verified, at the root of ``custom_domain``.

    One row per brand, created on demand (:func:`plugins.portal.sites.site_for_brand`).
    """

    __tablename__ = "portal_site"
    brand_id: Mapped[int] = mapped_column(ForeignKey("support_brand.id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False)
    slug: Mapped[str] = mapped_column(db.String(63), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    registration_open: Mapped[bool] = mapped_column(default=True)
    custom_domain: Mapped[str | None] = mapped_column(db.String(253), unique=True)
    domain_state: Mapped[str] = mapped_column(db.String(10), default="none")
    domain_checked_at: Mapped[datetime | None] = mapped_column()

    brand: Mapped[Brand] = relationship(lazy="joined")


class PortalAccount(db.Model):
    """What the portal keeps about a contact who signs in; the password and profile live on the contact.

    ``email_verified_at`` is set when the customer follows the verification
    link; until then they cannot sign in and do not see tickets opened by
    their address before they registered.
    """

    __tablename__ = "portal_account"
    contact_id: Mapped[int] = mapped_column(ForeignKey("crm_contact.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("support_brand.id", ondelete="SET NULL"))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    email_verified_at: Mapped[datetime | None] = mapped_column()
    password_changed_at: Mapped[datetime | None] = mapped_column()
    avatar_key: Mapped[str | None] = mapped_column(db.String(400))
    website_url: Mapped[str] = mapped_column(db.String(300), default="")
    linkedin_url: Mapped[str] = mapped_column(db.String(300), default="")
    twitter_url: Mapped[str] = mapped_column(db.String(300), default="")


__all__ = ["DOMAIN_STATES", "PortalAccount", "PortalSite"]
