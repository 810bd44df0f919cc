"""Wording on staff pages and settings: post kinds as nouns, the customer lookup, help on every setting."""
import re

from plugins.support import services
from plugins.support.settings import SETTINGS


def _post_kind_labels(html):
    return re.findall(r'<article class="post post-public_reply".*?<header>.*?<span>(.*?)</span>', html, re.S)


def test_reply_post_kind_is_not_the_verb_in_turkish(app, client, auth, factory, desk):
    """The post kind "Reply" is looked up with its own context, never the button's "Yanıtla"."""
    staff = factory.admin(locale="tr")
    ticket = desk.ticket()
    services.add_reply(ticket, "Yazıcınız yolda.", author=staff)
    auth.login(staff)
    html = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    [label] = _post_kind_labels(html)
    assert label.strip() and label.strip() != "Yanıtla"


def test_every_support_setting_has_help_text():
    missing = [setting.name for section in SETTINGS.sections for setting in section.fields if not str(setting.help)]
    assert missing == []


def test_customer_lookup_is_not_called_a_callback():
    labels = [str(section.label) for section in SETTINGS.sections]
    assert "Customer lookup" in labels and "Customer callback" not in labels
