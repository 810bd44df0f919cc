"""A form's own page (F-3): responses filtered by date and topic, paginated, and the streamed CSV export."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from crm.extensions import db
from plugins.forms.export import safe_cell
from plugins.forms.models import Answer, Response
from plugins.support.models import Ticket

START = datetime(2026, 11, 1, 9, 0)


def _tickets(factory, count: int, prefix="T") -> list[int]:
    """``count`` tickets copied from one opened through support (fast enough for thousands)."""
    model = factory.ticket("Template", "b")
    row = {c.key: getattr(model, c.key) for c in Ticket.__table__.columns if c.key not in ("id", "number")}
    db.session.execute(insert(Ticket), [{**row, "number": f"{prefix}-{n}", "subject": f"Subject {n}"}
                                        for n in range(count)])
    db.session.commit()
    return list(db.session.scalars(select(Ticket.id).where(Ticket.number.like(f"{prefix}-%")).order_by(Ticket.id)))


def _responses(form, questions, ticket_ids, topic, texts=lambda n, q: f"answer {n}/{q}"):
    db.session.execute(insert(Response), [
        {"form_id": form.id, "ticket_id": t, "topic_id": topic.id if topic else None,
         "created_at": START + timedelta(minutes=n)} for n, t in enumerate(ticket_ids)])
    rows = db.session.execute(select(Response.id, Response.ticket_id).where(Response.form_id == form.id)).all()
    order = {t: n for n, t in enumerate(ticket_ids)}
    db.session.execute(insert(Answer), [
        {"response_id": r, "question_id": q.id, "ticket_id": t, "value": texts(order[t], i), "text": texts(order[t], i)}
        for r, t in rows for i, q in enumerate(questions)])
    db.session.commit()


@pytest.fixture
def form_with_questions(kit):
    topic = kit.topic("Teknik Sorun")
    form = kit.form(questions=[{"kind": "text", "label": "Model"}, {"kind": "textarea", "label": "Açıklama"}],
                    topic=topic)
    return form, kit.questions(form), topic


def test_the_page_lists_filters_and_paginates(app, admin_client, factory, kit, form_with_questions):
    form, questions, topic = form_with_questions
    other_topic = kit.topic("Fatura")
    _responses(form, questions, _tickets(factory, 30), topic)
    late = _tickets(factory, 2, prefix="L")
    db.session.execute(insert(Response), [{"form_id": form.id, "ticket_id": t, "topic_id": other_topic.id,
                                           "created_at": datetime(2026, 12, 1, 12)} for t in late])
    db.session.commit()
    page = admin_client.get(f"/admin/forms/{form.id}/responses").get_data(as_text=True)
    assert "L-1" in page and "answer 29/0" in page and "answer 0/0" not in page  # newest first, 25 a page
    assert "Page 1 of 2" in page
    assert "answer 0/0" in admin_client.get(f"/admin/forms/{form.id}/responses?page=2").get_data(as_text=True)
    by_topic = admin_client.get(f"/admin/forms/{form.id}/responses?topic={other_topic.id}").get_data(as_text=True)
    assert "L-0" in by_topic and "T-0" not in by_topic
    by_date = admin_client.get(f"/admin/forms/{form.id}/responses?from=2026-12-01&to=2026-12-01").get_data(
        as_text=True)
    assert "L-0" in by_date and "T-29" not in by_date
    bad = admin_client.get(f"/admin/forms/{form.id}/responses?from=yesterday&to=2026-99-99&topic=%C2%B2")
    assert bad.status_code == 400 and "The start date is not a date" in bad.get_data(as_text=True)
    for url in (f"/admin/forms/{form.id}/responses?from=0001-01-01&to=9999-12-31",
                f"/admin/forms/{form.id}/responses.csv?from=0001-01-01&to=9999-12-31&topic=99999999999999999999"):
        assert admin_client.get(url).status_code == 200, url
    reversed_dates = admin_client.get(f"/admin/forms/{form.id}/responses?from=2026-12-02&to=2026-12-01")
    assert "The start date is after the end date." in reversed_dates.get_data(as_text=True)


def test_the_page_shows_only_tickets_the_viewer_may_see(app, client, auth, factory, kit, form_with_questions):
    from crm.settings import set_many

    form, questions, topic = form_with_questions
    mine, theirs = factory.department("Mine"), factory.department("Theirs")
    seen = factory.ticket("Seen", "b", department=mine)
    hidden = factory.ticket("Hidden", "b", department=theirs)
    _responses(form, questions, [seen.id, hidden.id], topic)
    set_many("support", {"staff_department_only": True})
    role = factory.role("Form keepers", ["forms.manage", "support.tickets.view"])
    auth.login(factory.user(role=role, departments=[mine]))
    page = client.get(f"/admin/forms/{form.id}/responses").get_data(as_text=True)
    assert seen.number in page and hidden.number not in page
    exported = client.get(f"/admin/forms/{form.id}/responses.csv").get_data(as_text=True)
    assert seen.number in exported and hidden.number not in exported


def test_the_csv_export_streams_thousands_of_rows(app, admin_client, factory, form_with_questions, count_queries):
    form, questions, topic = form_with_questions
    count = 3000
    _responses(form, questions, _tickets(factory, count), topic)
    with count_queries() as q:
        response = admin_client.get(f"/admin/forms/{form.id}/responses.csv", buffered=False)
        assert response.status_code == 200 and response.is_streamed
        assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
        chunks = iter(response.response)
        header = next(chunks)
        assert header.decode() == "Ticket,Subject,Date,Topic,Model,Açıklama\r\n"  # before any row is read
        rest = [chunk for chunk in chunks]
    response.close()
    assert len(rest) == count  # one line at a time, never the whole file at once
    rows = list(csv.reader(io.StringIO(b"".join([header, *rest]).decode())))
    assert len(rows) == count + 1
    assert rows[1] == [f"T-{count - 1}", f"Subject {count - 1}", (START + timedelta(minutes=count - 1)).strftime(
        "%Y-%m-%d %H:%M"), "Teknik Sorun", f"answer {count - 1}/0", f"answer {count - 1}/1"]
    assert rows[-1][0] == "T-0"
    assert q.count < 20  # a constant number of queries, not one per response


def test_the_export_keeps_filters_and_defuses_formulas(app, admin_client, factory, form_with_questions):
    form, questions, topic = form_with_questions
    evil = ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\tTab", "safe, with \"quotes\"\nand a line"]
    _responses(form, questions, _tickets(factory, len(evil)), topic, texts=lambda n, q: evil[n])
    text = admin_client.get(f"/admin/forms/{form.id}/responses.csv").get_data(as_text=True)
    answers = {row[4] for row in list(csv.reader(io.StringIO(text)))[1:]}
    assert answers == {"'=HYPERLINK(\"http://x\")", "'+1+1", "'-2", "'@SUM(A1)", "'\tTab",
                       "safe, with \"quotes\"\nand a line"}
    none = admin_client.get(f"/admin/forms/{form.id}/responses.csv?from=2030-01-01").get_data(as_text=True)
    assert none.count("\n") == 1  # the header only


def test_safe_cell():
    assert safe_cell("=1") == "'=1" and safe_cell("a=1") == "a=1" and safe_cell(None) == "" and safe_cell(5) == "5"
