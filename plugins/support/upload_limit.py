"""The request size the support forms need: every allowed file at its largest size, plus the typed text."""
from __future__ import annotations

from crm import settings

# the message text (at most 100,000 characters), the other fields and the multipart framing
FORM_MARGIN_BYTES = 2 * 1024 * 1024


def request_limit() -> int:
    """Bytes a post with the most and largest allowed attachments needs (settings S-22) plus a margin."""
    files = settings.get("support.max_attachments")
    size = settings.get("support.max_file_size_mb") * 1024 * 1024
    return files * size + FORM_MARGIN_BYTES
