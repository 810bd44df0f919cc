"""The topic's form in the staff "new ticket" wizard (place ``staff_new``): asked in step 2, kept in the draft,
saved with the ticket as the form's response; file questions are left out (the draft cannot keep an upload)."""
from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from plugins.forms.models import Answer, Response
from plugins.support.models import Ticket
from tests.support.test_new_ticket import Desk, post, start, step1, step2, step3, url


def test_the_wizard_asks_the_topic_form_and_saves_the_answers(app, client, auth, factory, kit):
    desk = Desk(db, factory)
    form = kit.form(questions=[
        {"kind": "text", "label": "Cihaz modeli", "required": True},
        {"kind": "number", "label": "Adet", "min_value": 1, "max_value": 9},
        {"kind": "date", "label": "Arıza tarihi"},
        {"kind": "multichoice", "label": "Belirtiler", "options": ["Ses", "Duman"]},
        {"kind": "checkbox", "label": "Garanti"},
        {"kind": "file", "label": "Fotoğraf"},
    ], topic=desk.topic)
    model, count, day, signs, warranty, photo = (f"forms_q{q.id}" for q in kit.questions(form))
    smoke = str(kit.questions(form)[3].options[1].id)
    auth.login(desk.agent)
    draft = start(client)
    assert post(client, draft, 1, **step1(desk)).status_code == 302
    page = client.get(url(draft, 2)).get_data(as_text=True)
    assert f'name="{model}"' in page and "Additional information" in page
    assert f'name="{photo}"' not in page  # a draft cannot keep an upload between steps: no file questions here
    refused = post(client, draft, 2, **step2(**{count: "12"}))
    assert refused.status_code == 400 and "This field is required." in refused.get_data(as_text=True)
    answers = {model: "HP 1020", count: "3", day: "2026-11-30", signs: smoke, warranty: "y"}
    assert post(client, draft, 2, **step2(**answers)).status_code == 302
    assert 'value="HP 1020"' in client.get(url(draft, 2)).get_data(as_text=True)
    response = post(client, draft, 3, go="create", **step3(desk))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    ticket = db.session.scalar(select(Ticket))
    assert db.session.scalar(select(Response.ticket_id)) == ticket.id
    texts = sorted(db.session.scalars(select(Answer.text)))
    assert texts == sorted(["HP 1020", "3", "2026-11-30", "Duman", "yes"])
