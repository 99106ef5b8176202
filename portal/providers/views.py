"""Provider pages: staff keep their own organization's listings true (DESIGN.md, "Who may do
what": own organization's listings, edited with review). HTTP only; the rules are in
portal/catalog/editing.py and portal/catalog/freshness.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal import audit
from portal.auth.forms import EmptyForm
from portal.auth.permissions import Rule, blueprint_rule, get_in_scope_or_404, scope
from portal.catalog import editing, freshness, hours, problems, vocabulary
from portal.directory.presenters import status_label
from portal.extensions import db
from portal.models import (
    ChangeRequest,
    ChangeStatus,
    Location,
    Organization,
    ProblemReport,
    Role,
    Service,
    TargetType,
    User,
)
from portal.providers.forms import LocationForm, OrganizationForm, ServiceForm, form_data

bp = Blueprint("providers", __name__, url_prefix="/provider")
blueprint_rule(bp, Rule(signed_in=True, roles=frozenset({Role.provider.value, Role.admin.value})))

INVALID = 422


@bp.context_processor
def _labels() -> dict:
    return {
        "day_names": hours.day_names(),
        "decision_label": editing.decision_label,
        "target_label": editing.target_label,
        "field_labels": editing.field_labels,
        "status_label": status_label,
    }


# Provider staff reach their own organizations' records only; admins reach all of them.
@scope(Service)
def _own_service(user: User, service: Service) -> bool:
    return user.is_admin or service.organization_id in user.organization_ids


@scope(Location)
def _own_location(user: User, location: Location) -> bool:
    return user.is_admin or location.organization_id in user.organization_ids


@scope(ChangeRequest)
def _own_change(user: User, change: ChangeRequest) -> bool:
    return user.is_admin or change.organization_id in user.organization_ids


@bp.get("/")
def dashboard():
    if len(current_user.organizations) == 1:
        return redirect(
            url_for("providers.organization", organization_id=current_user.organizations[0].id)
        )
    return render_template("providers/dashboard.html", organizations=current_user.organizations)


@bp.get("/organizations/<uuid:organization_id>")
def organization(organization_id):
    org = get_in_scope_or_404(Organization, organization_id)
    changes = db.session.scalars(
        select(ChangeRequest)
        .where(ChangeRequest.organization_id == org.id)
        .order_by(ChangeRequest.submitted_at.desc())
        .limit(30)
    ).all()
    reports = db.session.scalars(
        select(ProblemReport)
        .join(Service)
        .where(Service.organization_id == org.id, ProblemReport.status == "open")
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
    )


def _choices(form: ServiceForm, org: Organization, service: Service | None) -> ServiceForm:
    form.locations.choices = editing.location_choices(org, service)
    form.categories.choices = editing.term_choices(vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID)
    form.details.choices = editing.term_choices(vocabulary.SERVICE_DETAILS_TAXONOMY_ID)
    return form


def _save(org: Organization, target_type: str, record, form, template: str, **context):
    """Validate and submit; re-render with the errors (422) or go back to the organization."""
    if request.method == "POST" and form.validate():
        changes = editing.submit(org, target_type, record, form.proposal(), current_user)
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
    units = editing.units()
    if request.method == "POST":
        form = ServiceForm()
    else:
        values = (
            editing.current_values("service", service)
            if service
            else {"hours": [[] for _day in range(7)], "capacity": []}
        )
        form = ServiceForm(data=form_data(values, units))
    form = _choices(form, org, service)
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
    service = get_in_scope_or_404(Service, service_id)
    return _save_service(service.organization, service)


@bp.route("/organizations/<uuid:organization_id>/services/new", methods=["GET", "POST"])
def new_service(organization_id):
    return _save_service(get_in_scope_or_404(Organization, organization_id), None)


def _location_form(location: Location | None) -> LocationForm:
    if request.method == "POST":
        return LocationForm()
    values = (
        editing.current_values("location", location)
        if location
        else {"hours": [[] for _day in range(7)]}
    )
    return LocationForm(data=form_data(values))


@bp.route("/locations/<uuid:location_id>/edit", methods=["GET", "POST"])
def edit_location(location_id):
    location = get_in_scope_or_404(Location, location_id)
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
    org = get_in_scope_or_404(Organization, organization_id)
    return _save(
        org, TargetType.location.value, None, _location_form(None), "providers/location_form.html"
    )


@bp.route("/organizations/<uuid:organization_id>/edit", methods=["GET", "POST"])
def edit_organization(organization_id):
    org = get_in_scope_or_404(Organization, organization_id)
    form = (
        OrganizationForm()
        if request.method == "POST"
        else OrganizationForm(data=form_data(editing.current_values("organization", org)))
    )
    return _save(org, TargetType.organization.value, org, form, "providers/organization_form.html")


@bp.post("/services/<uuid:service_id>/confirm")
def confirm_service(service_id):
    service = get_in_scope_or_404(Service, service_id)
    if not EmptyForm().validate():
        abort(400)
    freshness.confirm(service, current_user)
    audit.record("listing.confirmed", record=service)
    db.session.commit()
    flash(_("Thank you. %(name)s is marked as checked today.", name=service.name), "success")
    return redirect(url_for("providers.organization", organization_id=service.organization_id))


@bp.get("/changes/<uuid:change_id>")
def change(change_id):
    change = get_in_scope_or_404(ChangeRequest, change_id)
    return render_template(
        "providers/change.html",
        change=change,
        diff=editing.diff(change),
        target=editing.target_of(change),
    )
