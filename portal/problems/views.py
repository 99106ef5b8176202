"""The public "Report a problem with this listing" form (rules: portal/catalog/problems.py)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from wtforms import HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.catalog import cleaning, problems, queries
from portal.extensions import db, limiter
from portal.forms import PortalForm
from portal.models import ProblemKind
from portal.problems import bp
from portal.translated import gettext as _
from portal.translated import lazy_gettext as _l

INVALID = 422


class ProblemForm(PortalForm):
    kind = RadioField(
        _l("What is wrong?"),
        choices=[SelectChoice(k.value, k.value) for k in ProblemKind],
        validators=[InputRequired(message=_l("Choose what is wrong."))],
    )
    text = TextAreaField(
        _l(
            "Tell us more (optional). Please do not include your name or "
            "anyone's health information."
        ),
        validators=[Length(max=problems.TEXT_MAX)],
    )
    # Bot checks: left empty by people (hidden from them), and when the form was shown.
    website = StringField(_l("Leave this field empty"))
    shown = HiddenField()


def _form() -> ProblemForm:
    form = ProblemForm()
    form.kind.choices = [SelectChoice(k.value, problems.kind_label(k.value)) for k in ProblemKind]
    return form


def _service(service_id: str):
    service = queries.service_detail(service_id)
    if service is None:
        abort(404)
    return service


@bp.get("/services/<service_id>/report")
def report_form(service_id: str):
    service = _service(service_id)
    form = _form()
    form.shown.data = problems.form_stamp()
    return render_template("problems/report.html", service=service, form=form)


@bp.post("/services/<service_id>/report")
@limiter.limit(lambda: current_app.config["PORTAL_PROBLEM_REPORT_LIMIT"])
def report(service_id: str):
    service = _service(service_id)
    form = _form()
    message = None
    if form.validate():
        try:
            problems.check_bot(form.website.data, form.shown.data)
            text = cleaning.clean_text(form.text.data, problems.TEXT_MAX)
        except (problems.ProblemError, cleaning.CleaningError) as error:
            message = str(error)
        else:
            problems.report(service, form.kind.data, text)
            db.session.commit()
            flash(_("Thank you. We will check this listing."), "success")
            return redirect(url_for("directory.service", service_id=service.id))
    form.shown.data = problems.form_stamp()
    return render_template(
        "problems/report.html", service=service, form=form, message=message
    ), INVALID
