"""Counts in messages take the plural form their number needs (ngettext), not one form for every number."""
from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from crm import settings
from crm.extensions import db
from plugins.support import attachments, services
from plugins.support.services import values


def _files(n):
    return [FileStorage(io.BytesIO(b"x"), filename=f"f{i}.txt") for i in range(n)]


@pytest.mark.parametrize("limit, message", [(1, "Attach at most 1 file."), (3, "Attach at most 3 files.")])
def test_attachment_limit_message_agrees_with_its_number(app, limit, message):
    settings.set_many("support", {"max_attachments": limit})
    db.session.commit()
    with app.test_request_context():
        with pytest.raises(attachments.AttachmentRefused) as refused:
            attachments.check_uploads(_files(limit + 1))
    assert str(refused.value) == message


def test_length_limits_name_their_unit_in_the_plural(app):
    with app.test_request_context():
        with pytest.raises(services.TicketError) as too_long:
            values.clean_subject("x" * (services.SUBJECT_MAX + 1))
    assert str(too_long.value) == f"Enter at most {services.SUBJECT_MAX} characters."


def test_ngettext_in_turkish_uses_the_catalog_forms(app):
    """A message with plural forms is looked up as one entry: the count fills %(num)s in every language."""
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale("en"):
        assert ngettext("%(num)s ticket changed.", "%(num)s tickets changed.", 1) == "1 ticket changed."
        assert ngettext("%(num)s ticket changed.", "%(num)s tickets changed.", 0) == "0 tickets changed."
