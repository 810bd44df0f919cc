"""The interface every storage backend implements."""
from __future__ import annotations

from typing import BinaryIO, Protocol


class Storage(Protocol):
    """What every storage backend offers."""

    def save(self, stream: BinaryIO, filename: str, prefix: str = "files") -> str:
        """Store the stream's bytes; return the new key."""

    def open(self, key: str) -> BinaryIO:
        """Open a stored file for reading; raise FileNotFoundError if missing.

        The stream is read in chunks, never whole; a ``size`` attribute (or a
        real file's descriptor) gives the length sent as ``Content-Length``.
        """

    def delete(self, key: str) -> None:
        """Remove a stored file; a missing key is not an error."""

    def exists(self, key: str) -> bool:
        """Whether the key is stored."""
