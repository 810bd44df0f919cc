"""Attachments in S3-compatible storage: a file stored by one app machine is served by another."""
from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from crm.extensions import db
from crm.people.services import create_user
from crm.storage import storage
from crm.storage.s3 import S3Storage
from tests.conftest import PASSWORD, Auth
from tests.s3server import s3_bucket, s3_client, s3_endpoint, s3_storage_url  # noqa: F401 (fixtures)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def stored_files(folder: str) -> list[Path]:
    root = Path(folder)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_attachment_stored_by_one_machine_is_downloaded_from_another(make_app, s3_storage_url, s3_endpoint,
                                                                         s3_bucket):
    from plugins.support import services
    from plugins.support.models import Attachment

    first = make_app(STORAGE_URL=s3_storage_url)
    second = make_app(STORAGE_URL=s3_storage_url)
    with first.app_context():
        from crm.people.models import Contact

        admin = create_user("admin@example.com", "Admin", PASSWORD, role="admin")
        contact = Contact(email="ayse@example.org", name="Ayşe")
        db.session.add(contact)
        db.session.commit()
        ticket = services.open_ticket("Broken screen", author=admin, contact=contact, channel="phone",
                                      body="See the photo.",
                                      attachments=[FileStorage(io.BytesIO(PNG), filename="Ekran görüntüsü.png")])
        row = db.session.scalar(select(Attachment).where(Attachment.ticket_id == ticket.id))
        number, attachment_id, key = ticket.number, row.id, row.storage_key
        assert isinstance(storage(), S3Storage)
    # the file is in the shared bucket, on neither machine's disk
    assert [o["Key"] for o in s3_client(s3_endpoint).list_objects_v2(Bucket=s3_bucket)["Contents"]] == [key]
    assert stored_files(first.config["STORAGE_DIR"]) == [] == stored_files(second.config["STORAGE_DIR"])

    with second.app_context():
        client = second.test_client()
        url = f"/support/tickets/{number}/files/{attachment_id}"
        anonymous = client.get(url)
        assert anonymous.status_code in (302, 401, 403) and anonymous.data != PNG
        Auth(client).login("admin@example.com")
        response = client.get(url)
        assert response.status_code == 200
        assert response.data == PNG
        assert response.headers["Content-Length"] == str(len(PNG))
        assert response.mimetype == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "filename*=UTF-8''Ekran%20g%C3%B6r%C3%BCnt%C3%BCs%C3%BC.png" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
        # an object that is gone from the bucket is not found
        s3_client(s3_endpoint).delete_object(Bucket=s3_bucket, Key=key)
        assert client.get(url).status_code == 404
