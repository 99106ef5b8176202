"""Pages for the client to keep: a printable referral, and a printable list of services the
clinician picks, which also lives at a short public link (with a QR code) holding no client
data. Plain language; the crisis lines are on every page."""

from __future__ import annotations

import re
import secrets

import segno
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectChoice

from portal import audit, i18n, inputs
from portal.auth import policies
from portal.auth.permissions import load_or_404, public, requires
from portal.auth.tokens import external_url
from portal.catalog import queries
from portal.directory.presenters import service_page
from portal.extensions import db
from portal.models import Referral, Role, Service, ServiceList, ServiceListItem
from portal.models.catalog import PUBLIC_STATUSES
from portal.referrals import printing_bp as bp
from portal.referrals.forms import ServiceListForm

MAX_SERVICES = 20
TOKEN_BYTES = 8  # 11 characters in the link; 2^64 possible lists
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,32}")  # what token_urlsafe makes; fits the column


def qr_svg(link: str, title: str) -> Markup:
    """The link as a QR code, an inline SVG drawn on the server (no script, no image file)."""
    return Markup(segno.make(link, error="m").svg_inline(scale=4, title=title))


def find_services(text: str | None) -> list[Service]:
    statement = (
        select(Service).where(Service.status.in_(PUBLIC_STATUSES)).order_by(Service.name).limit(50)
    )
    text = (inputs.strip_control_characters(text) or "").strip()[:200]
    if text:
        statement = statement.where(Service.name.icontains(text, autoescape=True))
    return list(db.session.scalars(statement))


def create_list(services: list[Service], *, by) -> ServiceList:
    service_list = ServiceList(
        token=secrets.token_urlsafe(TOKEN_BYTES),
        created_by_id=by.id,
        items=[ServiceListItem(service_id=s.id, position=i) for i, s in enumerate(services)],
    )
    db.session.add(service_list)
    return service_list


@bp.get("/referrals/<uuid:referral_id>/print")
@requires(Role.clinician, Role.supervisor)
def print_referral(referral_id):
    referral = load_or_404(Referral, referral_id, policy=policies.can_view_referral)
    audit.record("referral.printed", record=referral)
    db.session.commit()
    with i18n.written_in(i18n.printed_in(referral.client.preferred_language)):
        page = service_page(referral.service) if referral.service else None
        return render_template("referrals/print_referral.html", referral=referral, page=page)


@bp.route("/lists/new", methods=["GET", "POST"])
@requires(Role.clinician)
def new_service_list():
    form = ServiceListForm()
    picked = [
        i
        for i in request.values.getlist("service_ids") or request.args.getlist("service_id")
        if inputs.record_id(i) is not None
    ]
    candidates = find_services(request.args.get("q"))
    known = {s.id for s in candidates}
    candidates += [s for s in queries.services_by_ids(picked) if s.id not in known]
    form.service_ids.choices = [SelectChoice(s.id, s.name) for s in candidates]
    if request.method == "POST":
        valid = form.validate()
        if valid and len(form.service_ids.data) > MAX_SERVICES:
            form.service_ids.errors = [_("Choose at most %(max)d services.", max=MAX_SERVICES)]
            valid = False
        if not valid:
            return render_template(
                "referrals/list_form.html", form=form, candidates=candidates, picked=set(picked)
            ), 422
        service_list = create_list(queries.services_by_ids(form.service_ids.data), by=current_user)
        db.session.commit()
        return redirect(url_for("printing.service_list", token=service_list.token), 303)
    return render_template(
        "referrals/list_form.html", form=form, candidates=candidates, picked=set(picked)
    )


@bp.get("/l/<token>")
@public
def service_list(token):
    if not TOKEN_SHAPE.fullmatch(token):
        abort(404)
    found = db.session.scalar(select(ServiceList).where(ServiceList.token == token))
    if found is None:
        abort(404)
    link = external_url("printing.service_list", token=token)
    with i18n.written_in(i18n.printed_in()):
        pages = [
            service_page(item.service)
            for item in found.items
            if item.service.status in PUBLIC_STATUSES
        ]
        return render_template(
            "referrals/print_list.html",
            pages=pages,
            link=link,
            qr=qr_svg(link, _("QR code: a link to this list")),
        )
