"""Ticket numbers stay unique when tickets are opened concurrently (SQLite and PostgreSQL)."""
import threading

from sqlalchemy import select

from crm.actors import SYSTEM
from crm.extensions import db
from plugins.support import services
from plugins.support.models import Ticket

THREADS = 6
PER_THREAD = 4


def test_concurrent_creation_gives_distinct_numbers(app, factory):
    contact_id = factory.contact().id
    from plugins.support import statuses

    statuses.ensure_defaults()
    db.session.commit()
    errors, numbers = [], []
    start = threading.Barrier(THREADS)

    def work():
        try:
            with app.app_context():
                start.wait()
                for i in range(PER_THREAD):
                    ticket = services.open_ticket(f"Parallel {i}", contact=contact_id, channel="api", author=SYSTEM,
                                                  body="hello")
                    numbers.append(ticket.number)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(numbers) == THREADS * PER_THREAD
    assert len(set(numbers)) == len(numbers)
    stored = list(db.session.scalars(select(Ticket.number)))
    assert sorted(stored) == sorted(numbers)
    values = sorted(int(n.split("-")[1]) for n in numbers)
    assert values == list(range(values[0], values[0] + len(values)))
