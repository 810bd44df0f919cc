"""Canned replies: the service (validation, visibility, language, placeholders), the management pages with
their access rules, and inserting a reply on the ticket page with and without JavaScript."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from crm.audit import AuditEntry
from crm.extensions import db
from plugins.support import permissions as perms
from plugins.support import services, statuses
from plugins.support.canned_replies import placeholders, service
from plugins.support.canned_replies.models import CannedReply, CannedReplyText
from plugins.support.models import Post


def count():
    return db.session.scalar(select(func.count()).select_from(CannedReply))


def make(user, title="Thanks", texts=None, personal=False, **values):
    """A canned reply saved through the service by ``user`` (an admin for shared ones)."""
    values = {"title": title, "texts": texts or {"en": "Hello {customer_name}"}, **values}
    return service.save(user, values, personal=personal)


def _textarea(page: str, element_id: str) -> str:
    found = re.search(rf'<textarea[^>]*id="{element_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, f"no textarea #{element_id}"
    return html.unescape(found.group(1)).lstrip("\r\n")


@pytest.fixture
def people(factory):
    dep_a, dep_b = factory.department("Billing"), factory.department("Hardware")
    return {
        "admin": factory.admin(),
        "agent": factory.user(departments=[dep_a], name="Deniz Agent"),
        "other": factory.user(departments=[dep_b]),
        "dep_a": dep_a, "dep_b": dep_b,
    }


# service: saving and validation ------------------------------------------------------------------------

def test_a_shared_reply_is_saved_with_its_texts_and_audited(app, people):
    reply = make(people["admin"], "  Order   status ", texts={"en": "\r\nYour order\r\n", "tr": "Siparişiniz"},
                 scope="department", department_id=str(people["dep_a"].id), position="3")
    db.session.expire_all()
    stored = db.session.get(CannedReply, reply.id)
    assert (stored.title, stored.scope, stored.department_id, stored.position, stored.active) == \
        ("Order status", "department", people["dep_a"].id, 3, True)
    assert {t.language: t.body for t in stored.texts} == {"en": "Your order", "tr": "Siparişiniz"}
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "support_canned_reply")) \
        == "support.canned_reply.created"


def test_editing_replaces_and_drops_texts(app, people):
    reply = make(people["admin"], texts={"en": "One", "tr": "Bir"})
    service.save(people["admin"], {"title": "Renamed", "texts": {"en": "", "tr": "İki"}, "active": False}, reply=reply)
    db.session.expire_all()
    stored = db.session.get(CannedReply, reply.id)
    assert stored.title == "Renamed" and not stored.active
    assert {t.language: t.body for t in stored.texts} == {"tr": "İki"}
    assert db.session.scalar(select(func.count()).select_from(CannedReplyText)) == 1


@pytest.mark.parametrize("values, field, message", [
    ({"title": ""}, "title", "Enter a title."),
    ({"title": "   "}, "title", "Enter a title."),
    ({"title": "x" * 121}, "title", "Use at most 120 characters."),
    ({"texts": {"en": "  \n ", "tr": ""}}, "texts", "Write the text in at least one language."),
    ({"texts": {"en": "x" * 20_001}}, "text-en", "Use at most 20000 characters."),
    ({"texts": {"xx": "hello"}}, "texts", "Texts can only be given in the offered languages."),
    ({"scope": "personal"}, "scope", "Choose who sees this reply."),
    ({"scope": "everyone"}, "scope", "Choose who sees this reply."),
    ({"scope": "department"}, "department_id", "Choose a department."),
    ({"scope": "department", "department_id": "999999"}, "department_id", "Choose a department."),
    ({"scope": "department", "department_id": "1; drop"}, "department_id", "Choose a department."),
    ({"position": "-1"}, "position", "Enter a whole number from 0 to 9999."),
    ({"position": "abc"}, "position", "Enter a whole number from 0 to 9999."),
    ({"position": "10000"}, "position", "Enter a whole number from 0 to 9999."),
    ({"position": "３"}, "position", "Enter a whole number from 0 to 9999."),
])
def test_bad_input_is_refused_and_nothing_is_stored(app, people, values, field, message):
    given = {"title": "Thanks", "texts": {"en": "Hello"}, **values}
    with pytest.raises(service.CannedReplyInvalid) as info:
        service.save(people["admin"], given)
    assert info.value.errors[field] == message
    db.session.rollback()
    assert count() == 0


def test_only_managers_save_shared_replies_and_only_agents_personal_ones(app, factory, people):
    with pytest.raises(Exception) as info:
        make(people["agent"])
    assert getattr(info.value, "code", None) == 403
    manager = factory.user(role=factory.role(permissions=[perms.VIEW, perms.REPLY, perms.CANNED_MANAGE]))
    assert make(manager).scope == "desk"
    member = factory.user(role="member")  # no desk access while members_access is off
    with pytest.raises(Exception) as info:
        make(member, personal=True)
    assert getattr(info.value, "code", None) == 403
    mine = make(people["agent"], personal=True, scope="desk")
    assert (mine.scope, mine.owner_user_id) == ("personal", people["agent"].id)
    db.session.rollback()
    assert count() == 2


# placeholders ---------------------------------------------------------------------------------------------

def test_placeholders_are_filled_and_unknown_ones_stay(app, desk, factory, people):
    company = factory.company("Acme Ltd")
    contact = factory.contact(name="Ayşe Yılmaz", email="ayse@example.org", company=company)
    ticket = desk.ticket("Printer jam", contact=contact, department=people["dep_a"])
    text = ("Hi {customer_name} <{customer_email}> of {company_name}: {ticket_number} “{ticket_subject}” "
            "({department_name}), {agent_name}. {order_id} {Customer_Name} {} { customer_name } {{customer_name}}")
    assert placeholders.fill(text, ticket, people["agent"]) == (
        f"Hi Ayşe Yılmaz <ayse@example.org> of Acme Ltd: {ticket.number} “Printer jam” (Billing), Deniz Agent. "
        "{order_id} {Customer_Name} {} { customer_name } {Ayşe Yılmaz}")


def test_placeholders_without_a_customer_or_department_are_empty(app, desk, people):
    ticket = desk.ticket()
    ticket.contact_id = None
    db.session.commit()
    db.session.expire_all()
    from plugins.support.models import Ticket

    ticket = db.session.get(Ticket, ticket.id)
    assert placeholders.fill("[{customer_name}|{company_name}|{department_name}]", ticket, people["agent"]) == "[||]"


def test_every_placeholder_is_documented_on_the_page(app, client, auth, people):
    auth.login(people["admin"])
    page = client.get("/admin/support/canned-replies/").get_data(as_text=True)
    for name in placeholders.PLACEHOLDERS:
        assert "{" + name + "}" in page


# language -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("contact_locale, agent_locale, texts, expected", [
    ("tr", "en", {"en": "Hello", "tr": "Merhaba"}, "Merhaba"),      # the customer's language
    ("tr_TR", "en", {"en": "Hello", "tr": "Merhaba"}, "Merhaba"),   # a region matches the language
    ("de", "tr", {"en": "Hello", "tr": "Merhaba"}, "Merhaba"),      # not in the customer's: the agent's
    (None, "de", {"en": "Hello", "tr": "Merhaba"}, "Hello"),        # neither: the desk's default (en)
    ("de", "de", {"tr": "Merhaba"}, "Merhaba"),                     # none of those: any
])
def test_the_text_is_chosen_by_language(app, client, auth, desk, factory, people, contact_locale, agent_locale,
                                        texts, expected):
    reply = make(people["admin"], texts=texts)
    ticket = desk.ticket(contact=factory.contact(locale=contact_locale))
    people["agent"].locale = agent_locale
    db.session.commit()
    auth.login(people["agent"])
    response = client.get(f"/support/tickets/{ticket.number}/canned-reply?reply={reply.id}")
    assert response.status_code == 200
    assert response.get_json() == {"text": expected}


# visibility -----------------------------------------------------------------------------------------------

@pytest.fixture
def replies(people):
    admin = people["admin"]
    return {
        "desk": make(admin, "Desk-wide"),
        "dep_a": make(admin, "Billing only", scope="department", department_id=str(people["dep_a"].id)),
        "dep_b": make(admin, "Hardware only", scope="department", department_id=str(people["dep_b"].id)),
        "inactive": make(admin, "Retired", active=False),
        "mine": make(people["agent"], "Mine", personal=True),
        "theirs": make(people["other"], "Theirs", personal=True),
    }


def test_agents_are_offered_the_desk_their_departments_and_their_own_replies(app, people, replies):
    titles = [c.title for c in service.choices(people["agent"])]
    assert titles == ["Mine", "Billing only", "Desk-wide"]
    assert [c.title for c in service.choices(people["other"])] == ["Theirs", "Hardware only", "Desk-wide"]


@pytest.mark.parametrize("name", ["dep_b", "theirs", "inactive"])
def test_replies_not_offered_are_not_insertable(app, client, auth, desk, people, replies, name):
    ticket = desk.ticket()
    with pytest.raises(NotFound):
        service.insertable_or_404(people["agent"], replies[name].id)
    auth.login(people["agent"])
    assert client.get(f"/support/tickets/{ticket.number}/canned-reply?reply={replies[name].id}").status_code == 404
    response = client.post(f"/support/tickets/{ticket.number}/canned-reply",
                           data={"canned_reply": replies[name].id, "body": "typed"})
    assert response.status_code == 404


@pytest.mark.parametrize("raw", ["", "abc", "0", "-1", "99999999999", "1.5", "１"])
def test_malformed_reply_ids_are_404(app, client, auth, desk, people, replies, raw):
    ticket = desk.ticket()
    auth.login(people["agent"])
    assert client.get(f"/support/tickets/{ticket.number}/canned-reply", query_string={"reply": raw}).status_code == 404
    assert client.post(f"/support/tickets/{ticket.number}/canned-reply",
                       data={"canned_reply": raw, "body": "x"}).status_code == 404


def test_a_ticket_the_agent_may_not_see_is_404(app, client, auth, desk, people, replies, set_support):
    set_support(staff_department_only=True)
    ticket = desk.ticket(department=people["dep_b"])
    auth.login(people["agent"])
    assert client.get(f"/support/tickets/{ticket.number}/canned-reply?reply={replies['desk'].id}").status_code == 404
    assert client.post(f"/support/tickets/{ticket.number}/canned-reply",
                       data={"canned_reply": replies["desk"].id, "body": "x"}).status_code == 404
    with pytest.raises(NotFound):
        service.text_for_ticket(people["agent"], replies["desk"], ticket)


def test_anonymous_users_go_to_the_login_page(app, client, desk, replies):
    ticket = desk.ticket()
    for response in (client.get(f"/support/tickets/{ticket.number}/canned-reply?reply={replies['desk'].id}"),
                     client.post(f"/support/tickets/{ticket.number}/canned-reply", data={"canned_reply": "1"})):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# the ticket page --------------------------------------------------------------------------------------------

def test_the_reply_form_offers_only_the_agents_replies(app, client, auth, desk, people, replies):
    ticket = desk.ticket()
    auth.login(people["agent"])
    page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    select_html = re.search(r'<select id="reply-canned".*?</select>', page, re.S).group(0)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select_html) == ["Mine", "Billing only", "Desk-wide"]
    assert "/support/canned-replies" in page  # the agent's own page is reachable from here


def test_the_offered_replies_follow_new_replies_and_memberships_at_once(app, client, auth, desk, people, replies):
    """The replies offered are kept per agent until a canned reply or a membership changes, in every worker."""
    from crm.people.models import DepartmentMember

    ticket = desk.ticket()
    auth.login(people["agent"])

    def offered():
        page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
        select_html = re.search(r'<select id="reply-canned".*?</select>', page, re.S).group(0)
        return re.findall(r"<option[^>]*>([^<]*)</option>", select_html)

    assert offered() == ["Mine", "Billing only", "Desk-wide"]
    make(people["admin"], "Brand new")
    assert offered() == ["Mine", "Billing only", "Brand new", "Desk-wide"]
    db.session.add(DepartmentMember(user_id=people["agent"].id, department_id=people["dep_b"].id))
    db.session.commit()
    assert offered() == ["Mine", "Billing only", "Hardware only", "Brand new", "Desk-wide"]


def test_insert_without_javascript_appends_to_the_typed_text_and_saves_nothing(app, client, auth, desk, factory,
                                                                               people):
    reply = make(people["admin"], texts={"en": "Dear {customer_name}, ticket {ticket_number}.\n<b>Bye</b>"})
    ticket = desk.ticket(contact=factory.contact(name="Ayşe Yılmaz"))
    posts = db.session.scalar(select(func.count()).select_from(Post))
    auth.login(people["agent"])
    on_hold = statuses.status_by_key("on_hold").id
    response = client.post(f"/support/tickets/{ticket.number}/canned-reply",
                           data={"canned_reply": reply.id, "body": "Thanks for waiting.\r\n", "status": on_hold})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _textarea(page, "reply-body") == \
        f"Thanks for waiting.\n\nDear Ayşe Yılmaz, ticket {ticket.number}.\n<b>Bye</b>"
    assert "<b>Bye</b>" not in page  # kept as text, never as markup
    assert f'<option selected value="{on_hold}">' in page or f'value="{on_hold}" selected' in page
    assert db.session.scalar(select(func.count()).select_from(Post)) == posts
    # the empty box gets the text alone; the JSON endpoint gives the same text
    response = client.post(f"/support/tickets/{ticket.number}/canned-reply", data={"canned_reply": reply.id})
    filled = _textarea(response.get_data(as_text=True), "reply-body")
    assert filled == f"Dear Ayşe Yılmaz, ticket {ticket.number}.\n<b>Bye</b>"
    assert client.get(f"/support/tickets/{ticket.number}/canned-reply?reply={reply.id}").get_json()["text"] == filled


# management pages -----------------------------------------------------------------------------------------

ADMIN_URLS = ["/admin/support/canned-replies/", "/admin/support/canned-replies/new",
              "/admin/support/canned-replies/{id}", "/admin/support/canned-replies/{id}/delete"]


@pytest.mark.parametrize("who, expected", [
    ("anonymous", "login"), ("agent", 403), ("manager", "ok"), ("admin", "ok"),
])
def test_shared_reply_pages_need_the_permission(app, client, auth, factory, people, who, expected):
    reply = make(people["admin"])
    if who == "manager":
        auth.login(factory.user(role=factory.role(permissions=[perms.VIEW, perms.REPLY, perms.CANNED_MANAGE])))
    elif who != "anonymous":
        auth.login(people[who])
    for url in ADMIN_URLS:
        url = url.format(id=reply.id)
        response = client.post(url) if url.endswith("delete") else client.get(url)
        if expected == "login":
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        elif expected == "ok":
            assert response.status_code in (200, 302) and "/login" not in response.headers.get("Location", ""), url
        else:
            assert response.status_code == expected, url
    assert (count() == 0) == (expected == "ok")


def test_the_admin_menu_shows_canned_replies_to_admins(app, client, auth, people):
    auth.login(people["admin"])
    page = client.get("/admin/support/statuses").get_data(as_text=True)
    assert 'href="/admin/support/canned-replies/"' in page


def test_an_admin_adds_edits_and_deletes_a_department_reply(app, client, auth, people):
    auth.login(people["admin"])
    response = client.post("/admin/support/canned-replies/new", data={
        "title": "Refund", "text_en": "Refunded, {customer_name}.", "text_tr": "İade edildi.",
        "scope": "department", "department_id": str(people["dep_a"].id), "position": "2", "active": "y"})
    assert response.status_code == 302
    reply = db.session.scalar(select(CannedReply))
    assert (reply.title, reply.scope, reply.department_id) == ("Refund", "department", people["dep_a"].id)
    page = client.get("/admin/support/canned-replies/").get_data(as_text=True)
    assert "Refund" in page and "Billing" in page
    assert "Refunded, {customer_name}." in client.get(f"/admin/support/canned-replies/{reply.id}").get_data(as_text=True)
    response = client.post(f"/admin/support/canned-replies/{reply.id}", data={
        "title": "Refund done", "text_en": "", "text_tr": "İade edildi.", "scope": "desk", "position": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    reply = db.session.get(CannedReply, reply.id)
    assert (reply.title, reply.scope, reply.department_id, reply.active) == ("Refund done", "desk", None, False)
    assert [t.language for t in reply.texts] == ["tr"]
    assert client.post(f"/admin/support/canned-replies/{reply.id}/delete").status_code == 302
    assert count() == 0


def test_the_admin_form_shows_localized_errors_and_stores_nothing(app, client, auth, people):
    people["admin"].locale = "tr"
    db.session.commit()
    auth.login(people["admin"])
    response = client.post("/admin/support/canned-replies/new", data={
        "title": "", "text_en": "", "scope": "department", "department_id": "", "position": "x"})
    assert response.status_code == 400
    assert count() == 0
    page = response.get_data(as_text=True)
    assert page.count('class="error" role="alert"') >= 4


def test_injected_markup_is_kept_as_text(app, client, auth, desk, people):
    auth.login(people["admin"])
    client.post("/admin/support/canned-replies/new", data={
        "title": "<script>alert(1)</script>", "text_en": "<img src=x onerror=alert(1)>", "scope": "desk",
        "position": "0", "active": "y"})
    reply = db.session.scalar(select(CannedReply))
    assert reply.title == "<script>alert(1)</script>" and reply.texts[0].body == "<img src=x onerror=alert(1)>"
    for url in ("/admin/support/canned-replies/", f"/admin/support/canned-replies/{reply.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    ticket = desk.ticket()
    page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_personal_replies_are_not_on_the_admin_pages(app, client, auth, people):
    mine = make(people["agent"], "Mine", personal=True)
    auth.login(people["admin"])
    assert "Mine" not in client.get("/admin/support/canned-replies/").get_data(as_text=True)
    assert client.get(f"/admin/support/canned-replies/{mine.id}").status_code == 404
    assert client.post(f"/admin/support/canned-replies/{mine.id}/delete").status_code == 404
    assert count() == 1


def test_each_agent_manages_only_their_own_replies(app, client, auth, people):
    shared = make(people["admin"], "Shared")
    auth.login(people["agent"])
    response = client.post("/support/canned-replies/new", data={
        "title": "My greeting", "text_en": "Hi {customer_name}", "position": "0", "active": "y",
        "scope": "desk", "department_id": str(people["dep_b"].id)})  # scope fields are not on this form
    assert response.status_code == 302
    mine = db.session.scalar(select(CannedReply).where(CannedReply.title == "My greeting"))
    assert (mine.scope, mine.owner_user_id, mine.department_id) == ("personal", people["agent"].id, None)
    page = client.get("/support/canned-replies").get_data(as_text=True)
    assert "My greeting" in page and "Shared" not in page
    assert client.get(f"/support/canned-replies/{shared.id}").status_code == 404
    other = auth.client_for(people["other"])
    assert "My greeting" not in other.get("/support/canned-replies").get_data(as_text=True)
    assert other.get(f"/support/canned-replies/{mine.id}").status_code == 404
    assert other.post(f"/support/canned-replies/{mine.id}", data={"title": "Stolen", "text_en": "x"}).status_code == 404
    assert other.post(f"/support/canned-replies/{mine.id}/delete").status_code == 404
    assert client.post(f"/support/canned-replies/{mine.id}", data={"title": "", "text_en": ""}).status_code == 400
    assert client.post(f"/support/canned-replies/{mine.id}/delete").status_code == 302
    assert count() == 1


@pytest.mark.parametrize("who, expected", [("anonymous", "login"), ("member", 403), ("agent", 200)])
def test_personal_pages_need_desk_access_and_the_reply_permission(app, client, auth, factory, people, who, expected):
    if who == "member":
        auth.login(factory.user(role="member"))
    elif who == "agent":
        auth.login(people["agent"])
    for url in ("/support/canned-replies", "/support/canned-replies/new"):
        response = client.get(url)
        if expected == "login":
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            assert response.status_code == expected


def test_the_audit_log_words_canned_reply_changes(app, client, auth, people):
    reply = make(people["admin"], "Greeting")
    service.save(people["admin"], {"title": "Hello", "texts": {"en": "Hi"}, "position": "4"}, reply=reply)
    auth.login(people["admin"])
    page = client.get("/admin/audit", query_string={"object_type": "support_canned_reply"}).get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Canned reply created" in text and "Canned reply changed" in text
    assert "Title Greeting → Hello" in text and "Order 0 → 4" in text
    assert "support.canned_reply" not in text


def test_demo_data_brings_replies_in_both_languages(app, factory):
    from crm import demo as host_demo
    from plugins.support.canned_replies.demo import add_canned_replies

    host_demo.host_people()
    add_canned_replies()
    db.session.commit()
    from crm.people.models import User

    billing_agent = db.session.scalar(select(User).where(User.email == "ayse@example.com"))
    titles = [c.title for c in service.choices(billing_agent)]
    assert titles == ["Refund issued", "Thanks for waiting", "Solved, anything else?"]
    for reply in db.session.scalars(select(CannedReply)):
        assert sorted(t.language for t in reply.texts) == ["en", "tr"]
