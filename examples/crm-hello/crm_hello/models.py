"""The hello plugin's table."""
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.people.models import Contact
from crm.timeutil import utcnow


class Greeting(db.Model):
    """A greeting sent to a contact."""

    __tablename__ = "hello_greeting"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("crm_contact.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    contact: Mapped[Contact] = relationship(lazy="joined")
