"""Portal branding (P-10): per language with fallback, colours only as #rrggbb, favicon by content, on pages."""
import io
import re

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from plugins.portal import branding
from plugins.portal.branding import PortalBranding
from tests.portal.portal_kit import *  # noqa: F401,F403

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
ICO = b"\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00\x20\x00" + b"\x00" * 60


class Upload:
    def __init__(self, data, filename="icon.png"):
        self.stream, self.filename = io.BytesIO(data), filename


@pytest.fixture
def site(portal):
    return portal.site("Acme")


def save(app, site, locale, **values):
    favicon = values.pop("favicon", None)
    with app.test_request_context():
        changes = branding.save(site, locale, values, favicon=favicon)
    db.session.commit()
    return changes


def test_built_in_defaults_are_the_brand_name_and_no_colours(app, site):
    with app.test_request_context():
        found = branding.for_site(site, "en")
    assert found.organisation_name == "Acme" and found.page_title == "Acme"
    assert found.colours == {} and found.links == () and found.favicon_locale is None


def test_a_language_falls_back_field_by_field_to_the_default_language(app, site):
    save(app, site, "en", organisation_name="Acme Inc.", form_title="Contact us", colour_button="#AA0000",
         links="Privacy | https://acme.example/privacy")
    save(app, site, "tr", form_title="Bize yazın")
    with app.test_request_context():
        tr = branding.for_site(site, "tr")
        en = branding.for_site(site, "en")
    assert tr.form_title == "Bize yazın" and tr.organisation_name == "Acme Inc."
    assert tr.colours == {"colour_button": "#aa0000"}
    assert [(link.label, link.url) for link in tr.links] == [("Privacy", "https://acme.example/privacy")]
    assert en.form_title == "Contact us"


@pytest.mark.parametrize("values, field", [
    ({"colour_background": "red"}, "colour_background"),
    ({"colour_text": "#12345"}, "colour_text"),
    ({"colour_panel": "#123456;background:url(x)"}, "colour_panel"),
    ({"organisation_name": "x" * 121}, "organisation_name"),
    ({"links": "Privacy https://acme.example"}, "links"),
    ({"links": "Evil | javascript:alert(1)"}, "links"),
    ({"links": "\n".join(f"L{i} | https://acme.example/{i}" for i in range(7))}, "links"),
    ({"favicon": Upload(b"<svg onload=alert(1)></svg>", "icon.png")}, "favicon"),
    ({"favicon": Upload(b"GIF89a" + b"\x00" * 20, "icon.ico")}, "favicon"),
    ({"favicon": Upload(PNG + b"\x00" * (256 * 1024), "big.png")}, "favicon"),
])
def test_bad_branding_is_refused_and_nothing_stored(app, site, values, field):
    with app.test_request_context(), pytest.raises(branding.BrandingError) as err:
        branding.save(site, "en", {"organisation_name": "Fine", **values},
                      favicon=values.pop("favicon", None))
    assert field in err.value.errors
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PortalBranding)) == 0


def test_an_unknown_language_is_refused(app, site):
    with app.test_request_context(), pytest.raises(branding.BrandingError):
        branding.save(site, "xx", {})


def test_stylesheet_holds_only_validated_colours(app, site):
    save(app, site, "en", colour_background="#102030", colour_button="#aabbcc")
    with app.test_request_context():
        css = branding.stylesheet(branding.for_site(site, "en"))
    assert "--brand-background: #102030;" in css and "--brand-button: #aabbcc;" in css
    assert "--brand-text" not in css
    # only the login and signup pages take these colours; other portal pages keep theirs
    assert "--portal-" not in css and all(line.startswith(("body.portal-auth", ":root", "  --", "}")) for line in css.splitlines())


def test_portal_pages_carry_branding(app, client, portal, site):
    save(app, site, "en", organisation_name="Acme Support", colour_background="#102030",
         links="Privacy | https://acme.example/privacy", favicon=Upload(PNG))
    html = client.get(portal.url(site, "login"), headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Acme Support" in html and "<title>Sign in · Acme Support</title>" in html
    assert 'href="https://acme.example/privacy"' in html
    css_url = re.search(r'<link rel="stylesheet" href="([^"]*branding\.css[^"]*)"', html).group(1).replace("&amp;", "&")
    css = client.get(css_url)
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "--brand-background: #102030;" in css.get_data(as_text=True)
    assert "immutable" in css.headers["Cache-Control"]
    assert "Set-Cookie" not in css.headers
    icon_url = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    icon = client.get(icon_url)
    assert icon.status_code == 200 and icon.mimetype == "image/png" and icon.data == PNG


def test_an_unversioned_stylesheet_is_not_cached(app, client, portal, site):
    response = client.get(portal.url(site, "branding.css"))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_ico_favicons_are_accepted(app, site):
    save(app, site, "en", favicon=Upload(ICO, "favicon.ico"))
    row = db.session.get(PortalBranding, (site.brand_id, "en"))
    assert row.favicon_type in ("image/x-icon", "image/vnd.microsoft.icon")


def test_no_favicon_is_404(app, client, portal, site):
    assert client.get(portal.url(site, "favicon")).status_code == 404


def test_the_public_form_shows_title_and_note(app, client, portal, site):
    from crm.settings import set_many

    set_many("portal", {"public_form_enabled": True})
    db.session.commit()
    save(app, site, "en", form_title="Write to Acme", form_note="We answer within a day.")
    html = client.get(portal.url(site, "contact"), headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Write to Acme" in html and "We answer within a day." in html


def test_the_page_title_is_the_brandings(app, client, portal, site):
    save(app, site, "en", organisation_name="Acme Inc.", page_title="Acme Help Centre")
    html = client.get(portal.url(site, "login"), headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<title>Sign in · Acme Help Centre</title>" in html and "Acme Inc." in html
