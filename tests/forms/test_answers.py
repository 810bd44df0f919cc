"""A topic's form asked on the public form and the portal (F-2), its answers on the staff ticket page (F-3).

Answers are validated by the page's own form with localized errors; bad
answers store nothing (no ticket either); HTML in answers is stored as text
and escaped; file answers follow support's attachment rules and are served
only to those who may see the ticket; disabling the plugin hides the
questions and answers, which come back when it is enabled again.
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.fields import data_fields, load_values
from crm.settings import set_many
from plugins.forms.models import Answer, Response
from plugins.support.models import Ticket
from tests.portal.portal_kit import portal, site  # noqa: F401

QUESTIONS = [
    {"kind": "text", "label": "Cihaz modeli", "required": True, "max_value": 40},
    {"kind": "number", "label": "Kaç cihaz etkilendi?", "min_value": 1, "max_value": 10},
    {"kind": "choice", "label": "İşletim sistemi", "options": ["Windows", "Linux"]},
    {"kind": "multichoice", "label": "Belirtiler", "options": ["Ses", "Duman", "Koku"]},
    {"kind": "checkbox", "label": "Garanti kapsamında"},
    {"kind": "date", "label": "Arıza tarihi"},
    {"kind": "email", "label": "Ek e-posta"},
    {"kind": "phone", "label": "Telefon"},
    {"kind": "textarea", "label": "Açıklama"},
    {"kind": "file", "label": "Fotoğraf"},
]


@pytest.fixture
def world(app, kit, site):
    set_many("portal", {"public_form_enabled": True})
    db.session.commit()
    topic = kit.topic("Teknik Sorun")
    form = kit.form(questions=QUESTIONS, topic=topic)
    questions = kit.questions(form)
    names = {q.label: f"forms_q{q.id}" for q in questions}
    options = {o.label: str(o.id) for q in questions for o in q.options}
    return {"topic": topic, "form": form, "questions": questions, "names": names, "options": options}


def _answers(world, **overrides) -> dict:
    n, o = world["names"], world["options"]
    data = {
        "name": "Grace", "surname": "Hopper", "email": "grace@example.org", "subject": "Yazıcı duman çıkarıyor",
        "body": "Yazıcıdan duman geliyor.", "topic": str(world["topic"].id),
        n["Cihaz modeli"]: "HP LaserJet 1020", n["Kaç cihaz etkilendi?"]: "3", n["İşletim sistemi"]: o["Linux"],
        n["Belirtiler"]: [o["Duman"], o["Koku"]], n["Garanti kapsamında"]: "y", n["Arıza tarihi"]: "2026-11-30",
        n["Ek e-posta"]: "it@example.org", n["Telefon"]: "+90 212 555 01 02", n["Açıklama"]: "Sabah başladı.",
    }
    data.update(overrides)
    return data


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_public_form_asks_the_topic_form_under_additional_information(client, portal, site, world):
    page = client.get(portal.url(site, "contact")).get_data(as_text=True)
    if world["names"]["Cihaz modeli"] not in page:  # several topics: the questions follow the chosen topic
        page = client.post(portal.url(site, "contact"), data={"topic": str(world["topic"].id)}).get_data(
            as_text=True)
    assert "Additional information" in page
    for name in world["names"].values():
        assert f'name="{name}"' in page
    assert "Cihaz modeli" in page and "Windows" in page


def test_answers_are_stored_with_the_ticket_and_shown_to_staff(client, portal, site, world, auth, factory):
    data = _answers(world)
    data[world["names"]["Fotoğraf"]] = (io.BytesIO(b"%PDF-1.4 test\n"), "rapor.pdf")
    response = client.post(portal.url(site, "contact"), data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    ticket = db.session.scalar(select(Ticket))
    response_row = db.session.scalar(select(Response))
    assert (response_row.ticket_id, response_row.form_id, response_row.topic_id) == (
        ticket.id, world["form"].id, world["topic"].id)
    texts = {a.question_id: a.text for a in db.session.scalars(select(Answer))}
    by_label = {q.label: texts.get(q.id) for q in world["questions"]}
    assert by_label["Cihaz modeli"] == "HP LaserJet 1020"
    assert by_label["Kaç cihaz etkilendi?"] == "3"
    assert by_label["İşletim sistemi"] == "Linux"
    assert by_label["Belirtiler"] == "Duman, Koku"
    assert by_label["Garanti kapsamında"] == "yes"
    assert by_label["Arıza tarihi"] == "2026-11-30"
    assert by_label["Fotoğraf"] == "rapor.pdf"

    staff = auth.client_for(factory.admin())
    page = staff.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert "Additional information" in page
    for shown in ("HP LaserJet 1020", "Duman, Koku", "Linux", "it@example.org", "rapor.pdf"):
        assert shown in page
    for name in world["names"].values():
        assert f'name="{name}"' not in page  # answers are read-only on the ticket page


@pytest.mark.parametrize("override, message", [
    ({"Cihaz modeli": ""}, "This field is required."),
    ({"Cihaz modeli": "x" * 41}, "Use at most 40 characters."),
    ({"Kaç cihaz etkilendi?": "many"}, "Not a valid decimal value."),
    ({"Kaç cihaz etkilendi?": "11"}, "Number must be between 1 and 10."),
    ({"Kaç cihaz etkilendi?": "NaN"}, "Enter a number."),
    ({"Kaç cihaz etkilendi?": "2." + "0" * 100}, "Enter a number."),
    ({"İşletim sistemi": "999999"}, "Not a valid choice."),
    ({"Belirtiler": ["1", "2", "999999"]}, "not valid choice"),
    ({"Arıza tarihi": "2026-13-45"}, "Not a valid date value."),
    ({"Ek e-posta": "not-an-address"}, "Enter a valid email address."),
    ({"Telefon": "call me maybe"}, "Enter a phone number"),
    ({"Açıklama": "a" * 10001}, "Use at most 10000 characters."),
])
def test_bad_answers_get_errors_and_store_nothing(client, portal, site, world, override, message):
    names = world["names"]
    data = _answers(world, **{names[label]: value for label, value in override.items()})
    response = client.post(portal.url(site, "contact"), data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(Ticket) == 0 and _count(Response) == 0 and _count(Answer) == 0


def test_a_refused_file_stores_nothing(client, portal, site, world):
    data = _answers(world)
    data[world["names"]["Fotoğraf"]] = (io.BytesIO(b"MZ\x90\x00program"), "setup.exe")
    response = client.post(portal.url(site, "contact"), data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "cannot be attached" in response.get_data(as_text=True)
    assert _count(Ticket) == 0 and _count(Answer) == 0


def test_answers_with_html_are_stored_as_text_and_escaped(client, portal, site, world, auth, factory):
    data = _answers(world, **{world["names"]["Cihaz modeli"]: "<script>alert(1)</script>"})
    assert client.post(portal.url(site, "contact"), data=data).status_code == 302
    assert db.session.scalar(select(Answer.text).where(Answer.text.like("%script%"))) == \
        "<script>alert(1)</script>"
    ticket = db.session.scalar(select(Ticket))
    page = auth.client_for(factory.admin()).get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_signed_in_portal_form_asks_and_stores_too(portal, site, world):
    customer = portal.customer()
    client = portal.client_for(site, customer)
    data = {k: v for k, v in _answers(world).items() if k not in ("name", "surname", "email")}
    refused = client.post(portal.url(site, "tickets/new"), data={**data, world["names"]["Cihaz modeli"]: ""})
    assert refused.status_code == 400 and _count(Ticket) == 0
    response = client.post(portal.url(site, "tickets/new"), data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _count(Response) == 1 and _count(Answer) >= 8


def test_file_answers_are_served_only_to_those_who_may_see_the_ticket(app, client, portal, site, world, auth,
                                                                       factory):
    data = _answers(world)
    data[world["names"]["Fotoğraf"]] = (io.BytesIO(b"%PDF-1.4 test\n"), "rapor.pdf")
    assert client.post(portal.url(site, "contact"), data=data, content_type="multipart/form-data").status_code == 302
    answer = db.session.scalar(select(Answer).where(Answer.text == "rapor.pdf"))
    url = f"/forms/answers/{answer.id}/file"
    ticket = db.session.scalar(select(Ticket))
    from crm.people.models import Contact

    owner = db.session.get(Contact, ticket.contact_id)
    from plugins.portal.models import PortalAccount
    from crm.timeutil import utcnow

    owner.set_password("a long enough password")
    db.session.add(PortalAccount(contact_id=owner.id, registered_at=utcnow(), email_verified_at=utcnow(),
                                 website_url="", linkedin_url="", twitter_url=""))
    db.session.commit()
    assert app.test_client().get(url).status_code == 404  # anonymous
    admin = auth.client_for(factory.admin())
    got = admin.get(url)
    assert got.status_code == 200 and got.data == b"%PDF-1.4 test\n"
    assert "attachment" in got.headers["Content-Disposition"]
    other = portal.client_for(site, portal.customer(email="other@example.org"))
    assert other.get(url).status_code == 404
    mine = portal.client_for(site, owner, password="a long enough password")
    assert mine.get(url).status_code == 200
    set_many("support", {"staff_department_only": True})
    db.session.commit()
    department = factory.department("Elsewhere")
    outsider = auth.client_for(factory.user(departments=[department]))
    assert outsider.get(url).status_code == 404
    assert app.test_client().get("/forms/answers/999999/file").status_code == 404


def test_disabling_the_plugin_hides_questions_and_answers_which_come_back(app, client, portal, site, world, auth,
                                                                          factory):
    assert client.post(portal.url(site, "contact"), data=_answers(world)).status_code == 302
    ticket = db.session.scalar(select(Ticket))
    admin = factory.admin()
    staff = auth.client_for(admin)
    assert "HP LaserJet 1020" in staff.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert staff.post("/admin/plugins/forms/toggle", data={"enabled": "0"}).status_code == 302
    page = staff.get(f"/support/tickets/{ticket.number}")
    assert page.status_code == 200 and "HP LaserJet 1020" not in page.get_data(as_text=True)
    form_page = client.post(portal.url(site, "contact"), data={"topic": str(world["topic"].id)})
    assert world["names"]["Cihaz modeli"] not in form_page.get_data(as_text=True)
    plain = {k: v for k, v in _answers(world).items() if not k.startswith("forms_")}
    assert client.post(portal.url(site, "contact"), data={**plain, "subject": "Without the form"}).status_code == 302
    assert _count(Ticket) == 2 and _count(Response) == 1  # the stored answers stay
    assert staff.get("/admin/forms/").status_code == 404
    assert staff.post("/admin/plugins/forms/toggle", data={"enabled": "1"}).status_code == 302
    assert "HP LaserJet 1020" in staff.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)


def test_values_load_in_one_query_whatever_the_number_of_tickets(app, client, portal, site, world, count_queries,
                                                                 factory):
    for n in range(4):
        data = _answers(world, subject=f"Ticket {n}", email=f"c{n}@example.org")
        assert client.post(portal.url(site, "contact"), data=data).status_code == 302
    tickets = db.session.scalars(select(Ticket)).all()
    with app.test_request_context():
        fields = data_fields("ticket", "staff_ticket", ticket=tickets[0])
        counts = []
        for ids in ([tickets[0].id], [t.id for t in tickets]):
            with count_queries() as q:
                values = load_values("ticket", ids, fields)
            counts.append(q.count)
        assert counts[0] == counts[1] == 1
        assert all(v[world["names"]["Cihaz modeli"]] == "HP LaserJet 1020" for v in values.values())
