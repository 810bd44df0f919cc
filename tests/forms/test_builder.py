"""The form builder (F-1, F-5): forms, questions and data fields created, changed, reordered, translated, deleted.

Bad input (missing label, wrong types, oversize, limits out of order, a
choice without options) gets a localized error and stores nothing; text
with HTML is stored as typed and shown escaped.
"""
from __future__ import annotations

from sqlalchemy import func, select

from crm.audit import AuditEntry
from crm.extensions import db
from plugins.forms.models import Answer, DataField, Form, Option, Question, Response


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _new_form(client, label="Teknik Arıza Destek Formu", **extra):
    response = client.post("/admin/forms/", data={"label": label, "help": "", **extra})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return db.session.scalar(select(Form).order_by(Form.id.desc()))


def _add_question(client, form, **data):
    data = {"kind": "text", "label": "Cihaz modeli", "help": "", **data}
    return client.post(f"/admin/forms/{form.id}/questions/new", data=data)


def test_admin_creates_a_form_with_translations(app, admin_client):
    form = _new_form(admin_client, label="Teknik Arıza Destek Formu", label_en="Technical fault form",
                     help_en="Tell us about the device.")
    assert form.label == "Teknik Arıza Destek Formu"
    assert form.translations == {"en": {"label": "Technical fault form", "help": "Tell us about the device."}}
    assert form.text_in("en") == "Technical fault form" and form.text_in("tr") == "Teknik Arıza Destek Formu"
    page = admin_client.get("/admin/forms/").get_data(as_text=True)
    assert "Teknik Arıza Destek Formu" in page
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "forms.form.created"


def test_questions_of_every_kind_are_added_in_order(app, admin_client):
    form = _new_form(admin_client)
    kinds = ["text", "textarea", "number", "email", "phone", "date", "choice", "multichoice", "checkbox", "file"]
    for kind in kinds:
        data = {"kind": kind, "label": f"Q {kind}", "required": "y" if kind == "text" else ""}
        if kind in ("choice", "multichoice"):
            data["options"] = "Windows\nmacOS\nLinux"
        response = _add_question(admin_client, form, **data)
        assert response.status_code == 302, (kind, response.get_data(as_text=True)[:1500])
    questions = db.session.scalars(select(Question).where(Question.form_id == form.id)
                                   .order_by(Question.position)).all()
    assert [q.kind for q in questions] == kinds
    assert questions[0].required and not questions[1].required
    choice = next(q for q in questions if q.kind == "choice")
    assert [o.label for o in choice.options] == ["Windows", "macOS", "Linux"]
    page = admin_client.get(f"/admin/forms/{form.id}").get_data(as_text=True)
    assert page.index("Q text") < page.index("Q file")


def test_editing_a_question_keeps_options_that_stay_and_translates_them(app, admin_client):
    form = _new_form(admin_client)
    _add_question(admin_client, form, kind="choice", label="İşletim sistemi", options="Windows\nmacOS")
    question = db.session.scalar(select(Question).where(Question.form_id == form.id))
    windows = question.options[0].id
    response = admin_client.post(f"/admin/forms/questions/{question.id}", data={
        "kind": "choice", "label": "İşletim sistemi", "options": "Linux\nWindows",
        "label_en": "Operating system", "options_en": "Linux (en)\nWindows (en)"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert [o.label for o in question.options] == ["Linux", "Windows"]
    assert question.options[1].id == windows  # same text: same option, so its answers keep their meaning
    assert [o.text_in("en") for o in question.options] == ["Linux (en)", "Windows (en)"]
    assert question.text_in("en") == "Operating system"
    assert _count(Option) == 2


def test_questions_move_up_and_down(app, admin_client, kit):
    form = kit.form(questions=[{"kind": "text", "label": "A"}, {"kind": "text", "label": "B"},
                               {"kind": "text", "label": "C"}])
    a, b, c = kit.questions(form)
    assert admin_client.post(f"/admin/forms/questions/{c.id}/move", data={"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [q.label for q in kit.questions(form)] == ["A", "C", "B"]
    admin_client.post(f"/admin/forms/questions/{a.id}/move", data={"direction": "down"})
    db.session.expire_all()
    assert [q.label for q in kit.questions(form)] == ["C", "A", "B"]
    admin_client.post(f"/admin/forms/questions/{b.id}/move", data={"direction": "down"})  # already last
    admin_client.post(f"/admin/forms/questions/{b.id}/move", data={"direction": "sideways"})
    db.session.expire_all()
    assert [q.label for q in kit.questions(form)] == ["C", "A", "B"]


def test_deleting_a_question_and_a_form_removes_their_rows(app, admin_client, kit, factory):
    topic = kit.topic()
    form = kit.form(questions=[{"kind": "text", "label": "A"}, {"kind": "choice", "label": "B", "options": ["x"]}],
                    topic=topic)
    a, b = kit.questions(form)
    ticket = factory.ticket("Printer", "It smokes.")
    response = Response(form_id=form.id, ticket_id=ticket.id, topic_id=topic.id)
    db.session.add(response)
    db.session.flush()
    db.session.add(Answer(response_id=response.id, question_id=a.id, ticket_id=ticket.id, value="x", text="x"))
    db.session.commit()
    assert admin_client.post(f"/admin/forms/questions/{a.id}/delete").status_code == 302
    assert _count(Answer) == 0 and _count(Question) == 1
    assert admin_client.post(f"/admin/forms/{form.id}/delete").status_code == 302
    assert _count(Form) == 0 and _count(Question) == 0 and _count(Option) == 0 and _count(Response) == 0
    from tests.orphans import orphans

    assert orphans() == {}


def test_bad_builder_input_gets_errors_and_stores_nothing(app, admin_client, kit):
    form = kit.form(questions=[])
    bad = [
        ({"kind": "text", "label": ""}, "This field is required."),
        ({"kind": "text", "label": "x" * 201}, "at most 200 characters"),
        ({"kind": "nonsense", "label": "Q"}, "Not a valid choice"),
        ({"kind": "choice", "label": "Q", "options": ""}, "Give at least one option."),
        ({"kind": "choice", "label": "Q", "options": "a\nA"}, "Give each option once."),
        ({"kind": "number", "label": "Q", "min_value": "10", "max_value": "2"}, "must not be smaller"),
        ({"kind": "number", "label": "Q", "min_value": "ten"}, "Not a valid decimal value"),
        ({"kind": "number", "label": "Q", "min_value": "NaN"}, "Enter a smaller number."),
        ({"kind": "text", "label": "Q", "max_value": "2.5"}, "whole number of characters"),
        ({"kind": "text", "label": "Q\x07"}, "control characters"),
        ({"kind": "text", "label": "Q", "help": "h" * 501}, "at most 500 characters"),
    ]
    for data, message in bad:
        response = _add_question(admin_client, form, **data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), (data, message)
    assert _count(Question) == 0 and _count(Option) == 0
    response = admin_client.post("/admin/forms/", data={"label": "   "})
    assert response.status_code == 400 and _count(Form) == 1


def test_bad_builder_input_is_refused_in_turkish(app, admin_client, kit, admin):
    admin.locale = "tr"
    db.session.commit()
    form = kit.form(questions=[])
    response = _add_question(admin_client, form, kind="text", label="")
    assert response.status_code == 400
    assert "This field is required." not in response.get_data(as_text=True)


def test_html_typed_in_the_builder_is_stored_as_text_and_escaped(app, admin_client):
    form = _new_form(admin_client, label="<script>alert(1)</script>")
    _add_question(admin_client, form, kind="choice", label="<b>bold</b>", options="<i>opt</i>")
    assert db.session.get(Form, form.id).label == "<script>alert(1)</script>"
    page = admin_client.get(f"/admin/forms/{form.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_data_fields_are_built_with_places_and_flags(app, admin_client):
    response = admin_client.post("/admin/forms/fields/new?subject=ticket", data={
        "kind": "choice", "label": "Cihaz", "options": "Yazıcı\nTarayıcı", "place_staff_ticket": "edit",
        "place_portal_ticket": "view", "list_filter": "y", "searchable": "y", "label_en": "Device"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    field = db.session.scalar(select(DataField))
    assert (field.subject, field.places, field.list_filter, field.searchable) == (
        "ticket", {"staff_ticket": "edit", "portal_ticket": "view"}, True, True)
    assert field.text_in("en") == "Device"
    response = admin_client.post("/admin/forms/fields/new?subject=contact", data={
        "kind": "text", "label": "Vergi no", "place_portal_profile": "edit", "place_staff_ticket": "edit",
        "list_filter": "y"})
    assert response.status_code == 302
    contact_field = db.session.scalar(select(DataField).where(DataField.subject == "contact"))
    assert contact_field.places == {"portal_profile": "edit"}  # a ticket place means nothing for a profile
    assert contact_field.list_filter is False
    page = admin_client.get("/admin/forms/fields").get_data(as_text=True)
    assert "Cihaz" in page and "Vergi no" in page
    # a file is not a data field kind; an unknown place mode is refused
    assert admin_client.post("/admin/forms/fields/new", data={"kind": "file", "label": "F"}).status_code == 400
    assert admin_client.post("/admin/forms/fields/new", data={
        "kind": "text", "label": "F", "place_staff_ticket": "everything"}).status_code == 400
    assert admin_client.get("/admin/forms/fields/new?subject=company").status_code == 404
    assert _count(DataField) == 2


def test_data_fields_move_edit_and_delete(app, admin_client, kit):
    first = kit.field(label="First", position=0)
    second = kit.field(label="Second", position=1)
    admin_client.post(f"/admin/forms/fields/{second.id}/move", data={"direction": "up"})
    db.session.expire_all()
    assert db.session.get(DataField, second.id).position < db.session.get(DataField, first.id).position
    page = admin_client.get(f"/admin/forms/fields/{first.id}").get_data(as_text=True)
    assert 'value="First"' in page
    response = admin_client.post(f"/admin/forms/fields/{first.id}", data={
        "kind": "number", "label": "Count", "min_value": "1", "max_value": "9", "place_staff_ticket": "view"})
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(DataField, first.id)
    assert (changed.kind, changed.min_value, changed.max_value, changed.places) == ("number", 1.0, 9.0,
                                                                                   {"staff_ticket": "view"})
    assert admin_client.post(f"/admin/forms/fields/{first.id}/delete").status_code == 302
    assert _count(DataField) == 1


def test_the_audit_log_names_the_builder_changes(app, admin_client):
    form = _new_form(admin_client, label="Donanım formu")
    _add_question(admin_client, form, label="Model")
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Form created" in page and "Question added" in page
    assert ">forms.form.created<" not in page
