"""Customers' pictures: type-checked by content, shrunk to a small square PNG and kept in file storage.

The upload must be a JPEG, PNG, GIF or WebP image by its content (the
``filetype`` library), at most :data:`MAX_BYTES` and :data:`MAX_PIXELS`.
Pillow re-encodes it, so nothing else the file carried is ever served.
"""
from __future__ import annotations

import io

import filetype
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from crm.storage import storage

ACCEPTED = {"jpg", "png", "gif", "webp"}
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
SIZE = 256


class AvatarRefused(ValueError):
    """The upload cannot be a picture; ``str(err)`` is the translated reason."""


def shrink(data: bytes) -> bytes:
    """The picture as a ``SIZE``×``SIZE`` PNG (centre-cropped); :class:`AvatarRefused` if it is not an accepted image."""
    if not data:
        raise AvatarRefused(_("Choose a picture to upload."))
    if len(data) > MAX_BYTES:
        raise AvatarRefused(_("The picture may be at most %(mb)s MB.", mb=MAX_BYTES // (1024 * 1024)))
    kind = filetype.guess(data[:8192])
    if kind is None or kind.extension not in ACCEPTED:
        raise AvatarRefused(_("Upload a JPEG, PNG, GIF or WebP picture."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise AvatarRefused(_("The picture is too large."))
            image.load()
            square = ImageOps.fit(ImageOps.exif_transpose(image).convert("RGBA"), (SIZE, SIZE))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise AvatarRefused(_("Upload a JPEG, PNG, GIF or WebP picture.")) from None
    out = io.BytesIO()
    square.save(out, format="PNG", optimize=True)
    return out.getvalue()


def store_avatar(data: bytes) -> str:
    """Shrink and store a picture; returns its storage key."""
    png = shrink(data)
    return storage().save(io.BytesIO(png), "avatar.png", prefix="avatars")


def delete_avatar(key: str | None) -> None:
    """Remove a stored picture (missing ones are ignored)."""
    if key:
        storage().delete(key)
