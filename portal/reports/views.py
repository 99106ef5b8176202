"""/reports: the program's evidence for a period, each table with its chart and CSV; the
Marcus Alert yearly report; the admin's population shares. Viewing and exporting are
audited; nothing here changes a record except the population shares (admins only)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import audit, localtime
from portal.auth.permissions import requires
from portal.extensions import db
from portal.models import Role
from portal.referrals.workflow import overdue_sent_before
from portal.reports import bp, metrics, population
from portal.reports.forms import PeriodForm, PopulationForm, share_fields
from portal.reports.tables import Table, marcus_alert_tables, report_tables
from portal.translated import gettext as _

INVALID = 422


def _period(form: PeriodForm) -> metrics.Period:
    if form.period.data == "custom":
        return metrics.Period(form.start.data, form.end.data)
    return metrics.period_of(form.period.data, form.day.data or localtime.today())


def _report(deidentified: bool = False):
    form = PeriodForm(request.args)
    if not form.validate():
        return form, None, None
    period = _period(form)
    report = metrics.compute(
        period, overdue_sent_before=overdue_sent_before(), deidentified=deidentified
    )
    return form, period, report


@bp.get("")
def index():
    form, period, report = _report()
    if report is None:
        return render_template("reports/index.html", form=form, tables=[], period=None), INVALID
    audit.record("report.viewed", detail=f"{period.start}..{period.end}")
    db.session.commit()
    population_form = None
    if current_user.role == Role.admin.value:
        population_form = PopulationForm(formdata=None)
        shares = population.current()
        for race, field in share_fields(population_form):
            field.data = round(shares[race] * 100, 2) if race in shares else None
    return render_template(
        "reports/index.html",
        form=form,
        period=period,
        tables=report_tables(report),
        population_form=population_form,
        query=request.args.to_dict(),
    )


def _csv(table: Table, name: str, deidentified: bool) -> Response:
    audit.record("report.exported", detail=f"{name}{' de-identified' if deidentified else ''}")
    db.session.commit()
    suffix = "-deidentified" if deidentified else ""
    return Response(
        table.csv(deidentified=deidentified),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}{suffix}.csv"},
    )


def _deidentified() -> bool:
    return request.args.get("deidentified") in ("1", "yes", "true")


@bp.get("/<key>.csv")
def table_csv(key: str):
    deidentified = _deidentified()
    form, period, report = _report(deidentified)
    if report is None:
        abort(400, _("Check the period: %(errors)s", errors=_errors(form)))
    table = next((t for t in report_tables(report) if t.key == key), None) or abort(404)
    return _csv(table, f"{key}-{period.start}-{period.end}", deidentified)


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _year() -> int:
    text = request.args.get("year", "")
    if not text:
        return localtime.today().year - 1  # the last full year, the one a report is due for
    if not (text.isdigit() and 2000 <= int(text) <= 2100):
        abort(400, _("Enter a year such as 2026."))
    return int(text)


@bp.get("/marcus-alert")
def marcus_alert():
    year = _year()
    tables = marcus_alert_tables(metrics.marcus_alert(year))
    audit.record("report.viewed", detail=f"marcus-alert {year}")
    db.session.commit()
    return render_template("reports/marcus_alert.html", year=year, tables=tables)


@bp.get("/marcus-alert/<key>.csv")
def marcus_alert_csv(key: str):
    year = _year()
    tables = marcus_alert_tables(metrics.marcus_alert(year))
    table = next((t for t in tables if t.key == key), None) or abort(404)
    return _csv(table, f"{key}-{year}", deidentified=True)


def _back_to_reports():
    # Back to the period the admin was looking at.
    query = urlencode(request.args.to_dict())
    return redirect(url_for("reports.index") + (f"?{query}" if query else ""), 303)


@bp.post("/population")
@requires(Role.admin)
def set_population():
    form = PopulationForm()
    if not form.validate():
        for _race, field in share_fields(form):
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
        for error in form.form_errors:
            flash(str(error), "error")
        return _back_to_reports()
    population.replace({race: field.data for race, field in share_fields(form)}, by=current_user)
    db.session.commit()
    flash(_("The population shares are saved."), "success")
    return _back_to_reports()
