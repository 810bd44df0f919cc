"""S3-compatible storage against a real S3 server (moto's server mode on 127.0.0.1): the same behaviour as a folder."""
from __future__ import annotations

import io
import os
import re
import tracemalloc

import pytest
from werkzeug.exceptions import NotFound

from crm.storage import LocalStorage, send_stored_file, storage
from crm.storage.s3 import ObjectStream, S3Storage
from crm.storage.urls import LocalLocation, S3Location, parse_storage_url
from crm.timeutil import utcnow
from tests.s3server import (  # noqa: F401 (fixtures)
    ACCESS, s3_bucket, s3_client, s3_endpoint, s3_storage_url, storage_url,
)


@pytest.fixture
def store(s3_storage_url):
    return S3Storage(parse_storage_url(s3_storage_url))


def objects(endpoint, bucket) -> list[str]:
    answer = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in answer.get("Contents", [])]


# the backend -------------------------------------------------------------------------

def test_save_open_exists_delete(store, s3_endpoint, s3_bucket):
    key = store.save(io.BytesIO(b"hello world"), "Report.PDF", prefix="support")
    assert re.fullmatch(rf"support/{utcnow():%Y/%m}/[0-9a-f]{{24}}-Report\.PDF", key)
    assert objects(s3_endpoint, s3_bucket) == [key]
    assert store.exists(key)
    with store.open(key) as stream:
        assert stream.size == 11
        assert stream.read() == b"hello world"
    store.delete(key)
    assert not store.exists(key)
    assert objects(s3_endpoint, s3_bucket) == []
    with pytest.raises(FileNotFoundError):
        store.open(key)
    store.delete(key)  # deleting a missing key is not an error


def test_a_missing_key_is_not_found(store):
    assert not store.exists("support/2020/01/nothing.pdf")
    with pytest.raises(FileNotFoundError):
        store.open("support/2020/01/nothing.pdf")


def test_large_files_go_up_in_parts_and_come_back_whole(store, s3_endpoint, s3_bucket):
    data = os.urandom(9 * 1024 * 1024 + 17)  # above the 8 MiB part size: a multipart upload
    key = store.save(io.BytesIO(data), "big.bin")
    with store.open(key) as stream:
        assert stream.size == len(data)
        assert stream.read() == data
    head = s3_client(s3_endpoint).head_object(Bucket=s3_bucket, Key=key)
    assert head["ContentLength"] == len(data)
    assert head["ContentType"] == "application/octet-stream"  # never served as a page from the bucket


def test_the_same_name_twice_gets_two_keys(store):
    first = store.save(io.BytesIO(b"1"), "a.txt")
    second = store.save(io.BytesIO(b"2"), "a.txt")
    assert first != second
    assert store.open(first).read() == b"1" and store.open(second).read() == b"2"


class Exploding(io.RawIOBase):
    """A client upload that breaks off after ``good`` bytes."""

    def __init__(self, good: int):
        self.left = good

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.left <= 0:
            raise OSError("client went away")
        n = min(len(buffer), self.left)
        buffer[:n] = b"x" * n
        self.left -= n
        return n


@pytest.mark.parametrize("good", [10, 9 * 1024 * 1024])
def test_an_interrupted_upload_leaves_nothing_behind(store, s3_endpoint, s3_bucket, good):
    with pytest.raises(OSError):
        store.save(Exploding(good), "half.bin")
    assert objects(s3_endpoint, s3_bucket) == []
    uploads = s3_client(s3_endpoint).list_multipart_uploads(Bucket=s3_bucket)
    assert uploads.get("Uploads", []) == []  # a broken multipart upload is aborted


@pytest.mark.parametrize("key", ["../secret.txt", "files/../../secret.txt", "/etc/passwd", "", ".", "a//b",
                                 "..\\secret.txt", "a\x00b"])
def test_hostile_keys_are_refused(store, s3_endpoint, s3_bucket, key):
    s3_client(s3_endpoint).put_object(Bucket=s3_bucket, Key="secret.txt", Body=b"secret")
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)
    store.delete(key)
    assert objects(s3_endpoint, s3_bucket) == ["secret.txt"]


def test_a_prefix_keeps_the_files_in_their_own_folder_of_the_bucket(s3_endpoint, s3_bucket):
    store = S3Storage(parse_storage_url(storage_url(s3_endpoint, s3_bucket, prefix="desk-a/files")))
    key = store.save(io.BytesIO(b"x"), "a.txt")
    assert objects(s3_endpoint, s3_bucket) == [f"desk-a/files/{key}"]
    assert store.open(key).read() == b"x"
    other = S3Storage(parse_storage_url(storage_url(s3_endpoint, s3_bucket, prefix="desk-b")))
    assert not other.exists(key)


def test_credentials_come_from_the_standard_environment_variables(s3_endpoint, s3_bucket, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "from-env")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-env-secret")
    store = S3Storage(parse_storage_url(f"s3://{s3_bucket}?endpoint={s3_endpoint}&region=us-east-1"))
    assert store.session.get_credentials().access_key == "from-env"
    key = store.save(io.BytesIO(b"env"), "a.txt")
    assert store.open(key).read() == b"env"
    # credentials in the URL win over the environment
    store = S3Storage(parse_storage_url(storage_url(s3_endpoint, s3_bucket)))
    assert store.session.get_credentials().access_key == ACCESS["access_key"]


def test_reading_streams_instead_of_loading_the_whole_file(store):
    data = os.urandom(24 * 1024 * 1024)
    key = store.save(io.BytesIO(data), "video.mp4")
    del data
    tracemalloc.start()
    try:
        with store.open(key) as stream:
            assert isinstance(stream, ObjectStream)
            total = 0
            while chunk := stream.read(64 * 1024):
                total += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 24 * 1024 * 1024
    assert peak < 4 * 1024 * 1024


def test_every_method_is_documented():
    for name in ("save", "open", "delete", "exists", "from_app"):
        assert getattr(S3Storage, name).__doc__


# choosing it by configuration ------------------------------------------------------------

def test_storage_url_selects_the_bucket(make_app, s3_storage_url, s3_bucket):
    app = make_app(plugins=[], STORAGE_URL=s3_storage_url)
    with app.app_context():
        backend = storage()
        assert isinstance(backend, S3Storage) and backend.bucket == s3_bucket
        assert storage() is backend


def test_the_environment_variable_sets_the_storage_url(make_app, s3_storage_url, monkeypatch):
    monkeypatch.setenv("CRM_STORAGE_URL", s3_storage_url)
    app = make_app(plugins=[])
    with app.app_context():
        assert isinstance(storage(), S3Storage)


def test_a_file_url_selects_a_local_folder(make_app, tmp_path):
    app = make_app(plugins=[], STORAGE_URL=f"file://{tmp_path / 'shared files'}".replace(" ", "%20"))
    with app.app_context():
        backend = storage()
        assert isinstance(backend, LocalStorage) and backend.root == (tmp_path / "shared files").resolve()


def test_storage_backend_s3_reads_the_url(make_app, s3_storage_url):
    app = make_app(plugins=[], STORAGE_BACKEND="s3", STORAGE_URL=s3_storage_url)
    with app.app_context():
        assert isinstance(storage(), S3Storage)


@pytest.mark.parametrize("url, message", [
    ("ftp://files", "unknown scheme"),
    ("s3://", "bucket"),
    ("s3://key:secret@bucket", "bucket"),
    ("s3://bucket?endpoint=127.0.0.1:9000", "endpoint"),
    ("s3://bucket?endpoint=file:///etc", "endpoint"),
    ("s3://bucket?regoin=eu-west-1", "unknown parameter"),
    ("s3://bucket?region=a&region=b", "twice"),
    ("s3://bucket?access_key=only", "together"),
    ("s3://bucket?addressing=sideways", "addressing"),
    ("s3://bucket?secret", "name=value"),
    ("s3://bucket/../other", "prefix"),
    ("s3://bucket?secret_key=a#b&access_key=c", "%23"),
    ("file://relative/folder", "file:///"),
])
def test_a_storage_url_that_cannot_work_stops_the_app_from_starting(make_app, url, message):
    with pytest.raises(RuntimeError, match=message):
        make_app(plugins=[], STORAGE_URL=url)


def test_storage_url_parts():
    location = parse_storage_url("s3://crm-files/desk/a?endpoint=https://s3.example.com:9000&region=eu-west-1"
                                 "&access_key=AK&secret_key=se%2Fc+r%26et&addressing=virtual")
    assert location == S3Location(bucket="crm-files", prefix="desk/a", endpoint_url="https://s3.example.com:9000",
                                  region="eu-west-1", access_key="AK", secret_key="se/c+r&et",
                                  addressing_style="virtual")
    assert "se/c" not in repr(location)  # the secret never reaches a log line
    assert parse_storage_url("s3://b?endpoint=http://127.0.0.1:9000").addressing_style == "path"
    assert parse_storage_url("s3://b").addressing_style == "auto"
    assert parse_storage_url("file:///srv/crm%20files") == LocalLocation("/srv/crm files")


# serving -------------------------------------------------------------------------------

def _download(app, key):
    with app.test_request_context("/"):
        response = send_stored_file(key, "Fatura ğ.pdf", "application/pdf")
        body = b"".join(response.response)
        response.close()
        return response, body


def test_downloads_have_the_same_headers_as_from_a_folder(make_app, s3_storage_url):
    served = {}
    for name, config in (("local", {}), ("s3", {"STORAGE_URL": s3_storage_url})):
        app = make_app(plugins=[], **config)
        with app.app_context():
            key = storage().save(io.BytesIO(b"%PDF-1.4 invoice"), "invoice.pdf")
            served[name] = _download(app, key)
    headers = ("Content-Type", "Content-Disposition", "Content-Length", "X-Content-Type-Options",
               "Content-Security-Policy", "Cache-Control")
    local, s3 = served["local"], served["s3"]
    assert s3[1] == local[1] == b"%PDF-1.4 invoice"
    assert {h: s3[0].headers.get(h) for h in headers} == {h: local[0].headers.get(h) for h in headers}
    assert s3[0].headers["Content-Length"] == str(len(b"%PDF-1.4 invoice"))
    assert s3[0].headers["Content-Type"] == "application/pdf"
    assert s3[0].headers["X-Content-Type-Options"] == "nosniff"
    assert s3[0].headers["Content-Disposition"].startswith("attachment;")


def test_a_big_download_is_streamed_to_the_client(make_app, s3_storage_url):
    app = make_app(plugins=[], STORAGE_URL=s3_storage_url)
    size = 24 * 1024 * 1024
    with app.app_context():
        key = storage().save(io.BytesIO(os.urandom(size)), "video.mp4")
        with app.test_request_context("/"):
            tracemalloc.start()
            try:
                response = send_stored_file(key, "video.mp4", "video/mp4")
                sent = sum(len(chunk) for chunk in response.response)
                response.close()
                _current, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    assert sent == size and response.headers["Content-Length"] == str(size)
    assert peak < 4 * 1024 * 1024


def test_a_missing_object_is_404(make_app, s3_storage_url):
    app = make_app(plugins=[], STORAGE_URL=s3_storage_url)
    with app.app_context(), app.test_request_context("/"):
        for key in ("files/2020/01/nothing.pdf", "../crm.db"):
            with pytest.raises(NotFound):
                send_stored_file(key, "x.pdf")
