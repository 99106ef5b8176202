"""The resident's short list: services saved on their device (a cookie of service ids, no
account, nothing about the person on the server), shared by text, email, print, QR code or a
public link made from it (the same kind of link as a clinician's list)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from portal import inputs
from portal.auth.forms import EmptyForm
from portal.catalog import queries
from portal.directory import bp, presenters, sharing
from portal.extensions import db, limiter
from portal.referrals import printing  # a module: printing imports the directory too
from portal.translated import gettext as _


def _saved() -> list[str]:
    return sharing.saved_ids(request.cookies.get(sharing.COOKIE))


def _checked_form() -> None:
    if not EmptyForm().validate():
        abort(400)


def _with_cookie(response, ids: list[str]):
    response.set_cookie(
        sharing.COOKIE,
        sharing.cookie_value(ids),
        max_age=sharing.COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _public_service_id() -> str:
    service_id = inputs.record_id(request.form.get("service_id"))
    if not service_id or not queries.is_public_service(service_id):
        abort(404)
    return service_id


@bp.get("/my-list")
def my_list():
    listings = presenters.listings(_saved())
    # No link of its own: /my-list shows whoever opens it their own list.
    share = (
        sharing.share_links(
            _("Services for you"), [sharing.of_listing(item) for item in listings], None
        )
        if listings
        else None
    )
    return render_template(
        "directory/my_list.html", listings=listings, share=share, action_form=EmptyForm()
    )


@bp.post("/my-list/add")
def add_to_list():
    _checked_form()
    service_id = _public_service_id()
    ids = _saved()
    if service_id not in ids:
        if len(ids) >= sharing.MAX_SAVED:
            flash(
                _("Your list is full (%(max)d services). Remove one first.", max=sharing.MAX_SAVED),
                "error",
            )
            return redirect(url_for("directory.my_list"), 303)
        ids.append(service_id)
    flash(_("Saved to your list on this device."), "success")
    response = redirect(url_for("directory.service", service_id=service_id) + "#share", 303)
    return _with_cookie(response, ids)


@bp.post("/my-list/remove")
def remove_from_list():
    _checked_form()
    service_id = inputs.record_id(request.form.get("service_id"))
    ids = [i for i in _saved() if i != service_id]
    return _with_cookie(redirect(url_for("directory.my_list"), 303), ids)


@bp.post("/my-list/share")
@limiter.limit(lambda: current_app.config["PORTAL_SHARE_LIST_LIMIT"])
def share_list():
    """A public link to the list: a copy on the server of the service ids, nothing else."""
    _checked_form()
    services = queries.services_by_ids(_saved())
    if not services:
        flash(_("Your list is empty. Save a service first."), "error")
        return redirect(url_for("directory.my_list"), 303)
    service_list = printing.create_list(services, by=None)
    db.session.commit()
    return redirect(url_for("printing.service_list", token=service_list.token), 303)
