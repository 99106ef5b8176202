"""The program's consent wording: what a new consent proposes to share, why, and for how long
(portal/referrals/consent.py keeps the rule; each save is a new row, the newest is used)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.admin import INVALID, admin_only, bp
from portal.admin.forms import ConsentWordingForm
from portal.extensions import db
from portal.referrals import consent as consents
from portal.translated import gettext as _


@bp.route("/consent-wording", methods=["GET", "POST"])
@admin_only
def consent_wording():
    current = consents.template()
    if request.method == "GET":
        form = ConsentWordingForm(obj=current)
        return render_template("admin/consent_wording.html", form=form, current=current)
    form = ConsentWordingForm()
    if form.validate():
        try:
            consents.save_template(
                information=form.information.data,
                purpose=form.purpose.data,
                expiry_days=form.expiry_days.data,
                by=current_user,
            )
        except consents.ConsentError as error:
            form[error.field or "information"].errors = [str(error)]
        else:
            db.session.commit()
            flash(_("The consent wording is saved. New consents start from it."), "success")
            return redirect(url_for("admin.consent_wording"), 303)
    return render_template("admin/consent_wording.html", form=form, current=current), INVALID
