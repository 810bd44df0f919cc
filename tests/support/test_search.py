"""Search on the staff list: ticket numbers, people, Turkish case folding and accents, counts within the search.

Runs on SQLite and on PostgreSQL (CRM_TEST_DATABASE_URL): both must find the same tickets.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from crm.actors import SYSTEM
from crm.extensions import db
from plugins.support import folding, listing, services, statuses
from plugins.support.models import Post, Ticket

@pytest.fixture
def admin_client(client, auth, factory):
    auth.login(factory.admin())
    return client


NUMBER = re.compile(r'<td class="ticket-number"><a [^>]*>([^<]+)</a>')


def _found(client, q, **args):
    html = client.get("/support/tickets", query_string={"q": q, **args}).get_data(as_text=True)
    return sorted(NUMBER.findall(html))


# folding -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, folded", [
    ("SIFIRLAMA", "sifirlama"), ("sıfırlama", "sifirlama"), ("Sifirlama", "sifirlama"), ("İSTANBUL", "istanbul"),
    ("istanbul", "istanbul"), ("ŞİFRE", "sifre"), ("şifre", "sifre"), ("ÇĞÖÜ", "cgou"), ("Straße", "strasse"),
    ("Ärger", "arger"), ("IŞIK", "isik"),
])
def test_fold_makes_turkish_and_accented_spellings_one_word(typed, folded):
    assert folding.fold(typed) == folded


def test_ticket_numbers_are_found_in_full_and_without_zeros():
    assert folding.number_words("2026-00050") == ["2026", "00050", "n50"]


# the list ----------------------------------------------------------------------------------------

def test_turkish_capitals_lower_case_and_missing_accents_find_the_same_tickets(app, admin_client, desk):
    reset = desk.ticket("Şifre sıfırlama çalışmıyor", body="Giriş yapamıyorum.")
    light = desk.ticket("Işık yanmıyor", body="IŞIK arızası, İSTANBUL şubesi.")
    other = desk.ticket("Printer", body="Paper jam.")
    for q in ("SIFIRLAMA", "sıfırlama", "Sifirlama", "sifirlama", "ŞİFRE", "sifre", "şifre", "Şifre sıfırlama",
              "GIRIŞ", "giris"):
        assert _found(admin_client, q) == [reset.number], q
    for q in ("ışık", "IŞIK", "isik", "Işık", "istanbul", "İstanbul", "ISTANBUL", "ıstanbul"):
        assert _found(admin_client, q) == [light.number], q
    assert _found(admin_client, "paper") == [other.number]


def test_a_ticket_is_found_by_its_number_full_or_partial(app, admin_client, desk, factory):
    tickets = [desk.ticket(f"Ticket {word}", contact=factory.contact(name=word.title(), email=f"{word}@example.org"))
               for word in ("one", "two", "three")]  # no digits but the numbers'
    costs = desk.ticket("Costs 2 lira")
    target = tickets[1]
    year, serial = target.number.split("-")
    assert _found(admin_client, target.number) == [target.number]
    assert _found(admin_client, serial) == [target.number]
    # digits are whole numbers: the serial without its zeros, or the number "2" in a text, never a prefix
    assert _found(admin_client, str(int(serial))) == sorted([target.number, costs.number])
    assert _found(admin_client, f"#{target.number}") == [target.number]
    assert _found(admin_client, year) == sorted([*(t.number for t in tickets), costs.number])


def test_a_ticket_is_found_by_customer_name_email_and_company(app, admin_client, desk, factory):
    company = factory.company("Öztürk Lojistik A.Ş.")
    ayse = factory.contact(name="Ayşe Yılmaz", email="ayse.yilmaz@musteri.com.tr", company=company)
    mine = desk.ticket("Fatura sorusu", contact=ayse)
    desk.ticket("Fatura sorusu", contact=factory.contact(name="John Smith", email="john@example.com"))
    for q in ("ayse", "AYŞE", "yilmaz", "YILMAZ", "ayse.yilmaz@musteri.com.tr", "musteri", "ozturk",
              "ÖZTÜRK lojistik", "fatura ayse"):
        assert _found(admin_client, q) == [mine.number], q


def test_renamed_customer_and_company_are_found_by_their_new_names(app, admin_client, desk, factory):
    company = factory.company("Old Company")
    contact = factory.contact(name="Old Name", email="old@example.com", company=company)
    ticket = desk.ticket("Anything", contact=contact)
    contact.name, contact.email = "Gülşen Kaya", "gulsen@example.com"
    company.name = "Çınar Yazılım"
    db.session.commit()
    assert _found(admin_client, "old") == []
    assert _found(admin_client, "GÜLŞEN") == [ticket.number]
    assert _found(admin_client, "gulsen@example.com") == [ticket.number]
    assert _found(admin_client, "CINAR") == [ticket.number]


def test_subject_and_reply_changes_are_searchable(app, admin_client, desk, factory):
    ticket = desk.ticket("Yazıcı", body="Kağıt sıkıştı.")
    services.update_ticket(ticket, {"subject": "Tarayıcı bozuk"}, actor=SYSTEM)
    services.add_reply(ticket, "Sürücüyü güncelleyin.", author=factory.admin())
    assert _found(admin_client, "yazici") == []
    assert _found(admin_client, "TARAYICI") == [ticket.number]
    assert _found(admin_client, "surucuyu") == [ticket.number]
    assert _found(admin_client, "kagit") == [ticket.number]


def test_search_text_is_kept_by_bulk_inserts(app, desk):
    """Demo data and the benchmark seed insert rows in bulk: the column defaults fold them too."""
    ticket = desk.ticket("Bulk")
    db.session.execute(Post.__table__.insert(), [
        {"ticket_id": ticket.id, "kind": "customer_message", "body": "", "body_text": "ÖDEME İADESİ"}])
    db.session.commit()
    stored = db.session.scalar(select(Post.search_text).where(Post.body_text == "ÖDEME İADESİ"))
    assert stored == "odeme iadesi"
    assert db.session.scalar(select(Ticket.search_text).where(Ticket.id == ticket.id)).startswith(
        " ".join(folding.number_words(ticket.number)))


def test_staff_search_internal_notes_but_the_customer_audience_does_not(app, admin_client, desk, factory):
    from plugins.support.search import matching_tickets

    ticket = desk.ticket("Kargo", body="Nerede?")
    services.add_note(ticket, "GİZLİ not: iade edilecek", author=factory.admin())
    assert _found(admin_client, "gizli") == [ticket.number]
    staff_ids = db.session.scalars(matching_tickets("gizli", include_internal=True)).all()
    customer_ids = db.session.scalars(matching_tickets("gizli", include_internal=False)).all()
    assert staff_ids == [ticket.id] and customer_ids == []


# counts ------------------------------------------------------------------------------------------

def _chip(html, status_id):
    match = re.search(rf'status={status_id}[^"]*"[^>]*>.*?<span class="badge">([^<]+)</span>', html)
    return match.group(1) if match else None


def test_result_count_and_status_chips_count_within_the_search(app, admin_client, desk):
    matching = [desk.ticket(f"Ödeme {i}") for i in range(3)]
    for _ in range(4):
        desk.ticket("Başka konu")
    services.update_ticket(matching[0], {"status": "closed"}, actor=SYSTEM)
    closed, open_ = statuses.status_by_key("closed"), statuses.status_by_key("open")
    html = admin_client.get("/support/tickets", query_string={"q": "odeme"}).get_data(as_text=True)
    assert "3 tickets match the search." in html
    assert _chip(html, closed.id) == "1" and _chip(html, open_.id) == "2"
    chip_link = re.search(r'<nav class="support-counts".*?href="([^"]*status=%d[^"]*)"' % closed.id, html, re.S)
    assert "q=odeme" in chip_link.group(1), "chips keep the search"
    html = admin_client.get("/support/tickets", query_string={"q": "odeme", "status": closed.id}
                            ).get_data(as_text=True)
    assert "1 ticket matches the search." in html
    assert NUMBER.findall(html) == [matching[0].number]
    html = admin_client.get("/support/tickets").get_data(as_text=True)
    assert _chip(html, open_.id) == "6" and "match the search" not in html


def test_counting_stops_at_the_cap(app, admin_client, desk, monkeypatch):
    monkeypatch.setattr(listing, "SEARCH_COUNT_CAP", 2)
    for i in range(4):
        desk.ticket(f"Kargo {i}")
    html = admin_client.get("/support/tickets", query_string={"q": "KARGO"}).get_data(as_text=True)
    assert "More than 2 tickets match the search." in html
    assert re.search(r'<span class="badge">2\+</span>', html)


def test_search_input_never_breaks_the_query(app, admin_client, desk):
    desk.ticket("Normal")
    for q in ('"', "*", "NEAR(a b)", "a:b", "'; DROP TABLE support_ticket; --", "ı" * 300, "!!!", "x" * 5000):
        response = admin_client.get("/support/tickets", query_string={"q": q})
        assert response.status_code == 200, q


def test_the_migration_fills_search_text_of_existing_rows(app, desk):
    from plugins.support import search_text

    ticket = desk.ticket("Eski kayıt", body="ŞİKAYET")
    db.session.execute(text("UPDATE support_ticket SET search_text = ''"))
    db.session.execute(text("UPDATE support_post SET search_text = ''"))
    db.session.commit()
    connection = db.session.connection()
    search_text.refresh_tickets(connection)
    search_text.refresh_posts(connection)
    db.session.commit()
    assert "eski kayit" in db.session.scalar(select(Ticket.search_text).where(Ticket.id == ticket.id))
    assert db.session.scalar(select(Post.search_text).where(Post.ticket_id == ticket.id)) == "sikayet"
