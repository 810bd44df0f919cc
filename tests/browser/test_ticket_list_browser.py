"""The staff ticket list in a real browser: search by number and Turkish capitals, select-all bulk close,
ticket numbers on one line at 1280 px, and no horizontal page scroll on a phone."""
from __future__ import annotations

import pytest

import plugins.support.plugin as support_plugin
from crm.actors import SYSTEM
from crm.extensions import db
from plugins.support import services, statuses
from plugins.support.models import Ticket
from tests.browser.signing import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def app_plugins():
    return [support_plugin]


def _shown_numbers(page) -> list[str]:
    return sorted(page.locator("td.ticket-number a").all_inner_texts())


def _search(page, q):
    page.fill("input[name=q]", q)
    page.click(".support-filters button.primary")
    page.wait_for_load_state("load")


def _tickets(factory, subjects):
    contact = factory.contact(name="Zeynep Kaya", email="zeynep@example.org")
    return [services.open_ticket(s, contact=contact, body="Merhaba.", author=SYSTEM) for s in subjects]


def test_search_by_number_and_by_turkish_capitals(app, factory, page):
    reset, other, third = _tickets(factory, ["Şifre sıfırlama çalışmıyor", "Fatura", "Kargo"])
    sign_in(page, factory.admin())
    page.goto("/support/tickets")
    _search(page, "SIFIRLAMA")
    assert _shown_numbers(page) == [reset.number]
    assert "1 ticket matches the search." in page.locator(".search-result").inner_text()
    _search(page, other.number)
    assert _shown_numbers(page) == [other.number]
    _search(page, str(int(third.number.split("-")[1])))
    assert _shown_numbers(page) == [third.number]


def test_select_all_and_bulk_close(app, factory, page):
    tickets = _tickets(factory, ["Bir", "İki", "Üç"])
    sign_in(page, factory.admin())
    page.goto("/support/tickets")
    status_field, assignee_field = page.locator("select[data-bulk-for=status]"), page.locator(
        "select[data-bulk-for=assign]")
    assert not status_field.is_visible() and not assignee_field.is_visible()
    page.select_option("select[name=action]", "assign")
    assert assignee_field.is_visible() and not status_field.is_visible()
    page.select_option("select[name=action]", "status")
    assert status_field.is_visible() and not assignee_field.is_visible()
    page.check("input[data-select-all]")
    assert page.locator("input[name=ids]:checked").count() == 3
    page.uncheck("input[name=ids] >> nth=0")
    assert page.locator("input[data-select-all]").evaluate("box => box.indeterminate")
    page.check("input[data-select-all]")
    closed = statuses.status_by_key("closed")
    page.select_option("select[data-bulk-for=status]", str(closed.id))
    page.click(".bulk-toolbar button")
    page.wait_for_load_state("load")
    assert "3 tickets changed." in page.locator(".flash-success").inner_text()
    db.session.expire_all()
    assert {db.session.get(Ticket, t.id).status_id for t in tickets} == {closed.id}


def test_ticket_numbers_stay_on_one_line_at_1280_px(app, factory, page):
    desk = factory.department("Müşteri Hizmetleri ve Teknik Destek")
    contact = factory.contact(name="Kübra Nur Şahinoğlu Karadeniz", email="kubra.karadeniz@uzun-bir-alan-adi.com.tr",
                              company=factory.company("Çok Uzun Adlı Bir Lojistik ve Ticaret Anonim Şirketi"))
    long_subject = "Sipariş ettiğim ürün hâlâ gelmedi, kargo takip numarası da çalışmıyor, lütfen yardım edin " * 2
    for _ in range(3):
        services.open_ticket(long_subject, contact=contact, body="x", author=SYSTEM, department=desk,
                             tags=["acil", "kargo", "iade", "vip-musteri"])
    sign_in(page, factory.admin())
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/support/tickets")
    heights = page.locator("td.ticket-number a").evaluate_all(
        "links => links.map(a => [a.getBoundingClientRect().height, parseFloat(getComputedStyle(a).lineHeight)"
        " || parseFloat(getComputedStyle(a).fontSize) * 1.6])")
    assert heights and all(height <= line * 1.2 for height, line in heights), heights
    # the status dot sits on the same line as its label
    dots = page.locator("td .status-label").evaluate_all(
        "labels => labels.map(l => [l.getBoundingClientRect().height, l.querySelector('.status-dot')"
        ".getBoundingClientRect().top - l.getBoundingClientRect().top])")
    assert all(height < 30 and offset < height for height, offset in dots), dots
    # filter placeholders and options fit their boxes
    overflow = page.locator(".support-filters input, .support-filters select").evaluate_all("""fields => {
        const canvas = document.createElement('canvas').getContext('2d');
        return fields.map(f => {
            const style = getComputedStyle(f);
            canvas.font = style.font;
            const texts = f.tagName === 'SELECT' ? [...f.options].map(o => o.text) : [f.placeholder];
            const room = f.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
                - (f.tagName === 'SELECT' ? 20 : 0);
            const widest = Math.max(...texts.map(t => canvas.measureText(t).width));
            return [f.name, Math.round(widest), Math.round(room)];
        }).filter(([name, widest, room]) => widest > room);
    }""")
    assert overflow == [], overflow


def test_phone_viewport_has_no_horizontal_page_scroll(app, factory, page):
    _tickets(factory, ["Telefon ekranında uzun bir konu başlığı olan bir talep"] * 3)
    sign_in(page, factory.admin())
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/support/tickets")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .filter(e => !e.closest('.table-scroll'))
        .map(e => e.tagName + '.' + e.className).slice(0, 8)""")
    assert widths[0] <= widths[1], (widths, wide)
    scroll_box = page.locator(".table-scroll").evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert scroll_box[1] <= widths[1]
