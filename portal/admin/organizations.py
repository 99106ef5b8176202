"""Admin: create organizations, mark them trusted and link provider staff to them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms import SelectChoice

from portal import audit
from portal.admin import INVALID, PAGE_SIZE, admin_only, bp
from portal.admin.listing_forms import OrganizationAdminForm
from portal.auth import policies
from portal.auth.permissions import load_or_404
from portal.catalog import freshness
from portal.catalog.organizations import save_organization
from portal.extensions import db
from portal.models import Organization, Role, User
from portal.translated import gettext as _


def _form(organization: Organization | None = None) -> OrganizationAdminForm:
    if request.method == "POST" or organization is None:
        form = OrganizationAdminForm()
    else:
        form = OrganizationAdminForm(
            data={
                "name": organization.name,
                "trusted": organization.trusted,
                "staff": [u.id for u in freshness.provider_staff(organization.id)],
            }
        )
    form.staff.choices = [
        SelectChoice(u.id, u.email)
        for u in db.session.scalars(
            select(User)
            .where(User.role == Role.provider.value, User.active.is_(True))
            .order_by(User.email)
        )
    ]
    return form


def _save(organization: Organization | None, form: OrganizationAdminForm):
    if not form.validate():
        return render_template(
            "admin/organization.html", organization=organization, form=form
        ), INVALID
    if organization is None:
        organization = Organization(name=form.name.data.strip(), description="")
        db.session.add(organization)
    staff = list(db.session.scalars(select(User).where(User.id.in_(form.staff.data))))
    save_organization(
        organization, name=form.name.data.strip(), trusted=form.trusted.data, staff=staff
    )
    db.session.flush()
    audit.record(
        "organization.saved",
        record=organization,
        detail="trusted" if organization.trusted else None,
    )
    db.session.commit()
    flash(_("%(name)s is saved.", name=organization.name), "success")
    return redirect(url_for("admin.organization", organization_id=organization.id))


@bp.get("/organizations")
@admin_only
def organizations():
    page = db.paginate(
        select(Organization).order_by(Organization.name), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE
    )
    return render_template("admin/organizations.html", page=page)


@bp.route("/organizations/new", methods=["GET", "POST"])
@admin_only
def new_organization():
    form = _form()
    if request.method == "POST":
        return _save(None, form)
    return render_template("admin/organization.html", organization=None, form=form)


@bp.route("/organizations/<uuid:organization_id>", methods=["GET", "POST"])
@admin_only
def organization(organization_id):
    org = load_or_404(Organization, organization_id, policy=policies.can_edit_organization)
    form = _form(org)
    if request.method == "POST":
        return _save(org, form)
    return render_template("admin/organization.html", organization=org, form=form)
