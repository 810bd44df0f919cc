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
