"""Checking and storing ticket attachments (SPEC S-22): count, size, type by extension and by content."""
from __future__ import annotations

import io
import mimetypes
import os
import re
from dataclasses import dataclass

import filetype
from flask_babel import gettext as _, ngettext

from crm import settings
from crm.extensions import db
from crm.storage import storage
from plugins.support.models import Attachment, Post

# What the content must be detected as, per file name ending; endings not
# listed (txt, csv, log ...) must be text-like and neither markup nor a program.
EXPECTED_CONTENT = {
    "jpg": {"jpg"}, "jpeg": {"jpg"}, "png": {"png", "apng"}, "gif": {"gif"}, "webp": {"webp"},
    "bmp": {"bmp"}, "tif": {"tif"}, "tiff": {"tif"}, "heic": {"heic"}, "ico": {"ico"},
    "pdf": {"pdf"}, "zip": {"zip"}, "gz": {"gz"}, "tar": {"tar"}, "7z": {"7z"}, "rar": {"rar"},
    "doc": {"doc"}, "xls": {"xls"}, "ppt": {"ppt"},
    "docx": {"docx", "zip"}, "xlsx": {"xlsx", "zip"}, "pptx": {"pptx", "zip"},
    "odt": {"odt", "zip"}, "ods": {"ods", "zip"}, "odp": {"odp", "zip"},
    "mp3": {"mp3"}, "mp4": {"mp4", "m4v"}, "wav": {"wav"}, "rtf": {"rtf"},
}
PROGRAMS = {"exe", "elf", "wasm", "swf", "crx", "deb", "rpm", "cab", "nes"}
_MARKUP = re.compile(rb"^\s*(<!doctype|<html|<script|<svg|<\?xml|<body|<iframe|<head)", re.IGNORECASE)
SNIFF_BYTES = 8192
# Endings whose files are plain text: accepted whatever markup they quote, stored as text/plain.
TEXT_ENDINGS = {"txt", "log", "md", "csv"}


class AttachmentRefused(ValueError):
    """An upload that breaks a rule; ``str(err)`` is the translated reason naming the file."""


@dataclass
class CheckedUpload:
    """An upload that passed every check, held in memory until it is stored."""

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def _extension(filename: str) -> str:
    _root, ext = os.path.splitext(filename or "")
    return ext.lower().lstrip(".")


def _display_name(filename: str) -> str:
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"\r\n')
    return name[-200:] or "file"


def check_content(filename: str, data: bytes) -> str:
    """Return the content type of ``data`` if its content matches the file name's ending.

    Raises :class:`AttachmentRefused` for a program, markup pretending to be
    something else, or content that does not match the ending.
    """
    ext = _extension(filename)
    head = data[:SNIFF_BYTES]
    kind = filetype.guess(head)
    if kind is not None and kind.extension in PROGRAMS:
        raise AttachmentRefused(_("“%(name)s” is a program and cannot be attached.", name=filename))
    expected = EXPECTED_CONTENT.get(ext)
    if expected is not None:
        if kind is None or kind.extension not in expected:
            raise AttachmentRefused(_("The content of “%(name)s” does not match its file type.", name=filename))
        return kind.mime
    if kind is not None:
        raise AttachmentRefused(_("The content of “%(name)s” does not match its file type.", name=filename))
    if ext in TEXT_ENDINGS:
        if b"\x00" in head:
            raise AttachmentRefused(_("The content of “%(name)s” does not match its file type.", name=filename))
        # plain text, whatever it says (even "<html>"): kept as text and only ever served as a download
        return "text/plain"
    if ext not in ("html", "htm", "svg", "xml") and _MARKUP.match(head):
        raise AttachmentRefused(_("The content of “%(name)s” does not match its file type.", name=filename))
    if b"\x00" in head and ext in ("txt", "csv", "log", "md", "json"):
        raise AttachmentRefused(_("The content of “%(name)s” does not match its file type.", name=filename))
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def check_uploads(files) -> list[CheckedUpload]:
    """Check uploads against the attachment settings; return them read into memory.

    :param files: werkzeug ``FileStorage`` objects (empty file inputs are skipped).
    :raises AttachmentRefused: on the first refused file; nothing is stored.
    """
    files = [f for f in files or () if f is not None and getattr(f, "filename", "")]
    if not files:
        return []
    limit = settings.get("support.max_attachments")
    if len(files) > limit:
        raise AttachmentRefused(ngettext("Attach at most %(num)s file.", "Attach at most %(num)s files.", limit))
    allowed = {e.lower() for e in settings.get("support.allowed_file_types")}
    max_bytes = settings.get("support.max_file_size_mb") * 1024 * 1024
    checked = []
    for upload in files:
        name = _display_name(upload.filename)
        ext = _extension(name)
        if not ext or ext not in allowed:
            raise AttachmentRefused(_("Files of type “%(type)s” cannot be attached. Allowed: %(allowed)s.",
                                      type=ext or "?", allowed=", ".join(sorted(allowed))))
        data = upload.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise AttachmentRefused(_("“%(name)s” is larger than %(max)s MB.", name=name,
                                      max=settings.get("support.max_file_size_mb")))
        if not data:
            raise AttachmentRefused(_("“%(name)s” is empty.", name=name))
        content_type = check_content(name, data)
        checked.append(CheckedUpload(name, content_type, data))
    return checked


def store(post: Post, uploads: list[CheckedUpload]) -> list[Attachment]:
    """Write checked uploads to file storage and add their rows to ``post`` (the caller commits).

    Returns the rows, so that their files can be removed if the transaction fails.
    """
    written = []
    for upload in uploads:
        key = storage().save(io.BytesIO(upload.data), upload.filename, prefix="support")
        row = Attachment(post_id=post.id, ticket_id=post.ticket_id, filename=upload.filename,
                         content_type=upload.content_type, size=upload.size, storage_key=key)
        db.session.add(row)
        written.append(row)
    return written


def discard(rows: list[Attachment]) -> None:
    """Remove stored files of attachments whose transaction failed or that were deleted."""
    for row in rows:
        storage().delete(row.storage_key)
