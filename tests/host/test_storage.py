"""File storage: the local backend keeps files inside its folder, and the backend is chosen by configuration."""
from __future__ import annotations

import io
import os
import re

import pytest

from crm import storage as storage_module
from crm.storage import LocalStorage, check_key, safe_name, send_stored_file, storage
from crm.timeutil import utcnow


@pytest.fixture
def store(tmp_path):
    return LocalStorage(str(tmp_path / "files"))


@pytest.fixture
def outside(tmp_path):
    """A file next to the store's folder, which no key may reach."""
    path = tmp_path / "secret.txt"
    path.write_text("secret")
    return path


def test_save_open_exists_delete(store):
    key = store.save(io.BytesIO(b"hello world"), "Report.PDF", prefix="support")
    now = utcnow()
    assert re.fullmatch(rf"support/{now:%Y/%m}/[0-9a-f]{{24}}-Report\.PDF", key)
    assert store.exists(key)
    with store.open(key) as stream:
        assert stream.read() == b"hello world"
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)
    store.delete(key)  # deleting a missing key is not an error


def test_large_files_are_copied_whole(store):
    data = os.urandom(1024 * 1024 + 17)
    key = store.save(io.BytesIO(data), "big.bin")
    with store.open(key) as stream:
        assert stream.read() == data


def test_the_same_name_twice_gets_two_keys(store):
    first = store.save(io.BytesIO(b"1"), "a.txt")
    second = store.save(io.BytesIO(b"2"), "a.txt")
    assert first != second
    assert store.open(first).read() == b"1" and store.open(second).read() == b"2"


class Exploding(io.RawIOBase):
    def __init__(self):
        self.calls = 0

    def read(self, size=-1):
        self.calls += 1
        if self.calls > 1:
            raise OSError("client went away")
        return b"x" * 10


def test_an_interrupted_upload_leaves_nothing_behind(store):
    with pytest.raises(OSError):
        store.save(Exploding(), "half.bin")
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("key", [
    "../secret.txt", "files/../../secret.txt", "/etc/passwd", "", ".", "a/./b", "a//b",
    "..\\secret.txt", "a\x00b", "files/..",
])
def test_keys_that_leave_the_folder_are_refused(store, outside, key):
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)
    store.delete(key)
    assert outside.read_text() == "secret"
    with pytest.raises(FileNotFoundError):
        check_key(key)


def test_a_symlink_out_of_the_folder_is_refused(store, outside):
    store.root.mkdir(parents=True, exist_ok=True)
    (store.root / "link.txt").symlink_to(outside)
    assert not store.exists("link.txt")
    with pytest.raises(FileNotFoundError):
        store.open("link.txt")
    store.delete("link.txt")
    assert outside.exists()


def test_a_hostile_prefix_stays_inside(store):
    key = store.save(io.BytesIO(b"x"), "a.txt", prefix="../../etc")
    assert ".." not in key.split("/")
    assert (store.root / key).resolve().is_relative_to(store.root)


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\evil.exe", "evil.exe"),
    ("Fatura ğüş.pdf", "Fatura_gus.pdf"),
    ("", "file"),
    ("...", "file"),
    ("<script>.html", "script.html"),
    ("a" * 300 + ".pdf", "a" * 96 + ".pdf"),
])
def test_safe_names(name, expected):
    assert safe_name(name) == expected


# choosing the backend --------------------------------------------------------------

class MemoryStorage:
    """A stand-in second backend, built the way an S3 backend would be."""

    def __init__(self, bucket):
        self.bucket, self.files = bucket, {}

    @classmethod
    def from_app(cls, app):
        return cls(app.config["TEST_BUCKET"])


def test_local_storage_is_the_default(make_app):
    app = make_app(plugins=[])
    with app.app_context():
        backend = storage()
        assert isinstance(backend, LocalStorage)
        assert str(backend.root) == os.path.realpath(app.config["STORAGE_DIR"])
        assert storage() is backend


def test_storage_backend_setting_selects_the_class(make_app):
    app = make_app(plugins=[], STORAGE_BACKEND=f"{__name__}:MemoryStorage", TEST_BUCKET="crm-files")
    with app.app_context():
        backend = storage()
        assert isinstance(backend, MemoryStorage) and backend.bucket == "crm-files"


def test_an_unknown_backend_fails_loudly(make_app):
    app = make_app(plugins=[], STORAGE_BACKEND="s3ish")
    with app.app_context(), pytest.raises(RuntimeError, match="STORAGE_BACKEND"):
        storage()


def test_every_backend_method_is_documented():
    for name in ("save", "open", "delete", "exists"):
        assert getattr(storage_module.Storage, name).__doc__
        assert getattr(LocalStorage, name).__doc__
    assert "STORAGE_BACKEND" in storage_module.__doc__ and "from_app" in storage_module.__doc__


# serving ------------------------------------------------------------------------------

def test_send_stored_file_streams_an_attachment(make_app):
    app = make_app(plugins=[])
    with app.app_context():
        key = storage().save(io.BytesIO(b"%PDF"), "invoice.pdf")
        with app.test_request_context("/"):
            response = send_stored_file(key, "Fatura ğ.pdf", "application/pdf")
            response.direct_passthrough = False
            assert response.status_code == 200
            assert response.get_data() == b"%PDF"
            assert response.mimetype == "application/pdf"
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert response.headers["Content-Length"] == "4"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Cache-Control"] == "private, no-store"
            assert "sandbox" in response.headers["Content-Security-Policy"]
            response.close()


def test_send_stored_file_answers_404_for_a_missing_or_hostile_key(make_app):
    from werkzeug.exceptions import NotFound

    app = make_app(plugins=[])
    with app.app_context(), app.test_request_context("/"):
        for key in ("files/2020/01/nothing.pdf", "../crm.db"):
            with pytest.raises(NotFound):
                send_stored_file(key, "x.pdf")
