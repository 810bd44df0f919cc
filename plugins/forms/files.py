"""File answers: written with the host storage when a response is saved, under the ``forms`` prefix."""
from __future__ import annotations

import io

from crm.storage import storage


def stored_file(upload) -> tuple[dict, str, str] | None:
    """Write a checked upload (``filename``, ``content_type``, ``data``) to storage; ``(value, text, key)``.

    The upload was checked against support's attachment rules by the
    question's field (:class:`plugins.forms.inputs.CheckedFile`). None when
    there is no file: the stored answer is then left out.
    """
    data = getattr(upload, "data", None)
    if not data or not getattr(upload, "filename", ""):
        return None
    key = storage().save(io.BytesIO(data), upload.filename, prefix="forms")
    value = {"key": key, "filename": upload.filename, "content_type": upload.content_type, "size": len(data)}
    return value, upload.filename, ""
