"""A real S3-compatible server for the storage tests: moto's server mode on 127.0.0.1, one per test session.

The server runs in its own process, so it speaks plain HTTP to the app as a
real object store would, and its memory is not the app's.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid

import boto3
import pytest

ACCESS = {"access_key": "testing", "secret_key": "testing", "region": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_listening(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the S3 test server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the S3 test server did not start")


@pytest.fixture(scope="session")
def s3_endpoint():
    """The address of a moto S3 server started for this test session (stopped at its end)."""
    port = _free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        _wait_until_listening(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def s3_client(endpoint: str):
    """A boto3 client of the test server, to look into buckets behind the app's back."""
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS["access_key"],
                        aws_secret_access_key=ACCESS["secret_key"], region_name=ACCESS["region"])


def storage_url(endpoint: str, bucket: str, prefix: str = "", **extra) -> str:
    """An ``s3://`` STORAGE_URL for ``bucket`` on the test server, with the test credentials."""
    query = "&".join(f"{k}={v}" for k, v in {"endpoint": endpoint, **ACCESS, **extra}.items())
    return f"s3://{bucket}/{prefix}?{query}" if prefix else f"s3://{bucket}?{query}"


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A new, empty bucket on the test server for one test; its name."""
    name = f"crm-test-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_storage_url(s3_endpoint, s3_bucket):
    """A STORAGE_URL for this test's bucket."""
    return storage_url(s3_endpoint, s3_bucket)
