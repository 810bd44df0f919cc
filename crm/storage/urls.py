"""Reading ``STORAGE_URL``: ``file:///path`` for a local folder, ``s3://bucket/prefix?...`` for object storage.

Parsing never connects anywhere, so a mistyped URL fails when the app starts.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# Query parameters of an s3:// URL and what they set (see S3Location).
S3_PARAMETERS = {
    "endpoint": "endpoint_url",
    "region": "region",
    "access_key": "access_key",
    "secret_key": "secret_key",
    "session_token": "session_token",
    "addressing": "addressing_style",
}
ADDRESSING_STYLES = ("auto", "path", "virtual")


@dataclass(frozen=True)
class LocalLocation:
    """A folder on this machine (``file:///srv/crm/files``)."""

    path: str


@dataclass(frozen=True)
class S3Location:
    """A bucket (and optional key prefix inside it) on S3 or an S3-compatible server.

    Credentials left empty come from boto3's standard chain: the
    ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``
    environment variables, the shared credentials file, or the machine's role.
    """

    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None
    addressing_style: str = "auto"

    def object_key(self, key: str) -> str:
        """The bucket's key for a storage key: the key under this location's prefix."""
        return f"{self.prefix}/{key}" if self.prefix else key

    def __repr__(self) -> str:  # never show the secret in logs or tracebacks
        return f"S3Location(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint_url={self.endpoint_url!r})"


def parse_storage_url(url: str) -> LocalLocation | S3Location:
    """Read a ``STORAGE_URL``; raise RuntimeError, naming the problem, for one that cannot work.

    - ``file:///absolute/path``: a local folder;
    - ``s3://bucket[/prefix]?endpoint=https://host:port&region=...&access_key=...&secret_key=...
      &session_token=...&addressing=path|virtual|auto``: every parameter is optional; a value
      with ``&``, ``=``, ``%`` or ``#`` in it is percent-encoded (``+`` stays a plus). ``addressing`` defaults to ``path`` when an endpoint is given (what
      S3-compatible servers expect), else to ``auto``.
    """
    parts = urlsplit(url.strip())
    if parts.fragment:
        raise RuntimeError("STORAGE_URL: percent-encode a # in a value as %23")
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/") or parts.query:
            raise RuntimeError("STORAGE_URL: write a local folder as file:///absolute/path")
        return LocalLocation(unquote(parts.path))
    if parts.scheme == "s3":
        return _s3_location(parts)
    raise RuntimeError(f"STORAGE_URL: unknown scheme {parts.scheme!r}; use file:///path or s3://bucket")


def _s3_location(parts) -> S3Location:
    bucket = parts.netloc
    if not bucket or "@" in bucket or ":" in bucket:
        raise RuntimeError("STORAGE_URL: write the bucket as s3://bucket-name (credentials go in the query)")
    query: dict[str, list[str]] = {}
    for pair in parts.query.split("&") if parts.query else ():
        name, equals, value = pair.partition("=")
        if not equals:
            raise RuntimeError(f"STORAGE_URL: write the parameter {unquote(name)!r} as name=value")
        # unquote, not unquote_plus: a "+" in a secret key stays a "+"
        query.setdefault(unquote(name), []).append(unquote(value))
    unknown = sorted(set(query) - set(S3_PARAMETERS))
    if unknown:
        raise RuntimeError(f"STORAGE_URL: unknown parameter(s) {', '.join(unknown)}; "
                           f"known: {', '.join(S3_PARAMETERS)}")
    values = {}
    for name, field in S3_PARAMETERS.items():
        given = query.get(name)
        if given is None:
            continue
        if len(given) > 1:
            raise RuntimeError(f"STORAGE_URL: the parameter {name} is given twice")
        values[field] = given[0].strip() or None
    endpoint = values.get("endpoint_url")
    if endpoint:
        endpoint_parts = urlsplit(endpoint)
        if endpoint_parts.scheme not in ("http", "https") or not endpoint_parts.hostname:
            raise RuntimeError("STORAGE_URL: the endpoint must be an http:// or https:// address")
    if bool(values.get("access_key")) != bool(values.get("secret_key")):
        raise RuntimeError("STORAGE_URL: give access_key and secret_key together, or neither")
    style = values.get("addressing_style") or ("path" if endpoint else "auto")
    if style not in ADDRESSING_STYLES:
        raise RuntimeError(f"STORAGE_URL: addressing must be one of {', '.join(ADDRESSING_STYLES)}")
    values["addressing_style"] = style
    prefix = "/".join(part for part in unquote(parts.path).split("/") if part)
    if any(part in (".", "..") for part in prefix.split("/")):
        raise RuntimeError("STORAGE_URL: the key prefix may not contain . or .. parts")
    return S3Location(bucket=bucket, prefix=prefix, **values)
