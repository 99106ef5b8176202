"""Admin pages: users and roles, invitations, the email outbox and the audit log.

HTTP only: account rules are in portal/auth/accounts.py, audit reading in portal/audit.py.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from portal import audit
from portal.admin import INVALID, PAGE_SIZE, admin_only, bp
from portal.admin.forms import AuditFilterForm, InviteForm, RoleForm
from portal.auth import accounts, policies
from portal.auth.forms import EmptyForm
from portal.auth.permissions import load_or_404
from portal.extensions import db
from portal.models import EmailMessage, Invitation, Organization, User
from portal.translated import gettext as _

AUDIT_PAGE_SIZE = 100


def _organization_choices() -> list[SelectChoice]:
    organizations = db.session.scalars(select(Organization).order_by(Organization.name))
    return [SelectChoice(o.id, o.name) for o in organizations]


def _with_organizations(form):
    form.organizations.choices = _organization_choices()
    return form


@bp.get("/users")
@admin_only
def users():
    page = db.paginate(
        select(User).order_by(User.email), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE
    )
    return render_template("admin/users.html", page=page)


@bp.route("/users/invite", methods=["GET", "POST"])
@admin_only
def invite():
    form = _with_organizations(InviteForm())
    if request.method == "POST":
        if not form.validate():
            return render_template("admin/invite.html", form=form), INVALID
        try:
            accounts.invite(
                form.email.data,
                form.role.data,
                organizations=accounts.organizations_by_id(form.organizations.data),
                by=current_user,
            )
        except accounts.AccountError as error:
            form.email.errors = [str(error)]
            return render_template("admin/invite.html", form=form), INVALID
        db.session.commit()  # the email waits in the outbox: `flask mail send-pending`
        flash(
            _("Invitation sent to %(email)s.", email=accounts.normalize_email(form.email.data)),
            "success",
        )
        return redirect(url_for("admin.users"))
    return render_template("admin/invite.html", form=form)


def _user_page(user: User, status: int = 200, role_form: RoleForm | None = None):
    if role_form is None:
        role_form = _with_organizations(
            RoleForm(data={"role": user.role, "organizations": sorted(user.organization_ids)})
        )
    invitations = db.session.scalars(
        select(Invitation)
        .where(Invitation.user_id == user.id)
        .order_by(Invitation.created_at.desc())
    ).all()
    return render_template(
        "admin/user.html",
        user=user,
        role_form=role_form,
        actions_form=EmptyForm(),
        invitations=invitations,
    ), status


@bp.get("/users/<uuid:user_id>")
@admin_only
def user(user_id):
    return _user_page(load_or_404(User, user_id, policy=policies.can_manage_user))


@bp.post("/users/<uuid:user_id>/role")
@admin_only
def change_role(user_id):
    user = load_or_404(User, user_id, policy=policies.can_manage_user)
    form = _with_organizations(RoleForm())
    if not form.validate():
        return _user_page(user, INVALID, form)
    try:
        accounts.change_role(
            user,
            form.role.data,
            accounts.organizations_by_id(form.organizations.data),
            by=current_user,
        )
    except accounts.AccountError as error:
        form.role.errors = [str(error)]
        return _user_page(user, INVALID, form)
    db.session.commit()
    flash(_("The role of %(email)s is saved.", email=user.email), "success")
    return redirect(url_for("admin.user", user_id=user.id))


def _set_active(user_id, active: bool):
    user = load_or_404(User, user_id, policy=policies.can_manage_user)
    try:
        accounts.set_active(user, active, by=current_user)
    except accounts.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.user", user_id=user.id))
    db.session.commit()
    flash(
        _("%(email)s can sign in again.", email=user.email)
        if active
        else _("%(email)s is disabled and signed out everywhere.", email=user.email),
        "success",
    )
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<uuid:user_id>/disable")
@admin_only
def disable(user_id):
    return _set_active(user_id, False)


@bp.post("/users/<uuid:user_id>/enable")
@admin_only
def enable(user_id):
    return _set_active(user_id, True)


@bp.get("/outbox")
@admin_only
def outbox():
    # Messages hold live set-password links: readable here only in development and testing.
    if current_app.config["PORTAL_ENV"] == "production":
        abort(404)
    page = db.paginate(
        select(EmailMessage).order_by(EmailMessage.id.desc()),
        per_page=PAGE_SIZE,
        max_per_page=PAGE_SIZE,
    )
    return render_template("admin/outbox.html", page=page)


def _audit_filter_form() -> tuple[AuditFilterForm, bool]:
    form = AuditFilterForm(request.args)
    return form, not request.args or form.validate()


@bp.get("/audit")
@admin_only
def audit_log():
    form, valid = _audit_filter_form()
    if not valid:
        return render_template("admin/audit.html", form=form, page=None), INVALID
    page = db.paginate(
        audit.query(form.filters()), per_page=AUDIT_PAGE_SIZE, max_per_page=AUDIT_PAGE_SIZE
    )
    return render_template("admin/audit.html", form=form, page=page)


@bp.get("/audit.csv")
@admin_only
def audit_csv():
    form, valid = _audit_filter_form()
    if not valid:
        abort(INVALID, _("Check the filters on the audit log page."))
    audit.record("audit.exported", detail=request.query_string.decode("ascii", "replace")[:500])
    db.session.commit()
    return Response(
        stream_with_context(audit.csv_export(form.filters())),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )
