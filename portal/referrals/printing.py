"""Pages for the client to keep: a printable referral, and a printable list of services the
clinician picks, which also lives at a short public link (with a QR code) holding no client
data. Plain language; the crisis lines are on every page."""

from __future__ import annotations

import re
import secrets

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from portal import audit, i18n, inputs
from portal.auth import policies
from portal.auth.permissions import load_or_404, public, requires
from portal.auth.tokens import external_url
from portal.catalog import queries
from portal.directory import searching, sharing
from portal.directory.presenters import service_page
from portal.directory.sharing import qr_svg
from portal.extensions import db
from portal.models import Referral, Role, Service, ServiceList, ServiceListItem
from portal.models.catalog import PUBLIC_STATUSES
from portal.referrals import printing_bp as bp
from portal.referrals.forms import ServiceListForm
from portal.translated import gettext as _

MAX_SERVICES = 20
MAX_CANDIDATES = 50
TOKEN_BYTES = 8  # 11 characters in the link; 2^64 possible lists
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,32}")  # what token_urlsafe makes; fits the column


# The list builder's own fields; everything else in a request is the directory's search.
LIST_FIELDS = ("csrf_token", "picked", "service_ids", "service_id", "action")


def find_services(args: MultiDict) -> list[Service]:
    """The directory's search (the same synonyms, filters and ranking) over these arguments,
    as services in rank order; none when nothing was asked."""
    search_args = MultiDict(
        [
            (k, inputs.strip_control_characters(v) or "")
            for k, v in args.items(multi=True)
            if k not in LIST_FIELDS
        ]
    )
    if not any(v.strip() for v in search_args.values()):
        return []
    outcome = searching.run(search_args)
    if outcome.page is None:
        return []
    return queries.services_by_ids(outcome.page.service_ids[:MAX_CANDIDATES])


def _ordered_unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in ids if inputs.record_id(i) is not None))


def rearranged(picked: list[str], action: str) -> list[str]:
    """The picked ids after "up:<id>", "down:<id>" or "remove:<id>" (other actions: as is)."""
    move, _, target = action.partition(":")
    if target not in picked:
        return picked
    at = picked.index(target)
    picked = list(picked)
    if move == "remove":
        picked.pop(at)
    elif move == "up" and at > 0:
        picked[at - 1], picked[at] = picked[at], picked[at - 1]
    elif move == "down" and at < len(picked) - 1:
        picked[at + 1], picked[at] = picked[at], picked[at + 1]
    return picked


def create_list(services: list[Service], *, by) -> ServiceList:
    service_list = ServiceList(
        token=secrets.token_urlsafe(TOKEN_BYTES),
        created_by_id=by.id if by is not None else None,  # None: a resident's own list
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
    """Build a list across searches: ticked services join the picked ones (kept in hidden
    fields, in order) on every submit; they can be moved up or down or removed; "Make the
    printable list" saves them in that order. All of it works without JavaScript."""
    form = ServiceListForm()
    values = request.values
    action = values.get("action", "make" if request.method == "POST" else "find")
    picked = _ordered_unique(
        values.getlist("picked") + values.getlist("service_id") + values.getlist("service_ids")
    )
    picked = rearranged(picked, action)
    chosen = {s.id: s for s in queries.services_by_ids(picked)}
    picked = [i for i in picked if i in chosen]
    candidates = [s for s in find_services(values) if s.id not in chosen]
    form.service_ids.choices = [SelectChoice(i, chosen[i].name) for i in picked]

    def page(status: int = 200):
        return render_template(
            "referrals/list_form.html",
            form=form,
            candidates=candidates,
            picked=[chosen[i] for i in picked],
            q=values.get("q", ""),
        ), status

    if request.method == "GET" or action != "make":
        return page()
    form.service_ids.data = picked
    if not form.validate():
        return page(422)
    if len(picked) > MAX_SERVICES:
        form.service_ids.errors = [_("Choose at most %(max)d services.", max=MAX_SERVICES)]
        return page(422)
    service_list = create_list([chosen[i] for i in picked], by=current_user)
    db.session.commit()
    return redirect(url_for("printing.service_list", token=service_list.token), 303)


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
            share=sharing.share_links(
                _("Services for you"), [sharing.of_page(page) for page in pages], link
            ),
        )
