"""The staff ticket page in a real browser: an attached image previewed; too large a file stopped before sending
with the typed reply kept."""
from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

import plugins.support.plugin as support_plugin
from crm.actors import SYSTEM
from crm.extensions import db
from crm.settings import set_many
from plugins.support import services
from tests.browser.signing import sign_in

pytestmark = pytest.mark.browser

# a real 1x1 PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f01f0005050200d1e0fd3b0000000049454e44ae426082")


@pytest.fixture
def app_plugins():
    return [support_plugin]


def test_an_attached_image_is_previewed(app, factory, page):
    admin = factory.admin()
    ticket = services.open_ticket("Broken screen", contact=factory.contact(), body="See the photo.", author=SYSTEM)
    services.add_note(ticket, "photo", author=admin, attachments=[FileStorage(io.BytesIO(PNG), filename="screen.png")])
    sign_in(page, admin)
    page.goto(f"/support/tickets/{ticket.number}")
    thumb = page.locator(".file-thumb img")
    thumb.wait_for()
    # a lazily loaded image starts loading after layout: wait until the browser has decoded the 1x1 picture
    page.wait_for_function("img => img.complete && img.naturalWidth === 1", arg=thumb.element_handle())
    response = page.request.get(thumb.get_attribute("src"))
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith("inline")


def test_too_large_a_file_is_stopped_before_sending_and_the_text_stays(app, factory, page, tmp_path):
    set_many("support", {"max_file_size_mb": 1})
    db.session.commit()
    admin = factory.admin()
    ticket = services.open_ticket("Logs", contact=factory.contact(), body="Here.", author=SYSTEM)
    big = tmp_path / "huge.log.txt"
    big.write_bytes(b"x" * (1024 * 1024 + 10))
    sign_in(page, admin)
    page.goto(f"/support/tickets/{ticket.number}")
    page.fill("#reply-body", "A long answer I typed")
    page.set_input_files("#reply-attachments", str(big))
    page.click("#reply button.primary")
    error = page.locator("#reply .upload-error")
    error.wait_for(state="visible")
    assert "huge.log.txt" in error.inner_text() and "1 MB" in error.inner_text()
    assert page.url.endswith(f"/support/tickets/{ticket.number}")
    assert page.input_value("#reply-body") == "A long answer I typed"
    db.session.expire_all()
    assert len(services_posts(ticket)) == 1


def services_posts(ticket):
    from sqlalchemy import select

    from plugins.support.models import Post

    return db.session.scalars(select(Post).where(Post.ticket_id == ticket.id)).all()
