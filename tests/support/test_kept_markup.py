"""The list's rows, the conversation's posts and the history's lines are rendered once per process for the
exact values they show (crm.fragments.memo_each): whatever changes, the next page shows it."""
import re

from crm.extensions import db
from plugins.support import services
from plugins.support.models import Post, Status


def _row(html: str, number: str) -> str:
    found = re.search(rf'<tr>\s*<td><input type="checkbox" name="ids"[^>]*aria-label="[^"]*{number}[^"]*".*?</tr>',
                      html, re.S)
    assert found, number
    return found.group(0)


def test_a_kept_row_shows_every_later_change(app, client, auth, factory, desk):
    agent = factory.admin()
    contact = factory.contact(name="Ayşe Kaya")
    ticket = desk.ticket("Printer offline", contact=contact)
    other = desk.ticket("Invoice copy")
    auth.login(agent)
    row = _row(client.get("/support/tickets").get_data(as_text=True), ticket.number)
    assert "Ayşe Kaya" in row and "Printer offline" in row
    contact.name = "Ayşe Demir"  # the ticket itself does not change
    db.session.commit()
    services.update_ticket(db.session.merge(ticket), {"tags": ["urgent"]}, actor=agent)
    db.session.commit()
    html = client.get("/support/tickets").get_data(as_text=True)
    row = _row(html, ticket.number)
    assert "Ayşe Demir" in row and "Ayşe Kaya" not in html and '<span class="badge">urgent</span>' in row
    assert "Invoice copy" in _row(html, other.number)
    status = db.session.get(Status, ticket.status_id)
    status.name = "Waiting for parts"  # configuration: a status renamed by an admin
    db.session.commit()
    assert "Waiting for parts" in _row(client.get("/support/tickets").get_data(as_text=True), ticket.number)


def test_rows_are_kept_per_language_and_timezone(app, client, auth, factory, desk):
    ticket = desk.ticket("Printer offline")
    english = factory.admin(locale="en", timezone="UTC")
    turkish = factory.admin(locale="tr", timezone="Europe/Istanbul")
    auth.login(english)
    english_row = _row(client.get("/support/tickets").get_data(as_text=True), ticket.number)
    turkish_client = auth.client_for(turkish)
    turkish_row = _row(turkish_client.get("/support/tickets").get_data(as_text=True), ticket.number)
    assert english_row != turkish_row
    assert "Choose " in english_row and "Choose " not in turkish_row
    assert english_row == _row(client.get("/support/tickets").get_data(as_text=True), ticket.number)


def _posts(html: str) -> list[str]:
    return re.findall(r'<article class="post.*?</article>', html, re.S)


def test_kept_posts_follow_names_deletions_and_carry_each_viewers_token(app, client, auth, factory, desk):
    admin = factory.admin(name="Deniz")
    ticket = desk.ticket("Printer offline")
    services.add_reply(db.session.merge(ticket), "Restart it, please.", author=admin)
    db.session.commit()
    url = f"/support/tickets/{ticket.number}"
    auth.login(admin)
    first = client.get(url).get_data(as_text=True)
    assert len(_posts(first)) == 2 and "Deniz" in _posts(first)[1]
    admin.name = "Deniz Yılmaz"
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Deniz Yılmaz" in _posts(page)[1]
    delete_form = r'action="[^"]*/posts/\d+/delete"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"'
    tokens = set(re.findall(delete_form, page))
    assert len(tokens) == 1 and "crm-csrf-token" not in page and "<crm-csrf" not in page
    other = auth.client_for(factory.admin(name="Ece"))
    other_page = other.get(url).get_data(as_text=True)
    other_tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', other_page))
    assert tokens.isdisjoint(other_tokens)  # the kept post markup holds no one's token
    reply = db.session.scalar(db.select(Post).where(Post.ticket_id == ticket.id).order_by(Post.id.desc()))
    services.delete_post(reply, actor=admin)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert len(_posts(page)) == 1 and "Restart it" not in page


def test_viewers_who_may_not_delete_get_posts_without_delete_forms(app, client, auth, factory, desk):
    ticket = desk.ticket("Printer offline")
    url = f"/support/tickets/{ticket.number}"
    auth.client_for(factory.admin()).get(url)  # kept with delete forms for admins
    viewer = factory.user(role=factory.role(permissions=["support.tickets.view"]))
    auth.login(viewer)
    page = client.get(url).get_data(as_text=True)
    assert _posts(page) and "/delete" not in "".join(_posts(page))


def test_kept_history_lines_follow_a_renamed_status(app, client, auth, factory, desk):
    admin = factory.admin()
    ticket = desk.ticket("Printer offline")
    closed = db.session.scalar(db.select(Status).where(Status.key == "closed"))
    services.update_ticket(db.session.merge(ticket), {"status": closed.id}, actor=admin)
    db.session.commit()
    url = f"/support/tickets/{ticket.number}"
    auth.login(admin)
    history = re.search(r'<ul class="history">(.*?)</ul>', client.get(url).get_data(as_text=True), re.S).group(1)
    assert "Status:" in history and "Closed" in history
    closed.name = "Done and dusted"
    db.session.commit()
    history = re.search(r'<ul class="history">(.*?)</ul>', client.get(url).get_data(as_text=True), re.S).group(1)
    assert "Done and dusted" in history
