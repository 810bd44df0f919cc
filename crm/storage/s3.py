"""The S3 backend: files as objects in a bucket on S3 or any S3-compatible server (boto3).

Every app machine pointed at the same bucket (and prefix) shares the files.
Uploads stream in parts (an interrupted one leaves no object behind, since S3
only shows an object once it is complete), and downloads stream from the
server: nothing reads a whole file into memory.
"""
from __future__ import annotations

import io
from typing import BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from flask import Flask

from crm.storage.keys import check_key, new_key
from crm.storage.urls import S3Location, parse_storage_url

# Error codes S3 and S3-compatible servers answer for a key that is not there.
MISSING = {"NoSuchKey", "404", "NotFound"}
# Parts of 8 MiB, one at a time: a web worker holds at most one part of an upload in memory.
TRANSFER = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024,
                          use_threads=False)


class ObjectStream(io.RawIOBase):
    """A stored object being read from the server; ``size`` is its length in bytes."""

    def __init__(self, body, size: int | None):
        super().__init__()
        self._body = body
        self.size = size

    def readable(self) -> bool:
        """Always true: the stream is for reading."""
        return True

    def readinto(self, buffer) -> int:
        """Read the next bytes from the server into ``buffer``; 0 at the end."""
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Close the connection to the server (also when the body was not read to the end)."""
        if not self.closed:
            self._body.close()
        super().close()


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in MISSING


class S3Storage:
    """Files as objects in an S3 bucket, under the location's key prefix."""

    def __init__(self, location: S3Location):
        self.location = location
        self.session = boto3.session.Session(
            aws_access_key_id=location.access_key,
            aws_secret_access_key=location.secret_key,
            aws_session_token=location.session_token,
            region_name=location.region,
        )
        self.client = self.session.client(
            "s3", endpoint_url=location.endpoint_url,
            config=Config(s3={"addressing_style": location.addressing_style},
                          retries={"mode": "standard", "max_attempts": 3},
                          connect_timeout=10, read_timeout=60),
        )

    @classmethod
    def from_app(cls, app: Flask) -> "S3Storage":
        """The backend for ``app``: the bucket its ``STORAGE_URL`` (``s3://...``) names."""
        location = parse_storage_url(app.config.get("STORAGE_URL") or "")
        if not isinstance(location, S3Location):
            raise RuntimeError("STORAGE_URL: the S3 backend needs an s3:// URL")
        return cls(location)

    @property
    def bucket(self) -> str:
        """The bucket's name."""
        return self.location.bucket

    def _object_key(self, key: str) -> str:
        return self.location.object_key(check_key(key))

    def save(self, stream: BinaryIO, filename: str, prefix: str = "files") -> str:
        """Upload the stream's bytes under a new key, in parts for big files; whole or not at all."""
        key = new_key(filename, prefix)
        # Never served from the bucket as a page: the app sets the real type when it sends the file.
        self.client.upload_fileobj(stream, self.bucket, self._object_key(key),
                                   ExtraArgs={"ContentType": "application/octet-stream"}, Config=TRANSFER)
        return key

    def open(self, key: str) -> BinaryIO:
        """Start reading a stored object; FileNotFoundError if it is missing or the key is refused."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(key) from None
            raise
        return ObjectStream(answer["Body"], answer.get("ContentLength"))

    def delete(self, key: str) -> None:
        """Remove a stored object; missing objects and refused keys are ignored."""
        try:
            object_key = self._object_key(key)
        except FileNotFoundError:
            return
        try:
            self.client.delete_object(Bucket=self.bucket, Key=object_key)
        except ClientError as error:
            if not _missing(error):
                raise

    def exists(self, key: str) -> bool:
        """Whether the key names a stored object."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object_key(key))
        except FileNotFoundError:
            return False
        except ClientError as error:
            if _missing(error):
                return False
            raise
        return True
