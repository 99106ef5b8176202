"""Provider pages: staff keep their own organization's listings true (DESIGN.md, "Who may do
what": own organization's listings, edited with review). HTTP only; the rules are in
portal/catalog/change_requests.py, fields.py and freshness.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import audit
from portal.auth import policies
from portal.auth.forms import EmptyForm
from portal.auth.permissions import load_or_404
from portal.catalog import change_requests, fields, freshness, hours, problems, queries
from portal.directory.presenters import status_label
from portal.extensions import db
from portal.models import (
    ChangeRequest,
    ChangeStatus,
    Location,
    Organization,
    ProblemReport,
    ProblemStatus,
    Service,
    TargetType,
)
from portal.providers import bp
from portal.providers.forms import (
    CapacityUpdateForm,
    LocationForm,
    OrganizationForm,
    ServiceForm,
    form_data,
)
from portal.translated import gettext as _

INVALID = 422


@bp.context_processor
def _labels() -> dict:
    return {
        "day_names": hours.day_names(),
        "decision_label": change_requests.decision_label,
        "target_label": fields.target_label,
        "field_labels": fields.field_labels,
        "status_label": status_label,
    }


@bp.get("/")
def dashboard():
    if len(current_user.organizations) == 1:
        return redirect(
            url_for("providers.organization", organization_id=current_user.organizations[0].id)
        )
    return render_template("providers/dashboard.html", organizations=current_user.organizations)


@bp.get("/organizations/<uuid:organization_id>")
def organization(organization_id):
    org = load_or_404(Organization, organization_id, policy=policies.can_edit_organization)
    return _organization_page(org)


def _organization_page(org: Organization, capacity_errors: dict | None = None, status=200):
    changes = db.session.scalars(
        select(ChangeRequest)
        .where(ChangeRequest.organization_id == org.id)
        .order_by(ChangeRequest.submitted_at.desc())
        .limit(30)
    ).all()
    reports = db.session.scalars(
        select(ProblemReport)
        .join(Service)
        .where(Service.organization_id == org.id, ProblemReport.status == ProblemStatus.open.value)
        .order_by(ProblemReport.created_at.desc())
    ).all()
    services = sorted(org.services, key=lambda s: s.name)
    return render_template(
        "providers/organization.html",
        organization=org,
        services=services,
        locations=sorted(org.locations, key=lambda loc: loc.name or ""),
        changes=changes,
        problems=reports,
        stale={s.id for s in services if freshness.is_stale(s.assured_date)},
        action_form=EmptyForm(),
        kind_label=problems.kind_label,
        capacity_errors=capacity_errors or {},
    ), status


@bp.post("/services/<uuid:service_id>/capacity")
def update_capacity(service_id):
    """One tap: openings and "accepting new clients", published at once (not reviewed)."""
    service = load_or_404(Service, service_id, policy=policies.can_edit_service)
    form = CapacityUpdateForm()
    if not form.validate():
        if form.csrf_token.errors:
            abort(400)
        messages = [*form.accepting.errors] + [
            m for row in form.openings for m in row.form.available.errors
        ]
        return _organization_page(service.organization, {service.id: messages}, INVALID)
    try:
        change_requests.update_capacity(
            service,
            current_user,
            accepting=form.accepting_value(),
            available=form.available(),
        )
    except change_requests.CapacityError as error:
        db.session.rollback()
        return _organization_page(service.organization, {service.id: [str(error)]}, INVALID)
    audit.record("listing.capacity_updated", record=service)
    db.session.commit()
    flash(_("Openings for %(name)s are published.", name=service.name), "success")
    return redirect(
        url_for("providers.organization", organization_id=service.organization_id)
        + f"#capacity-{service.id}"
    )


def _save(org: Organization, target_type: str, record, form, template: str, **context):
    """Validate and submit; re-render with the errors (422) or go back to the organization."""
    if request.method == "POST" and form.validate():
        changes = change_requests.submit(org, target_type, record, form.proposal(), current_user)
        if not changes:
            flash(_("Nothing was changed."), "info")
        else:
            for change in changes:
                audit.record(
                    "listing.change_submitted",
                    record=change,
                    detail=f"{change.target_type} {change.status}",
                )
            db.session.commit()
            published = [c.status == ChangeStatus.approved.value for c in changes]
            if all(published):
                flash(_("Your changes are published."), "success")
            elif any(published):
                flash(
                    _("Capacity and status are published. The other changes are sent for review."),
                    "success",
                )
            else:
                flash(
                    _(
                        "Thank you. Your changes are sent for review; you will see the "
                        "decision on this page."
                    ),
                    "success",
                )
        return redirect(url_for("providers.organization", organization_id=org.id))
    status = INVALID if request.method == "POST" else 200
    return render_template(template, form=form, organization=org, record=record, **context), status


def _save_service(org: Organization, service: Service | None):
    units = queries.units()
    if request.method == "POST":
        form = ServiceForm(organization=org, service=service)
    else:
        values = (
            fields.current_values("service", service)
            if service
            else {"hours": [[] for _day in range(7)], "capacity": []}
        )
        form = ServiceForm(data=form_data(values, units), organization=org, service=service)
    while len(form.capacity) < len(units):
        form.capacity.append_entry({"unit_id": units[len(form.capacity)].id})
    # One row per known unit: anything else was not sent by this page.
    posted = [row.form.unit_id.data for row in form.capacity]
    if len(set(posted)) != len(posted) or not set(posted) <= {u.id for u in units}:
        abort(400)
    return _save(
        org,
        TargetType.service.value,
        service,
        form,
        "providers/service_form.html",
        units={u.id: u for u in units},
    )


@bp.route("/services/<uuid:service_id>/edit", methods=["GET", "POST"])
def edit_service(service_id):
    service = load_or_404(Service, service_id, policy=policies.can_edit_service)
    return _save_service(service.organization, service)


@bp.route("/organizations/<uuid:organization_id>/services/new", methods=["GET", "POST"])
def new_service(organization_id):
    return _save_service(
        load_or_404(Organization, organization_id, policy=policies.can_edit_organization), None
    )


def _location_form(location: Location | None) -> LocationForm:
    if request.method == "POST":
        return LocationForm()
    values = (
        fields.current_values("location", location)
        if location
        else {"hours": [[] for _day in range(7)]}
    )
    return LocationForm(data=form_data(values))


@bp.route("/locations/<uuid:location_id>/edit", methods=["GET", "POST"])
def edit_location(location_id):
    location = load_or_404(Location, location_id, policy=policies.can_edit_location)
    if location.organization is None:  # only admins reach a location without one
        abort(404)
    return _save(
        location.organization,
        TargetType.location.value,
        location,
        _location_form(location),
        "providers/location_form.html",
    )


@bp.route("/organizations/<uuid:organization_id>/locations/new", methods=["GET", "POST"])
def new_location(organization_id):
    org = load_or_404(Organization, organization_id, policy=policies.can_edit_organization)
    return _save(
        org, TargetType.location.value, None, _location_form(None), "providers/location_form.html"
    )


@bp.route("/organizations/<uuid:organization_id>/edit", methods=["GET", "POST"])
def edit_organization(organization_id):
    org = load_or_404(Organization, organization_id, policy=policies.can_edit_organization)
    form = (
        OrganizationForm()
        if request.method == "POST"
        else OrganizationForm(data=form_data(fields.current_values("organization", org)))
    )
    return _save(org, TargetType.organization.value, org, form, "providers/organization_form.html")


@bp.post("/services/<uuid:service_id>/confirm")
def confirm_service(service_id):
    service = load_or_404(Service, service_id, policy=policies.can_edit_service)
    if not EmptyForm().validate():
        abort(400)
    freshness.confirm(service, current_user)
    audit.record("listing.confirmed", record=service)
    db.session.commit()
    flash(_("Thank you. %(name)s is marked as checked today.", name=service.name), "success")
    return redirect(url_for("providers.organization", organization_id=service.organization_id))


@bp.get("/changes/<uuid:change_id>")
def change(change_id):
    change = load_or_404(ChangeRequest, change_id, policy=policies.can_view_change_request)
    return render_template(
        "providers/change.html",
        change=change,
        diff=fields.diff(change),
        target=change_requests.target_of(change),
    )
