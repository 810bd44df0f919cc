"""An admin builds the "Teknik Arıza Destek Formu" in the builder, attaches it to the "Teknik Sorun" topic, a
customer fills it in on the brand's public form, and staff read the answers on the ticket page."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.settings import set_many
from plugins.portal.sites import site_for_brand
from plugins.support.models import Brand, Ticket, Topic
from tests.browser.signing import sign_in

pytestmark = pytest.mark.browser


def _add_question(page, kind, label, required=False, options=""):
    page.click("text=Add a question")
    page.select_option("select[name=kind]", kind)
    page.fill("input[name=label]", label)
    if required:
        page.check("input[name=required]")
    if options:
        page.fill("textarea[name=options]", options)
    page.click("form.card button.primary")
    page.wait_for_url(re.compile(r"/admin/forms/\d+$"))


def test_admin_builds_a_form_a_customer_answers_it_staff_read_it(app, factory, page, browser, live_server):
    brand = Brand(name="Acme", position=0)
    db.session.add(brand)
    db.session.flush()
    slug = site_for_brand(brand).slug
    topic = Topic(name="Teknik Sorun", position=0)
    db.session.add(topic)
    set_many("portal", {"public_form_enabled": True})
    db.session.commit()
    admin = factory.admin()
    live_server.app.config["BASE_URL"] = live_server.url("")  # the portal's absolute links point at the served app

    sign_in(page, admin)
    page.goto("/admin/forms/")
    page.fill("input[name=label]", "Teknik Arıza Destek Formu")
    page.click("form.card button.primary")
    page.wait_for_url(re.compile(r"/admin/forms/\d+$"))
    _add_question(page, "text", "Cihaz modeli", required=True)
    _add_question(page, "choice", "İşletim sistemi", options="Windows\nmacOS\nLinux")
    _add_question(page, "number", "Kaç cihaz etkilendi?")
    assert page.locator("table.list tbody tr").count() == 3

    page.goto(f"/admin/support/topics/{topic.id}")
    page.select_option("select[name=forms_form]", label="Teknik Arıza Destek Formu")
    page.click("form.card button.primary")
    page.wait_for_load_state()

    customer = browser.new_context(base_url=live_server.url(""), locale="tr-TR")
    tab = customer.new_page()
    tab.goto(f"/portal/{slug}/contact")
    assert tab.locator("text=Cihaz modeli").count() == 1
    tab.fill("input[name=name]", "Ayşe")
    tab.fill("input[name=surname]", "Demir")
    tab.fill("input[name=email]", "ayse@example.org")
    tab.fill("input[name=subject]", "Yazıcı açılmıyor")
    tab.fill("textarea[name=body]", "Güç düğmesine basınca hiçbir şey olmuyor.")
    names = tab.eval_on_selector_all("[name^=forms_q]", "els => els.map(e => e.name)")
    assert len(set(names)) == 3
    model, system, count = sorted(set(names), key=lambda n: int(n.removeprefix("forms_q")))
    assert tab.locator(f"input[name={model}]:invalid").count() == 1  # required: the browser asks for it too
    assert "Ek Bilgiler" in tab.locator("body").inner_text() or "Additional information" in tab.locator(
        "body").inner_text()
    tab.fill(f"input[name={model}]", "HP LaserJet 1020")
    tab.select_option(f"select[name={system}]", label="Linux")
    tab.fill(f"input[name={count}]", "2")
    with tab.expect_navigation():
        tab.click("form button[type=submit]")
    customer.close()

    db.session.expire_all()
    ticket = db.session.scalar(select(Ticket))
    assert ticket is not None and ticket.topic_id == topic.id
    page.goto(f"/support/tickets/{ticket.number}")
    body = page.locator("body").inner_text()
    assert "HP LaserJet 1020" in body and "Linux" in body and "Cihaz modeli" in body
