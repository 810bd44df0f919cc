"""The request limit follows the attachment settings; a post over it (413) returns to the ticket with a message;
the reply and note forms have ids of their own, and carry the limits the browser checks before sending."""
from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from plugins.support.models import Post
from plugins.support.upload_limit import FORM_MARGIN_BYTES

MB = 1024 * 1024


@pytest.fixture
def admin_client(client, auth, factory):
    auth.login(factory.admin())
    return client


def _limit(app, admin_client, ticket):
    """The limit the app applies to a POST to the ticket."""
    from crm.upload_limit import request_limit

    with app.test_request_context(f"/support/tickets/{ticket.number}/reply", method="POST"):
        return request_limit()


def test_request_limit_is_max_files_times_max_size_plus_a_margin(app, admin_client, desk, set_support):
    ticket = desk.ticket()
    assert _limit(app, admin_client, ticket) == 5 * 20 * MB + FORM_MARGIN_BYTES
    set_support(max_attachments=20, max_file_size_mb=100)
    assert _limit(app, admin_client, ticket) == 20 * 100 * MB + FORM_MARGIN_BYTES
    assert _limit(app, admin_client, ticket) > app.config["MAX_CONTENT_LENGTH"]  # settings allow more than 120 MB


def test_a_post_over_the_limit_returns_to_the_ticket_with_a_message(app, admin_client, desk, set_support):
    set_support(max_attachments=1, max_file_size_mb=1)
    ticket = desk.ticket()
    before = db.session.scalar(select(func.count()).select_from(Post))
    big = b"x" * (FORM_MARGIN_BYTES + 2 * MB)
    response = admin_client.post(f"/support/tickets/{ticket.number}/reply",
                                 data={"body": "typed text", "attachments": [(io.BytesIO(big), "big.txt")]},
                                 content_type="multipart/form-data")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/support/tickets/{ticket.number}")
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The files were too large to send (at most 1 files of 1 MB each)" in page
    assert "could not be kept" in page
    assert db.session.scalar(select(func.count()).select_from(Post)) == before


def test_reply_and_note_fields_have_distinct_ids_and_labels_point_at_them(app, admin_client, desk):
    ticket = desk.ticket()
    html = admin_client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []
    for wanted in ("reply-body", "reply-status", "reply-attachments", "note-body", "note-attachments"):
        assert ids[wanted] == 1 and f'for="{wanted}"' in html
    note = re.search(r'<form[^>]*id="note".*?</form>', html, re.S).group(0)
    assert 'name="body"' in note and 'id="note-body"' in note


def test_forms_carry_the_limits_for_the_check_before_sending(app, admin_client, desk, set_support):
    set_support(max_attachments=3, max_file_size_mb=7)
    ticket = desk.ticket()
    html = admin_client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    reply = re.search(r'<form[^>]*id="reply"[^>]*>', html).group(0)
    assert 'data-max-files="3"' in reply and f'data-max-file-bytes="{7 * MB}"' in reply
    assert "upload_check.js" in html
