"""How a search runs: rare words from the index, common ones checked on the newest tickets; same answers.

Runs on SQLite and on PostgreSQL (CRM_TEST_DATABASE_URL).
"""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from crm.actors import SYSTEM
from crm.extensions import db
from plugins.support import listing, search, search_plan, services
from plugins.support.models import Ticket

QUERIES = ["sifre", "ŞİFRE sıfırlama", "kargo", "kar", "gizli", "2", "00002", "ayse", "yilmaz ozturk",
           "fatura kargo", "zzzz", "iade", "not", "ödeme", "odeme iade"]


@pytest.fixture
def tickets(desk, factory):
    company = factory.company("Öztürk Lojistik")
    ayse = factory.contact(name="Ayşe Yılmaz", email="ayse@example.com.tr", company=company)
    made = [
        desk.ticket("Şifre sıfırlama", body="Giriş yapamıyorum.", contact=ayse),
        desk.ticket("Kargo nerede", body="Sipariş 2 gündür bekliyor."),
        desk.ticket("Fatura", body="Ödeme iadesi istiyorum."),
        desk.ticket("Kargo hasarlı", body="Kutu ezik geldi.", contact=ayse),
    ]
    services.add_note(made[1], "GİZLİ not: kargo firmasını ara", author=factory.admin())
    services.add_reply(made[2], "İade yapıldı, kargo ücreti dahil.", author=factory.admin())
    return made


def _ids(query, include_internal):
    found = search.matching_tickets(query, include_internal=include_internal)
    return sorted(db.session.scalars(found)) if found is not None else None


def test_index_lookup_and_row_checks_find_the_same_tickets(app, tickets, monkeypatch):
    looked_up = {(q, staff): _ids(q, staff) for q in QUERIES for staff in (True, False)}
    monkeypatch.setattr(search_plan, "RARE", 0)  # every word with a hit is "common": checked row by row
    checked = {(q, staff): _ids(q, staff) for q in QUERIES for staff in (True, False)}
    assert checked == looked_up
    first, second, third, fourth = (t.id for t in tickets)
    assert looked_up["sifre", True] == [first]
    assert looked_up["kargo", True] == sorted([second, third, fourth])  # the third by its reply
    assert looked_up["kar", True] == sorted([second, third, fourth])  # word starts
    assert looked_up["gizli", True] == [second] and looked_up["gizli", False] == []  # internal note
    assert looked_up["ayse", True] == sorted([first, fourth])
    assert looked_up["yilmaz ozturk", True] == sorted([first, fourth])
    assert looked_up["zzzz", True] == []
    assert second in looked_up["2", True]  # a whole number in the text


def test_a_mix_of_common_and_rare_words_is_checked_on_the_rare_ones_candidates(app, tickets, monkeypatch):
    monkeypatch.setattr(search_plan, "RARE", 1)  # "kargo" (two subjects, two posts) is common, "hasarli" rare
    probed = {w.word: w for w in search_plan.probe(["kargo", "hasarli"])}
    assert probed["kargo"].tickets is None and probed["kargo"].posts is None
    assert probed["hasarli"].rare and (probed["hasarli"].tickets, probed["hasarli"].posts) == (1, 0)
    assert _ids("kargo hasarli", True) == [tickets[3].id]
    assert _ids("kargo", True) == sorted(t.id for t in tickets[1:])


def test_the_index_is_asked_once_whatever_the_words(app, tickets, count_queries):
    with count_queries() as counted:
        search.condition("kargo iade şifre ayse 2", include_internal=True)
    assert counted.count == 1


def test_a_capped_search_pages_on_newest_first(app, tickets, desk, factory, monkeypatch):
    monkeypatch.setattr(listing, "SEARCH_COUNT_CAP", 2)
    more = [desk.ticket(f"Kargo {i}") for i in range(3)]
    admin = factory.admin()
    matching = set(db.session.scalars(select(Ticket.id).where(search.condition("kargo"))))
    expected = list(db.session.scalars(select(Ticket.id).where(Ticket.id.in_(matching))
                                       .order_by(Ticket.updated_at.desc(), Ticket.id.desc())))
    seen = []
    for number in (1, 2, 3):
        filters = listing.Filters.from_args({"q": "kargo", "page": str(number)})
        counted = listing.search_status_counts(admin, filters)
        assert counted.capped and counted.label() == "2+"
        page = listing.ticket_page(admin, filters, per_page=2, search_counts=counted)
        seen.extend(row.id for row in page.items)
        assert page.has_next == (number < 3)
    assert seen == expected and len(seen) == 6


def test_bad_words_never_break_the_probe(app, tickets):
    for query in ('"', "a*b", "NEAR(x", "x_y", "%", "a' OR 1=1 --", "ı" * 200, "0" * 30):
        assert _ids(query, True) is None or isinstance(_ids(query, True), list)
    services.update_ticket(tickets[0], {"subject": "x_y test"}, actor=SYSTEM)
    assert _ids("x_y", True) == [tickets[0].id]


def test_an_opened_ticket_stores_the_text_a_refold_would_give(app, tickets):
    from plugins.support import search_text

    stored = dict(db.session.execute(select(Ticket.id, Ticket.search_text)).all())
    search_text.refresh_tickets(db.session.connection(), list(stored))
    assert dict(db.session.execute(select(Ticket.id, Ticket.search_text)).all()) == stored
    assert "ozturk" in stored[tickets[0].id].split() and "ayse" in stored[tickets[0].id].split()


def test_the_probe_counts_each_part_whole_words_first_then_prefixes(app, tickets, monkeypatch):
    counts = {w.word: (w.tickets, w.posts) for w in search_plan.probe(["kargo", "kar", "gizli", "2", "zzzz"])}
    # "kargo": two subjects, a note and a reply; "kar" only as a prefix (of kargo); a number as a whole number
    assert counts == {"kargo": (2, 2), "kar": (2, 2), "gizli": (0, 1), "2": (1, 1), "zzzz": (0, 0)}
    monkeypatch.setattr(search_plan, "RARE", 1)
    counts = {w.word: (w.tickets, w.posts) for w in search_plan.probe(["kargo", "kar", "gizli"])}
    assert counts == {"kargo": (None, None), "kar": (None, None), "gizli": (0, 1)}


def test_rare_words_intersect_their_hits_and_customers_never_match_a_note(app, tickets, desk, factory):
    first, second, third, fourth = (t.id for t in tickets)
    assert _ids("kargo hasarli", True) == [fourth]  # both rare: the tickets both words name
    assert _ids("ayse kargo", True) == [fourth]
    assert _ids("ayse fatura", True) == []
    assert _ids("firmasini", True) == [second] and _ids("firmasini", False) == []  # only in the internal note
    assert _ids("kargo firmasini", False) == [] and _ids("kargo firmasini", True) == [second]
    ticket = desk.ticket("Yedek parça", body="firmasını bekliyoruz")  # the same word in a public post
    assert _ids("firmasini", False) == [ticket.id]


def test_postgresql_full_text_indexes_take_new_rows_without_a_pending_list(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a setting of PostgreSQL's GIN indexes")
    assert _gin_options(db.session) == {"ix_support_ticket_search_fts": ["fastupdate=off"],
                                        "ix_support_post_search_fts": ["fastupdate=off"]}


def test_the_migration_turns_the_pending_list_off(tmp_path):
    import os
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.orm import Session

    from crm import create_app
    from crm.cli import upgrade_database
    from tests.conftest import builtin_plugins

    server_url = os.environ.get("CRM_TEST_DATABASE_URL", "")
    if not server_url.startswith("postgresql"):
        pytest.skip("needs a PostgreSQL server (CRM_TEST_DATABASE_URL)")
    server, name = make_url(server_url), f"crm_gin_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        migrated = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                               "INSTANCE_PATH": str(tmp_path / "instance")}, plugins=builtin_plugins())
        with migrated.app_context():
            upgrade_database()
            with Session(db.engine) as session:
                assert _gin_options(session) == {"ix_support_ticket_search_fts": ["fastupdate=off"],
                                                 "ix_support_post_search_fts": ["fastupdate=off"]}
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _gin_options(session) -> dict:
    return dict(session.execute(text(
        "SELECT relname, reloptions FROM pg_class "
        "WHERE relname IN ('ix_support_ticket_search_fts', 'ix_support_post_search_fts')")).all())


def test_a_department_members_search_finds_only_the_tickets_they_may_see(app, desk, factory, set_support, monkeypatch):
    set_support(staff_department_only=True)
    mine, other = factory.department(), factory.department()
    member = factory.user(departments=[mine])
    seen = [desk.ticket(f"Kargo {i}", department=mine) for i in range(3)]
    for i in range(3):
        desk.ticket(f"Kargo başka {i}", department=other)
    assigned = desk.ticket("Kargo atanmış", department=other)
    services.update_ticket(assigned, {"assignee_department": mine.id}, actor=SYSTEM)
    expected = [t.id for t in sorted([*seen, assigned], key=lambda t: (t.updated_at, t.id), reverse=True)]
    for rare in (search_plan.RARE, 0):  # the index's hits, then the newest-first walk
        monkeypatch.setattr(search_plan, "RARE", rare)
        for query in ("kargo", "KARGO kar"):
            filters = listing.Filters.from_args({"q": query})
            counted = listing.search_status_counts(member, filters)
            page = listing.ticket_page(member, filters, search_counts=counted)
            assert [row.id for row in page.items] == expected and counted.label() == "4", (query, rare)
