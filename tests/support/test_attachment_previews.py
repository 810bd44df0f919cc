"""Attachments: images and PDFs previewed inline after content sniffing (sandbox kept); text with markup is text."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from crm.extensions import db
from plugins.support import services
from plugins.support.models import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GIF = b"GIF89a" + b"\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 40
HTML_TEXT = b"<html><body><script>alert(1)</script>notes</body></html>\n"


@pytest.fixture
def admin(factory):
    return factory.admin()


def _upload(name, data):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(data), filename=name)


def _attach(desk, admin, name, data, set_support=None):
    ticket = desk.ticket()
    post = services.add_note(ticket, "see file", author=admin, attachments=[_upload(name, data)])
    row = db.session.scalar(select(Attachment).where(Attachment.post_id == post.id))
    return ticket, row


@pytest.mark.parametrize("name, data, mimetype", [
    ("shot.png", PNG, "image/png"), ("anim.gif", GIF, "image/gif"), ("invoice.pdf", PDF, "application/pdf"),
])
def test_images_and_pdfs_are_previewed_inline_with_the_sandbox(app, client, auth, desk, admin, name, data, mimetype):
    ticket, row = _attach(desk, admin, name, data)
    auth.login(admin)
    response = client.get(f"/support/tickets/{ticket.number}/files/{row.id}/preview")
    assert response.status_code == 200 and response.data == data
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "private, no-store"
    page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert f"/support/tickets/{ticket.number}/files/{row.id}/preview" in page


def test_page_shows_an_image_thumbnail_but_no_preview_for_other_files(app, client, auth, desk, admin):
    ticket, image = _attach(desk, admin, "shot.png", PNG)
    services.add_note(ticket, "log", author=admin, attachments=[_upload("trace.txt", b"line 1\n")])
    text = db.session.scalar(select(Attachment).where(Attachment.filename == "trace.txt"))
    auth.login(admin)
    page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert f'<img src="/support/tickets/{ticket.number}/files/{image.id}/preview"' in page
    assert f"/files/{text.id}/preview" not in page


def test_a_file_whose_content_is_not_previewable_is_sent_to_the_download(app, client, auth, desk, admin):
    """The recorded type is not trusted: a row claiming an image whose bytes are not one is only downloaded."""
    ticket, row = _attach(desk, admin, "trace.txt", b"just text")
    row.content_type = "image/png"
    db.session.commit()
    auth.login(admin)
    response = client.get(f"/support/tickets/{ticket.number}/files/{row.id}/preview")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/support/tickets/{ticket.number}/files/{row.id}")


def test_preview_is_access_checked(app, client, auth, factory, desk, admin, set_support):
    set_support(staff_department_only=True)
    ticket = desk.ticket(department=factory.department())
    post = services.add_note(ticket, "file", author=admin, attachments=[_upload("a.png", PNG)])
    row = db.session.scalar(select(Attachment).where(Attachment.post_id == post.id))
    auth.login(factory.user(departments=[factory.department()]))
    assert client.get(f"/support/tickets/{ticket.number}/files/{row.id}/preview").status_code == 404
    other = desk.ticket()
    auth.login(admin)
    assert client.get(f"/support/tickets/{other.number}/files/{row.id}/preview").status_code == 404
    anonymous = app.test_client().get(f"/support/tickets/{ticket.number}/files/{row.id}/preview")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_text_file_quoting_html_is_accepted_as_text_and_downloaded(app, client, auth, desk, admin):
    ticket = desk.ticket()
    auth.login(admin)
    response = client.post(f"/support/tickets/{ticket.number}/note", data={
        "body": "the page source", "attachments": [(io.BytesIO(HTML_TEXT), "page.txt")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    row = db.session.scalar(select(Attachment))
    assert row.content_type == "text/plain"
    download = client.get(f"/support/tickets/{ticket.number}/files/{row.id}")
    assert download.data == HTML_TEXT and download.mimetype != "text/html"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/support/tickets/{ticket.number}/files/{row.id}/preview").status_code == 302
