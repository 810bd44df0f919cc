"""Demo canned replies in English and Turkish: desk-wide ones, and one for the Billing department."""
from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.people.models import Department
from plugins.support.canned_replies.models import CannedReply, CannedReplyText

REPLIES = [
    ("Thanks for waiting", None, {
        "en": "Hello {customer_name},\n\nthank you for your patience. We are looking into {ticket_number} "
              "and will get back to you shortly.\n\n{agent_name}",
        "tr": "Merhaba {customer_name},\n\nsabrınız için teşekkür ederiz. {ticket_number} numaralı talebinizi "
              "inceliyoruz, kısa süre içinde size döneceğiz.\n\n{agent_name}",
    }),
    ("Solved, anything else?", None, {
        "en": "Hello {customer_name},\n\nwe believe “{ticket_subject}” is solved now. If anything is still "
              "not working, just reply and we will pick it up again.\n\n{agent_name}",
        "tr": "Merhaba {customer_name},\n\n“{ticket_subject}” konusunun çözüldüğünü düşünüyoruz. Hâlâ çalışmayan "
              "bir şey varsa yanıtlamanız yeterli, hemen tekrar ilgileniriz.\n\n{agent_name}",
    }),
    ("Refund issued", "Billing", {
        "en": "Hello {customer_name},\n\nyour refund has been issued. It usually reaches your account within "
              "five working days.\n\n{agent_name}, {department_name}",
        "tr": "Merhaba {customer_name},\n\niadeniz yapıldı. Tutar genellikle beş iş günü içinde hesabınıza "
              "geçer.\n\n{agent_name}, {department_name}",
    }),
]


def add_canned_replies() -> None:
    """Add the demo replies (a department reply only when that department exists)."""
    departments = {d.name: d.id for d in db.session.scalars(select(Department))}
    for position, (title, department, texts) in enumerate(REPLIES):
        if department is not None and department not in departments:
            continue
        reply = CannedReply(title=title, scope="department" if department else "desk",
                            department_id=departments.get(department) if department else None,
                            active=True, position=position)
        reply.texts = [CannedReplyText(language=language, body=body) for language, body in texts.items()]
        db.session.add(reply)
