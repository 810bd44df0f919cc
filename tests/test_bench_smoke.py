"""A small-scale run of the benchmark's seed, so the timed benchmarks in bench/ cannot rot unnoticed.

``bench/seed.py`` fills a fresh SQLite database with 1,000 tickets; then the
pages the benchmark measures must answer with their rows, in the query counts
the suite promises. The timed runs themselves stay out of the suite.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from crm import create_app
from crm.extensions import db

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from seed import AGENT, BIG_TICKET_REPLIES, PASSWORD  # noqa: E402


def test_seeded_pages_answer_with_their_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    env = {**os.environ, "CRM_INSTANCE_PATH": str(tmp_path / "instance")}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "seed.py"), url, "--tickets", "1000"],
                          capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    number = re.search(r"replies: (\S+)", done.stdout).group(1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "INSTANCE_PATH": str(tmp_path / "instance")})
    client = app.test_client()
    assert client.post("/login", data={"email": AGENT, "password": PASSWORD}).status_code == 302
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    client.get("/support/tickets")  # warm the process caches
    event.listen(engine, "before_cursor_execute", count)
    page = client.get("/support/tickets")
    list_queries = len(statements)
    statements.clear()
    ticket = client.get(f"/support/tickets/{number}")
    ticket_queries = len(statements)
    event.remove(engine, "before_cursor_execute", count)
    assert page.status_code == 200 and page.get_data(as_text=True).count('name="ids"') == 50
    assert ticket.status_code == 200
    assert ticket.get_data(as_text=True).count('<article class="post') == min(BIG_TICKET_REPLIES + 1, 50)
    assert list_queries <= 8 and ticket_queries <= 8, (list_queries, ticket_queries)
    with app.app_context():
        db.engine.dispose()


def test_create_and_search_benchmarks_run_on_a_small_desk(tmp_path):
    """``bench/create.py`` opens tickets through the service and ``bench/search.py`` times the list's search.

    Seeded with more posts than tickets (``--posts``, the full-text indexes
    built after the bulk load), the searches must find what the seeded texts
    hold and the created tickets must be found by their subjects.
    """
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    env = {**os.environ, "CRM_INSTANCE_PATH": str(tmp_path / "instance")}

    def run(script, *args):
        done = subprocess.run([sys.executable, str(ROOT / "bench" / script), url, *args],
                              capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    seeded = run("seed.py", "--tickets", "300", "--posts", "3000")
    assert "300 tickets, 3000 posts" in seeded
    created = run("create.py", "--count", "20")
    assert re.search(r"opened 20 tickets in [\d.]+ s: \d+ per second \(sqlite\)", created)
    timed = run("search.py", "--rounds", "1")
    assert re.search(r"50 queries x 1 rounds \(sqlite\): p50 [\d.]+ ms, p95 [\d.]+ ms", timed)

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "INSTANCE_PATH": str(tmp_path / "i")})
    from sqlalchemy import func, select

    from crm.people.models import User
    from plugins.support import listing
    from plugins.support.models import Post, Ticket

    with app.app_context(), app.test_request_context():
        assert db.session.scalar(select(func.count(Post.id))) == 3000 + 20
        assert db.session.scalar(select(func.sum(Ticket.post_count))) == 3000 + 20
        agent = db.session.scalar(select(User).where(User.email == AGENT))

        def found(q):
            filters = listing.Filters.from_args({"q": q})
            counted = listing.search_status_counts(agent, filters)
            return counted, listing.ticket_page(agent, filters, search_counts=counted)

        counted, page = found("printer")  # the created tickets' text ("... the printer on the second floor")
        assert counted.total() == 20 and len(page.items) == 20
        counted, page = found("YAZICI")  # their Turkish subjects, in capitals without the dots
        assert counted.total() == 5 and {row.subject.split()[0] for row in page.items} == {"Yazıcı"}
        counted, page = found("merhaba")  # in many seeded posts: capped, the newest 50 on the page
        assert counted.capped and len(page.items) == 50 and page.has_next
        updated = [row.updated_at for row in page.items]
        assert updated == sorted(updated, reverse=True)
        assert found("qwertyuiop")[0].total() == 0
        db.engine.dispose()
