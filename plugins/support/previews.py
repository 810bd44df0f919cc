"""Which attachments may be shown in the browser (previewed) rather than downloaded.

Only images (PNG, JPEG, GIF, WebP) and PDF documents, and only when the
stored bytes themselves are of that kind: the type recorded at upload is not
trusted on its own, the file's content is sniffed again when it is served.
"""
from __future__ import annotations

import filetype

from crm.storage.serving import open_file

PREVIEW_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}
IMAGE_TYPES = PREVIEW_TYPES - {"application/pdf"}
SNIFF_BYTES = 8192


def may_preview(attachment) -> bool:
    """Whether the attachment was recorded as a previewable type (for links; serving sniffs again)."""
    return (attachment.content_type or "").split(";")[0].strip().lower() in PREVIEW_TYPES


def is_image(attachment) -> bool:
    """Whether the attachment was recorded as an image that can be shown inline."""
    return (attachment.content_type or "").split(";")[0].strip().lower() in IMAGE_TYPES


def sniffed_preview_type(storage_key: str) -> str | None:
    """The MIME type to show the stored file inline as, from its content; None when it must be downloaded.

    :raises FileNotFoundError: when the stored file is missing.
    """
    stream = open_file(storage_key)
    try:
        head = stream.read(SNIFF_BYTES)
    finally:
        stream.close()
    kind = filetype.guess(head)
    if kind is None:
        return None
    return kind.mime if kind.mime in PREVIEW_TYPES else None
