"""A form's own page (F-3): its responses, filtered by date range and topic, paginated, and exported as CSV."""
from __future__ import annotations

from flask import Response as HttpResponse, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.extensions import db
from plugins.forms.export import csv_lines
from plugins.forms.models import Form, Question
from plugins.forms.responses import answers_of, read_filters, responses_query, tickets_of, topic_labels
from plugins.forms.views import admin_bp
from plugins.forms.views.admin import _get

PER_PAGE = 25


def _questions(form_id: int) -> list[Question]:
    return list(db.session.scalars(select(Question).where(Question.form_id == form_id)
                                   .order_by(Question.position, Question.id)))


@admin_bp.get("/<int:form_id>/responses")
def responses(form_id: int):
    """The responses of a form on tickets the viewer may see, newest first."""
    form = _get(Form, form_id)
    filters = read_filters(request.args)
    page = db.paginate(responses_query(form.id, filters, current_user), per_page=PER_PAGE, error_out=False)
    rows = list(page.items)
    answers = answers_of([r.id for r in rows])
    tickets = tickets_of({r.ticket_id for r in rows})
    return render_template("forms/admin/responses.html", row=form, questions=_questions(form.id), page=page,
                           rows=rows, answers=answers, tickets=tickets, filters=filters, topics=topic_labels()), \
        400 if filters.errors else 200


@admin_bp.get("/<int:form_id>/responses.csv")
def responses_csv(form_id: int):
    """The filtered responses as CSV, streamed (constant memory whatever their number)."""
    form = _get(Form, form_id)
    filters = read_filters(request.args)
    header = [_("Ticket"), _("Subject"), _("Date"), _("Topic")]
    lines = csv_lines(form, _questions(form.id), filters, current_user._get_current_object(), topic_labels(),
                      header)
    response = HttpResponse(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="form-{form.id}-responses.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
