"""Adding a language is adding a catalog: the offered languages come from translations/."""
from crm import create_app, i18n


def test_languages_are_the_catalogs(tmp_path, monkeypatch):
    folder = tmp_path / "translations"
    for code in ("tr", "de"):
        (folder / code / "LC_MESSAGES").mkdir(parents=True)
        (folder / code / "LC_MESSAGES" / "messages.po").write_text("")
    monkeypatch.setattr(i18n, "TRANSLATIONS", folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path / "i")}, plugins=[])
    assert app.config["LANGUAGES"] == ["en", "de", "tr"]
    with app.app_context():
        from crm.settings import registry

        field = registry().field("crm.default_locale")[2]
        assert dict(field.choices_list())["de"] == "Deutsch"


def test_shipped_catalogs_are_offered(app):
    assert app.config["LANGUAGES"] == ["en", "tr"]
    assert i18n.language_name("tr") == "Türkçe"
