"""Templates' gettext keeps Jinja's newstyle rules: safe translations, escaped variables, %% as a percent sign."""
from flask import render_template_string


def test_newstyle_rules_in_html(app):
    with app.test_request_context("/"):
        assert render_template_string("{{ _('Tickets') }}") == "Tickets"
        assert render_template_string("{{ _('100%% sure') }}") == "100% sure"
        assert render_template_string("{{ _('Team: %(name)s', name=n) }}", n="<b>") == "Team: &lt;b&gt;"
        assert render_template_string("{% trans n=n %}Hello {{ n }}{% endtrans %}", n="<i>") == "Hello &lt;i&gt;"


def test_text_templates_are_not_escaped(app):
    with app.test_request_context("/"):
        template = app.jinja_env.from_string("{% autoescape false %}{{ _('Team: %(name)s', name=n) }}{% endautoescape %}")
        assert template.render(n="<b>") == "Team: <b>"


def test_the_viewers_language(app):
    with app.test_request_context("/", headers={"Accept-Language": "tr"}):
        assert render_template_string("{{ _('Tickets') }}") != "Tickets"
