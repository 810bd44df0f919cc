"""Tickets opened by staff on a customer's behalf (S-30 to S-33): the three steps, templates, emails and access."""
from __future__ import annotations

import io
import json
import uuid

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

import plugins.support.plugin as support_plugin
from crm import generation, hookimpl, settings
from crm.notify.outbox import OutboxMessage
from crm.people.models import Contact, Role, RolePermission
from crm.security import outbound
from plugins.support import services, statuses
from plugins.support.models import Attachment, Brand, Post, Tag, Ticket, Topic
from plugins.support.ticket_templates import TicketTemplate
from plugins.support.wizard import TicketDraft
from tests.support.test_callback import CallbackServer

MARKER = f"PRIVATE-{uuid.uuid4().hex}"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def app_plugins():
    """Only the support plugin: no plugin answers support_customer_ticket_url."""
    return [support_plugin]


class Desk:
    """The lookups a staff member chooses from, and the staff member."""

    def __init__(self, db, factory):
        statuses.statuses()
        self.sales = factory.department("Sales")
        self.support = factory.department("Support")
        self.brand = Brand(name="Acme Shop")
        self.other_brand = Brand(name="Acme Cloud")
        self.topic = Topic(name="Orders", department_id=self.support.id)
        self.vip = Tag(name="vip")
        self.late = Tag(name="late")
        db.session.add_all([self.brand, self.other_brand, self.topic, self.vip, self.late])
        db.session.commit()
        self.agent = factory.user(name="Ayşe Agent", departments=[self.support])
        self.colleague = factory.user(name="Can Colleague", departments=[self.support])
        self.outsider = factory.user(name="Olcay Outsider", departments=[self.sales])


@pytest.fixture
def desk(app, db, factory):
    return Desk(db, factory)


def start(client, **query) -> str:
    response = client.get("/support/tickets/new", query_string=query)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"].rstrip("/").split("/")[-2]


def url(draft, step):
    return f"/support/tickets/new/{draft}/{step}"


def post(client, draft, step, go="next", **data):
    return client.post(url(draft, step), data={**data, "go": go}, content_type="multipart/form-data")


def step1(desk, **extra):
    return {"action": "ticket", "brand_id": str(desk.brand.id), "topic_id": str(desk.topic.id),
            "status": "in_progress", **extra}


def step2(**extra):
    return {"customer_name": "Ahmet Kaya", "customer_email": "ahmet@example.org", "subject": "Siparişiniz",
            "description": f"Called about order 42. {MARKER}", **extra}


def step3(desk, **extra):
    return {"priority": "high", "assign_to": "user", "assignee_user_id": str(desk.colleague.id),
            "tags": "vip, late", **extra}


def fill(client, desk, draft, one=None, two=None, three=None):
    assert post(client, draft, 1, **(one or step1(desk))).status_code == 302
    assert post(client, draft, 2, **(two or step2())).status_code == 302
    return post(client, draft, 3, go="create", **(three or step3(desk)))


def outbox(db):
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def assert_no_marker_in_emails(db, *markers):
    for row in outbox(db):
        dumped = json.dumps(row.payload, ensure_ascii=False)
        for marker in markers or (MARKER,):
            assert marker not in dumped, row.payload["subject"]


def tickets(db):
    return list(db.session.scalars(select(Ticket)))


# the happy path ---------------------------------------------------------------------------------------


def test_three_steps_open_an_internal_ticket_and_email_the_customer(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    response = fill(client, desk, draft)
    assert response.status_code == 302
    [ticket] = tickets(db)
    assert response.headers["Location"].endswith(f"/support/tickets/{ticket.number}")
    assert ticket.channel == "internal"
    assert ticket.subject == "Siparişiniz"
    assert (ticket.brand_id, ticket.topic_id, ticket.department_id) == (desk.brand.id, desk.topic.id, desk.support.id)
    assert db.session.get(type(statuses.statuses()[0]), ticket.status_id).key == "in_progress"
    assert ticket.assignee_user_id == desk.colleague.id and ticket.created_by_id == desk.agent.id
    assert sorted(t.name for t in db.session.scalars(select(Tag).join(Ticket.tags).where(Ticket.id == ticket.id))) \
        == ["late", "vip"]
    contact = db.session.get(Contact, ticket.contact_id)
    assert (contact.name, contact.email) == ("Ahmet Kaya", "ahmet@example.org")
    [note] = db.session.scalars(select(Post).where(Post.ticket_id == ticket.id))
    assert note.kind == "internal_note" and MARKER in note.body_text
    [email] = outbox(db)
    assert email.payload["to"] == ["ahmet@example.org"]
    assert "Siparişiniz" in email.payload["subject"] and ticket.number in email.payload["subject"]
    assert ticket.number in email.payload["text"]
    assert "http" not in email.payload["text"], "no plugin gives a link, so the email carries the number only"
    assert_no_marker_in_emails(db)
    finished = db.session.get(TicketDraft, draft)
    assert finished.ticket_id == ticket.id and finished.files == []
    again = client.get(f"/support/tickets/new/{draft}/3")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/support/tickets/{ticket.number}")


def test_default_subject_from_the_setting(desk, db, client, auth):
    settings.set_many("support", {"new_ticket_email_subject": "Your request at Acme"})
    db.session.commit()
    auth.login(desk.agent)
    fill(client, desk, start(client), two=step2(subject=""))
    [ticket] = tickets(db)
    assert ticket.subject == "Your request at Acme"
    assert "Your request at Acme" in outbox(db)[0].payload["subject"]


def test_default_subject_is_in_the_customers_language(desk, db, client, auth, factory, app):
    factory.contact(email="ahmet@example.org", name="Ahmet Kaya", locale="tr")
    auth.login(desk.agent)
    fill(client, desk, start(client), two=step2(subject=""))
    [ticket] = tickets(db)
    with app.test_request_context(), force_locale("tr"):
        turkish = gettext("About your support request")
    assert ticket.subject == turkish  # "Destek Talebiniz Hakkında" once the Turkish catalog is compiled
    assert turkish in outbox(db)[0].payload["subject"]


def test_the_email_links_to_the_ticket_when_a_plugin_gives_the_link(make_app, db):
    class Portal:
        @hookimpl
        def crm_plugin_info(self):
            from crm import PluginInfo

            return PluginInfo("linker", "Linker", requires=("support",))

        @hookimpl
        def support_customer_ticket_url(self, ticket):
            return f"https://help.example.com/t/{ticket.number}"

    app = make_app(plugins=[support_plugin, Portal()])
    with app.app_context():
        from tests.conftest import Auth, Factory

        desk = Desk(db, Factory(app))
        client = app.test_client()
        Auth(client).login(desk.agent)
        fill(client, desk, start(client))
        [ticket] = tickets(db)
        [email] = outbox(db)
        assert f"https://help.example.com/t/{ticket.number}" in email.payload["text"]
        assert_no_marker_in_emails(db)


def test_create_and_reply_lands_on_the_reply_box_and_private_notes_never_reach_the_customer(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, **step1(desk))
    post(client, draft, 2, **step2())
    response = post(client, draft, 3, go="create_reply", **step3(desk))
    [ticket] = tickets(db)
    assert response.headers["Location"].endswith(f"/support/tickets/{ticket.number}#reply")
    assert outbox(db) == [], "replying at once replaces the opening email"
    second_marker = f"NOTE-{uuid.uuid4().hex}"
    services.add_note(ticket, f"Customer is angry {second_marker}", author=desk.agent)
    reply = client.post(f"/support/tickets/{ticket.number}/reply",
                        data={"body": "We are on it.", "status": str(statuses.status_by_key("answered").id)})
    assert reply.status_code == 302
    emails = outbox(db)
    assert emails and all(e.payload["to"] == ["ahmet@example.org"] for e in emails)
    assert any("We are on it." in e.payload["text"] for e in emails)
    assert_no_marker_in_emails(db, MARKER, second_marker)


# moving between steps -----------------------------------------------------------------------------------


def test_moving_between_steps_loses_nothing(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, **step1(desk))
    # "back" from step 2 does not validate and keeps what was typed
    back = post(client, draft, 2, go="back", customer_name="Ahmet Kaya", customer_email="not-yet",
                description=MARKER)
    assert back.headers["Location"].endswith(url(draft, 1))
    page = client.get(url(draft, 1)).get_data(as_text=True)
    assert f'selected value="{desk.topic.id}"' in page and 'selected value="in_progress"' in page
    assert post(client, draft, 1, go="3", **step1(desk)).headers["Location"].endswith(url(draft, 3))
    post(client, draft, 3, go="2", **step3(desk))
    page = client.get(url(draft, 2)).get_data(as_text=True)
    assert 'value="Ahmet Kaya"' in page and 'value="not-yet"' in page and MARKER in page
    page = client.get(url(draft, 3)).get_data(as_text=True)
    assert f'selected value="{desk.colleague.id}"' in page and 'value="vip, late"' in page
    # the callback tab and back
    assert post(client, draft, 2, go="callback", customer_name="Ahmet Kaya", customer_email="ahmet@example.org",
                description=MARKER).status_code == 302
    client.post(f"/support/tickets/new/{draft}/callback?step=2", data={"go": "2", "email": "ahmet@example.org"})
    page = client.get(url(draft, 2)).get_data(as_text=True)
    assert 'value="ahmet@example.org"' in page and MARKER in page


def test_next_validates_the_step_with_errors_beside_the_fields(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, **step1(desk))
    response = post(client, draft, 2, customer_name="", customer_email="not-an-address", description="x")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter the customer&#39;s name." in page or "Enter the customer's name." in page
    assert "Enter a valid email address." in page
    assert 'value="not-an-address"' in page  # kept, to be corrected
    assert tickets(db) == [] and db.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_step1_requires_a_brand_and_offered_values(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    response = post(client, draft, 1, action="ticket", brand_id="", topic_id="999999999999999999999999",
                    status="nope", template_id="abc")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose the brand or product." in page
    assert page.count("Choose one of the offered values.") == 3


def test_finishing_goes_back_to_the_first_invalid_step(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, go="3", **step1(desk))
    response = post(client, draft, 3, go="create", **step3(desk))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url(draft, 2)}?check=1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Enter the customer&#39;s email address." in page or "Enter the customer's email address." in page
    assert tickets(db) == [] and outbox(db) == []


def test_garbage_input_never_fails(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    for step in (1, 2, 3):
        response = client.post(url(draft, step), data={
            "go": "whatever", "brand_id": "x" * 5000, "tags": "x" * 5000, "assign_to": "robot",
            "assignee_user_id": "-1", "priority": "\x00", "customer_email": "@" * 300})
        assert response.status_code in (302, 400)
    response = post(client, draft, 3, go="create", priority="\x00", assign_to="robot", tags="nope")
    assert response.status_code == 400 and tickets(db) == [], "NUL is refused before any view runs"
    response = post(client, draft, 3, go="create", priority="x" * 5000, assign_to="robot", tags="a" * 61)
    assert response.status_code == 302 and tickets(db) == []
    assert client.get(url(draft, 4)).status_code == 404


def test_assignees_are_the_staff_who_may_see_the_department(desk, db, client, auth):
    settings.set_many("support", {"staff_department_only": True})
    db.session.commit()
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, **step1(desk))
    post(client, draft, 2, **step2())
    page = client.get(url(draft, 3)).get_data(as_text=True)
    assert "Can Colleague" in page and "Olcay Outsider" not in page
    response = post(client, draft, 3, go="create", **step3(desk, assignee_user_id=str(desk.outsider.id)))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url(draft, 3)}?check=1")
    assert tickets(db) == []


def test_team_assignment(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    fill(client, desk, draft, three={"priority": "low", "assign_to": "team",
                                      "assignee_department_id": str(desk.sales.id)})
    [ticket] = tickets(db)
    assert ticket.assignee_department_id == desk.sales.id and ticket.assignee_user_id is None


def test_step3_page_has_a_fixed_number_of_queries(desk, db, client, auth, factory, count_queries):
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, **step1(desk))
    client.get(url(draft, 3))
    db.session.expire_all()
    with count_queries() as few:
        client.get(url(draft, 3))
    for n in range(8):
        factory.user(departments=[desk.support])
        db.session.add(Tag(name=f"tag {n}"))
        db.session.add(Brand(name=f"Brand {n}"))
    db.session.commit()
    db.session.expire_all()
    client.get(url(draft, 3))  # the new staff refresh the process's roster once
    with count_queries() as many:
        page = client.get(url(draft, 3))
    assert "Staff " in page.get_data(as_text=True)  # the new staff are offered as assignees
    assert many.count == few.count


# templates ---------------------------------------------------------------------------------------------


def test_save_a_template_and_create_a_ticket_with_it_in_one_action(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, **step1(desk, action="template", template_name="Sipariş Durumu"))
    post(client, draft, 2, **step2())
    response = post(client, draft, 3, go="save_template", **step3(desk, also_create="y"))
    assert response.status_code == 302
    [template] = db.session.scalars(select(TicketTemplate))
    assert template.name == "Sipariş Durumu" and template.author_id == desk.agent.id
    assert template.values["subject"] == "Siparişiniz" and template.values["priority"] == "high"
    assert "customer_email" not in template.values
    [ticket] = tickets(db)
    assert ticket.subject == "Siparişiniz"
    assert_no_marker_in_emails(db)


def test_a_template_alone_needs_no_customer_and_opens_no_ticket(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, **step1(desk, action="template", template_name="Order status"))
    assert post(client, draft, 2, subject="About your order").status_code == 302
    response = post(client, draft, 3, go="save_template", priority="medium")
    assert response.headers["Location"].endswith("/support/ticket-templates")
    assert [t.name for t in db.session.scalars(select(TicketTemplate))] == ["Order status"]
    assert tickets(db) == [] and outbox(db) == []


def test_a_template_needs_a_unique_name(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    response = post(client, draft, 1, **step1(desk, action="template", template_name=""))
    assert response.status_code == 400 and "Give the template a name." in response.get_data(as_text=True)
    services_template = TicketTemplate(name="Taken", values={}, author_id=desk.agent.id)
    db.session.add(services_template)
    db.session.commit()
    post(client, draft, 1, **step1(desk, action="template", template_name="taken"))
    response = post(client, draft, 3, go="save_template", also_create="y", **step3(desk))
    # step 2 has no customer yet: that step is shown first
    assert response.headers["Location"].endswith(f"{url(draft, 2)}?check=1")
    post(client, draft, 2, **step2())
    response = post(client, draft, 3, go="save_template", also_create="y", **step3(desk))
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)
    assert tickets(db) == [] and db.session.scalar(select(func.count()).select_from(TicketTemplate)) == 1


def test_choosing_a_template_prefills_all_three_steps(desk, db, client, auth):
    template = TicketTemplate(name="Order status", author_id=desk.agent.id, values={
        "brand_id": str(desk.other_brand.id), "topic_id": str(desk.topic.id), "status": "on_hold",
        "subject": "Your order", "description": "Check the order system", "priority": "urgent",
        "assign_to": "team", "assignee_department_id": str(desk.sales.id), "tag_ids": [str(desk.late.id)]})
    db.session.add(template)
    db.session.commit()
    auth.login(desk.agent)
    draft = start(client)
    response = post(client, draft, 1, go="apply_template", action="ticket", template_id=str(template.id),
                    brand_id=str(desk.brand.id))
    assert response.headers["Location"].endswith(url(draft, 1))
    page = client.get(url(draft, 1)).get_data(as_text=True)
    assert f'selected value="{desk.other_brand.id}"' in page and 'selected value="on_hold"' in page
    page = client.get(url(draft, 2)).get_data(as_text=True)
    assert 'value="Your order"' in page and "Check the order system" in page
    page = client.get(url(draft, 3)).get_data(as_text=True)
    assert 'selected value="urgent"' in page and 'name="tags" type="text" value="late"' in page
    assert f'selected value="{desk.sales.id}"' in page
    # the template link on the list page starts the same way
    other = start(client, template=template.id)
    assert 'value="Your order"' in client.get(url(other, 2)).get_data(as_text=True)
    # and the customer is still asked for
    post(client, draft, 2, customer_name="Ahmet Kaya", customer_email="ahmet@example.org",
         subject="Your order", description=MARKER)
    assert post(client, draft, 3, go="create", priority="urgent", assign_to="team",
                assignee_department_id=str(desk.sales.id), tags="late").status_code == 302
    [ticket] = tickets(db)
    assert ticket.brand_id == desk.other_brand.id and ticket.assignee_department_id == desk.sales.id
    assert_no_marker_in_emails(db)


def test_changes_after_a_template_are_not_overwritten_by_it(desk, db, client, auth):
    template = TicketTemplate(name="Order status", author_id=desk.agent.id,
                              values={"brand_id": str(desk.brand.id), "status": "on_hold"})
    db.session.add(template)
    db.session.commit()
    auth.login(desk.agent)
    draft = start(client, template=template.id)
    post(client, draft, 1, action="ticket", template_id=str(template.id), brand_id=str(desk.other_brand.id),
         status="open")
    page = client.get(url(draft, 1)).get_data(as_text=True)
    assert f'selected value="{desk.other_brand.id}"' in page and 'selected value="open"' in page


def test_editing_a_template_through_the_steps(desk, db, client, auth):
    template = TicketTemplate(name="Order status", author_id=desk.agent.id, values={"priority": "low"})
    db.session.add(template)
    db.session.commit()
    auth.login(desk.agent)
    draft = start(client, edit=template.id)
    page = client.get(url(draft, 1)).get_data(as_text=True)
    assert "Edit ticket template" in page and 'value="Order status"' in page
    post(client, draft, 1, **step1(desk, action="ticket", template_name="Order status (new)"))
    post(client, draft, 2, subject="New subject")
    response = post(client, draft, 3, go="save_template", priority="urgent")
    assert response.status_code == 302
    db.session.expire_all()
    [stored] = db.session.scalars(select(TicketTemplate))
    assert stored.name == "Order status (new)" and stored.values["priority"] == "urgent"
    assert stored.values["subject"] == "New subject"
    assert tickets(db) == []


def test_editing_someone_elses_template_is_forbidden(desk, db, client, auth):
    template = TicketTemplate(name="Theirs", author_id=desk.colleague.id, values={})
    db.session.add(template)
    db.session.commit()
    auth.login(desk.agent)
    assert client.get(f"/support/tickets/new?edit={template.id}").status_code == 403
    assert client.get("/support/tickets/new?edit=424242").status_code == 404
    assert client.get("/support/tickets/new?template=424242").status_code == 404


# attachments -------------------------------------------------------------------------------------------


def test_files_are_kept_across_steps_and_attached_to_the_internal_note(desk, db, client, auth, app):
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, **step1(desk))
    response = post(client, draft, 2, go="back", **step2(attachments=[(io.BytesIO(PNG), "photo.png"),
                                                                      (io.BytesIO(b"order 42\n"), "notes.txt")]))
    assert response.status_code == 302
    page = client.get(url(draft, 2)).get_data(as_text=True)
    assert "photo.png" in page and "notes.txt" in page
    post(client, draft, 2, **step2())  # posting again without files keeps them
    post(client, draft, 3, go="create", **step3(desk))
    [ticket] = tickets(db)
    files = list(db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)))
    assert sorted(f.filename for f in files) == ["notes.txt", "photo.png"]
    note = db.session.scalar(select(Post).where(Post.ticket_id == ticket.id))
    assert {f.post_id for f in files} == {note.id} and note.kind == "internal_note"
    from crm.storage import storage

    with storage().open(next(f for f in files if f.filename == "photo.png").storage_key) as handle:
        assert handle.read() == PNG


@pytest.mark.parametrize("name, content, message", [
    ("page.html", b"<html><script>alert(1)</script></html>", "cannot be attached"),
    ("photo.png", b"<html>not a picture</html>", "does not match"),
    ("empty.txt", b"", "is empty"),
])
def test_refused_files_store_nothing(desk, db, client, auth, name, content, message):
    auth.login(desk.agent)
    draft = start(client)
    response = post(client, draft, 2, **step2(attachments=[(io.BytesIO(content), name)]))
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.get(TicketDraft, draft).files == []


def test_at_most_five_files_and_the_size_limit(desk, db, client, auth):
    settings.set_many("support", {"max_file_size_mb": 1})
    db.session.commit()
    auth.login(desk.agent)
    draft = start(client)
    big = b"a" * (1024 * 1024 + 1)
    response = post(client, draft, 2, **step2(attachments=[(io.BytesIO(big), "big.txt")]))
    assert "larger than 1 MB" in response.get_data(as_text=True)
    post(client, draft, 2, **step2(attachments=[(io.BytesIO(b"x"), f"f{n}.txt") for n in range(4)]))
    response = post(client, draft, 2, **step2(attachments=[(io.BytesIO(b"x"), "5.txt"), (io.BytesIO(b"y"), "6.txt")]))
    assert "Attach at most 5 files." in response.get_data(as_text=True)
    assert len(db.session.get(TicketDraft, draft).files) == 4


def test_removing_a_file(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 2, go="back", **step2(attachments=[(io.BytesIO(b"x"), "a.txt")]))
    [record] = db.session.get(TicketDraft, draft).files
    post(client, draft, 2, go=f"remove:{record['key']}", **step2())
    db.session.expire_all()
    assert db.session.get(TicketDraft, draft).files == []
    from crm.storage import storage

    assert not storage().exists(record["key"])


def test_discarding_removes_the_draft_and_its_files(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 2, go="back", **step2(attachments=[(io.BytesIO(b"x"), "a.txt")]))
    [record] = db.session.get(TicketDraft, draft).files
    assert post(client, draft, 2, go="cancel", **step2()).status_code == 302
    from crm.storage import storage

    assert db.session.scalar(select(func.count()).select_from(TicketDraft)) == 0
    assert not storage().exists(record["key"])


# customers staff may open tickets for (S-15) ------------------------------------------------------------


def test_staff_open_only_for_their_customers_when_the_setting_is_off(desk, db, client, auth, factory):
    settings.set_many("support", {"staff_open_for_any_contact": False})
    db.session.commit()
    stranger = factory.contact(email="stranger@example.org", company=factory.company())
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, **step1(desk))
    post(client, draft, 2, **step2(customer_email=stranger.email))
    response = post(client, draft, 3, go="create", **step3(desk))
    assert response.status_code == 400
    assert "You may not open tickets for this contact." in response.get_data(as_text=True)
    assert tickets(db) == [] and outbox(db) == []
    # an admin may
    auth.logout()
    auth.login(factory.admin())
    other = start(client)
    assert fill(client, desk, other, two=step2(customer_email=stranger.email)).status_code == 302
    assert len(tickets(db)) == 1


# access -----------------------------------------------------------------------------------------------------


def _revoke_create(db):
    role = db.session.scalar(select(Role).where(Role.name == "staff"))
    db.session.execute(RolePermission.__table__.delete().where(
        RolePermission.role_id == role.id, RolePermission.permission == "support.tickets.create"))
    generation.bump()
    db.session.commit()


def test_anonymous_users_go_to_the_login_page(desk, client):
    for path in ("/support/tickets/new", f"/support/tickets/new/{'a' * 32}/1",
                 f"/support/tickets/new/{'a' * 32}/callback"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_without_the_create_permission_are_refused(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    _revoke_create(db)
    assert client.get("/support/tickets/new").status_code == 403
    assert client.get(url(draft, 1)).status_code == 403
    assert post(client, draft, 3, go="create", **step3(desk)).status_code == 403
    assert client.get(f"/support/tickets/new/{draft}/callback").status_code == 403
    assert tickets(db) == []


def test_non_staff_members_only_with_members_access(desk, db, client, auth, factory):
    member = factory.user(role="member")
    role = db.session.scalar(select(Role).where(Role.name == "member"))
    db.session.add(RolePermission(role_id=role.id, permission="support.tickets.create"))
    generation.bump()
    db.session.commit()
    auth.login(member)
    assert client.get("/support/tickets/new").status_code == 403
    settings.set_many("support", {"members_access": True})
    db.session.commit()
    assert client.get("/support/tickets/new").status_code == 302


def test_someone_elses_draft_is_not_found(desk, db, client, auth):
    auth.login(desk.agent)
    draft = start(client)
    auth.logout()
    auth.login(desk.colleague)
    assert client.get(url(draft, 1)).status_code == 404
    assert post(client, draft, 1, **step1(desk)).status_code == 404
    assert client.get(f"/support/tickets/new/{draft}/callback").status_code == 404
    assert client.get(url("0" * 32, 1)).status_code == 404


# the callback tab -------------------------------------------------------------------------------------------


@pytest.fixture
def callback_server():
    server = CallbackServer()
    yield server
    server.close()


def test_callback_tab_shows_the_customer_beside_every_step(desk, db, client, auth, callback_server):
    callback_server.json({"Customer no": "C-77", "Open orders": 2})
    settings.set_many("support", {"callback_url": callback_server.url, "callback_allow_private": True})
    db.session.commit()
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 2, go="callback", **step2())
    response = client.post(f"/support/tickets/new/{draft}/callback?step=2",
                           data={"go": "fetch", "email": "ahmet@example.org"})
    assert response.status_code == 302
    assert callback_server.requests == [{"email": ["ahmet@example.org"]}]
    for step in (1, 2, 3):
        page = client.get(url(draft, step)).get_data(as_text=True)
        assert "<dt>Customer no</dt><dd>C-77</dd>" in page and "<dt>Open orders</dt><dd>2</dd>" in page
    page = client.get(url(draft, 2)).get_data(as_text=True)
    assert 'value="Ahmet Kaya"' in page and MARKER in page


def test_callback_tab_refuses_internal_addresses_unless_allowed(desk, db, client, auth, callback_server, monkeypatch):
    callback_server.json({"name": "Ahmet"})
    # saved while the name resolved to a public address (an internal one is refused when saved) ...
    monkeypatch.setattr(outbound, "system_resolver", lambda host, port: ["93.184.216.34"])
    settings.set_many("support", {"callback_url": callback_server.url.replace("127.0.0.1", "crm.example.com")})
    db.session.commit()
    # ... and fetched after it came to resolve to loopback
    monkeypatch.setattr(outbound, "system_resolver", lambda host, port: ["127.0.0.1"])
    auth.login(desk.agent)
    draft = start(client)
    client.post(f"/support/tickets/new/{draft}/callback", data={"go": "fetch", "email": "ahmet@example.org"})
    page = client.get(f"/support/tickets/new/{draft}/callback").get_data(as_text=True)
    assert "is internal" in page and callback_server.requests == []


def test_callback_tab_shows_bad_answers_and_timeouts(desk, db, client, auth, callback_server):
    callback_server.answer = (200, b"not json", {"Content-Type": "text/plain"})
    settings.set_many("support", {"callback_url": callback_server.url, "callback_allow_private": True,
                                  "callback_timeout": 1})
    db.session.commit()
    auth.login(desk.agent)
    draft = start(client)
    client.post(f"/support/tickets/new/{draft}/callback", data={"go": "fetch", "email": "ahmet@example.org"})
    assert "did not answer with JSON" in client.get(url(draft, 1)).get_data(as_text=True)
    callback_server.delay = 2
    client.post(f"/support/tickets/new/{draft}/callback", data={"go": "fetch", "email": "ahmet@example.org"})
    assert "did not answer within 1 second" in client.get(url(draft, 1)).get_data(as_text=True)


def test_callback_tab_asks_for_a_valid_email(desk, db, client, auth):
    settings.set_many("support", {"callback_url": "http://127.0.0.1:9/x", "callback_allow_private": True})
    db.session.commit()
    auth.login(desk.agent)
    draft = start(client)
    response = client.post(f"/support/tickets/new/{draft}/callback", data={"go": "fetch", "email": "nope"})
    assert response.status_code == 400 and "Enter a valid email address." in response.get_data(as_text=True)
    assert db.session.get(TicketDraft, draft).callback is None


def test_abandoned_drafts_are_purged_with_their_files(desk, db, client, auth):
    from datetime import timedelta

    from crm.storage import storage
    from crm.timeutil import utcnow
    from plugins.support import wizard

    auth.login(desk.agent)
    old = start(client)
    post(client, old, 2, go="back", **step2(attachments=[(io.BytesIO(b"x"), "a.txt")]))
    [record] = db.session.get(TicketDraft, old).files
    db.session.get(TicketDraft, old).updated_at = utcnow() - wizard.DRAFT_LIFETIME - timedelta(minutes=1)
    db.session.commit()
    assert client.get(url(old, 1)).status_code == 404  # expired
    fresh = start(client)  # starting a wizard purges the abandoned ones
    db.session.expire_all()
    assert db.session.get(TicketDraft, old) is None and db.session.get(TicketDraft, fresh) is not None
    assert not storage().exists(record["key"])


# concurrency ------------------------------------------------------------------------------------


def test_five_parallel_submits_of_one_draft_open_exactly_one_ticket(app, desk, db, client, auth):
    import threading

    from tests.conftest import PASSWORD

    auth.login(desk.agent)
    draft = start(client)
    assert post(client, draft, 1, **step1(desk)).status_code == 302
    assert post(client, draft, 2, **step2()).status_code == 302
    clients = []
    for _ in range(5):  # five browser tabs of the same agent
        other = app.test_client()
        assert other.post("/login", data={"email": desk.agent.email, "password": PASSWORD}).status_code == 302
        clients.append(other)
    data = step3(desk)
    db.session.commit()
    barrier, answers, errors = threading.Barrier(5), [], []

    def submit(tab):
        try:
            barrier.wait(30)
            response = post(tab, draft, 3, go="create", **data)
            answers.append((response.status_code, response.headers.get("Location", "")))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(tab,)) for tab in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    db.session.expire_all()
    [ticket] = tickets(db)
    assert [code for code, _location in answers] == [302] * 5
    assert all(location.endswith(f"/support/tickets/{ticket.number}") for _code, location in answers)
    assert len(outbox(db)) == 1, "the customer is told once"
