"""Demo tickets read like real conversations: a customer question, a different staff answer, in the customer's
language, on the ticket's topic."""
from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.people.models import Contact
from plugins.support import demo
from plugins.support.demo_conversations import CONVERSATIONS
from plugins.support.models import Post, Ticket, Topic

TURKISH_LETTERS = set("çğışöüÇĞİŞÖÜ")


def _fill():
    from crm import demo as host_demo

    host_demo.host_people()
    db.session.commit()
    demo.add_lookups()
    db.session.commit()
    demo.add_tickets(count=60)
    db.session.commit()


def test_every_topic_has_a_conversation_in_both_languages():
    topics = {name for name, _dep in demo.TOPICS}
    for topic in topics:
        for locale in ("en", "tr"):
            assert CONVERSATIONS.get((topic, locale)), (topic, locale)


def test_demo_conversations_answer_the_question_in_the_customers_language(app):
    _fill()
    topics = {t.id: t.name for t in db.session.scalars(select(Topic))}
    locales = {c.id: c.locale or "en" for c in db.session.scalars(select(Contact))}
    for ticket in db.session.scalars(select(Ticket)):
        posts = list(db.session.scalars(select(Post).where(Post.ticket_id == ticket.id).order_by(Post.created_at, Post.id)))
        assert posts[0].kind == "customer_message"
        replies = [p for p in posts if p.kind == "public_reply"]
        assert replies and replies[0].body_text != posts[0].body_text
        locale = locales[ticket.contact_id]
        scripts = CONVERSATIONS.get((topics[ticket.topic_id], locale))
        if scripts:
            assert ticket.subject in {subject for subject, _posts in scripts}
        turkish = bool(TURKISH_LETTERS & set(replies[0].body_text))
        assert turkish == (locale == "tr" and bool(scripts))
