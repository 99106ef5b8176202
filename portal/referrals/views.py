"""Clinician pages: clients, consent, encounters, referrals and the dashboard.

HTTP only: the rules are in workflow.py, consent.py and clients.py; who may see a record in
portal/auth/policies.py. Supervisors read; only clinicians change anything.
"""

from __future__ import annotations

import datetime as dt

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from portal import audit, inputs, localtime
from portal.auth import policies
from portal.auth.permissions import load_or_404, login_required, requires
from portal.catalog import phones
from portal.errors import wants_json
from portal.extensions import db
from portal.models import (
    Client,
    Consent,
    Encounter,
    Location,
    Organization,
    Referral,
    Role,
    Service,
)
from portal.referrals import bp, clients, forms, refer, workflow
from portal.referrals import consent as consents
from portal.referrals.forms import (
    ClientForm,
    ClientSearchForm,
    ConsentForm,
    EncounterForm,
    FollowUpForm,
    ReferralForm,
    RevokeConsentForm,
    StatusForm,
)
from portal.translated import gettext as _
from portal.translated import ngettext

INVALID = 422
clinician_only = requires(Role.clinician)
program_staff = requires(Role.clinician, Role.supervisor)


def local_input_now() -> dt.datetime:
    return localtime.wall_now().replace(second=0, microsecond=0)


def _viewed(action: str, record) -> None:
    audit.record(action, record=record)
    db.session.commit()


# --- dashboard -----------------------------------------------------------------------------------


@bp.get("/dashboard")
@program_staff
def dashboard():
    rows = workflow.open_referrals()
    follow_ups = workflow.due_follow_ups()
    drafts = workflow.drafts_waiting_for_consent()
    notifications = workflow.notices_for(current_user)
    audit.record("referral.listed", detail="dashboard")
    audit.record_shown(
        [row.referral.client for row in rows]
        + [r.client for r in drafts + follow_ups]
        + workflow.clients_named(notifications),
        "dashboard",
    )
    db.session.commit()
    return render_template(
        "referrals/dashboard.html",
        rows=rows,
        follow_ups=follow_ups,
        drafts=drafts,
        notifications=notifications,
    )


# --- clients -------------------------------------------------------------------------------


@bp.get("/clients")
@program_staff
def client_list():
    form = ClientSearchForm(request.args)
    if not form.validate():
        return render_template("referrals/clients.html", form=form, found=[]), INVALID
    found = clients.search(form.q.data)
    # The terms go to the audit log (admins only), never to the access log (portal/logs.py).
    audit.record("client.searched", detail=f"query: {(form.q.data or '').strip()}")
    audit.record_shown(found, "client search")
    db.session.commit()
    return render_template("referrals/clients.html", form=form, found=found)


@bp.route("/clients/new", methods=["GET", "POST"])
@clinician_only
def new_client():
    form = ClientForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("referrals/client_form.html", form=form, client=None), INVALID
        client = clients.create(form.data, by=current_user)
        db.session.commit()
        flash(_("The client record is saved."), "success")
        return redirect(url_for("referrals.client", client_id=client.id))
    return render_template("referrals/client_form.html", form=form, client=None)


@bp.get("/clients/<uuid:client_id>")
@login_required
def client(client_id):
    record = load_or_404(Client, client_id, policy=policies.can_view_client)
    _viewed("client.viewed", record)
    return render_template(
        "referrals/client.html",
        client=record,
        timeline=clients.timeline(record),
        is_valid=consents.is_valid,
        revoke_form=RevokeConsentForm(),
    )


@bp.route("/clients/<uuid:client_id>/edit", methods=["GET", "POST"])
@clinician_only
def edit_client(client_id):
    record = load_or_404(Client, client_id, policy=policies.can_view_client)
    # A POST is read from the form alone: a field left out is empty, not the stored value.
    form = ClientForm() if request.method == "POST" else ClientForm(obj=record)
    if request.method == "POST":
        if not form.validate():
            return render_template("referrals/client_form.html", form=form, client=record), INVALID
        clients.update(record, form.data, by=current_user)
        db.session.commit()
        flash(_("The client record is saved."), "success")
        return redirect(url_for("referrals.client", client_id=record.id))
    _viewed("client.viewed", record)
    return render_template("referrals/client_form.html", form=form, client=record)


# --- consent -------------------------------------------------------------------------------------


def _organization_choices() -> list[SelectChoice]:
    organizations = db.session.scalars(select(Organization).order_by(Organization.name))
    return [SelectChoice("", _("Choose an organization"))] + [
        SelectChoice(o.id, o.name) for o in organizations
    ]


@bp.route("/clients/<uuid:client_id>/consents/new", methods=["GET", "POST"])
@clinician_only
def new_consent(client_id):
    record = load_or_404(Client, client_id, policy=policies.can_view_client)
    form = ConsentForm(organization_id=request.args.get("organization_id"))
    form.organization_id.choices = _organization_choices()
    if request.method == "GET":
        form.given_at.data = form.given_at.data or local_input_now()
        _viewed("client.viewed", record)
        return render_template("referrals/consent_form.html", form=form, client=record)
    if form.validate():
        try:
            consents.record(
                record,
                db.session.get_one(Organization, form.organization_id.data),
                information=form.information.data,
                purpose=form.purpose.data,
                method=form.method.data,
                given_at=localtime.to_utc(form.given_at.data),
                by=current_user,
                expires_on=form.expires_on.data,
                expiry_event=form.expiry_event.data,
                witness_name=form.witness_name.data,
                signature=form.signature.data,
            )
        except consents.ConsentError as error:
            getattr(form, error.field or "information").errors = [str(error)]
        else:
            db.session.commit()
            flash(_("The consent is recorded."), "success")
            return redirect(_after_consent(record))
    _viewed("client.viewed", record)  # nothing was added: the refusals come first
    return render_template("referrals/consent_form.html", form=form, client=record), INVALID


def _after_consent(record: Client) -> str:
    """Back to the referral that asked for the consent, if it is one of this client's."""
    wanted = request.args.get("next_referral")
    for referral in record.referrals:
        if referral.id == wanted:
            return url_for("referrals.referral", referral_id=referral.id)
    return url_for("referrals.client", client_id=record.id)


@bp.post("/consents/<uuid:consent_id>/revoke")
@clinician_only
def revoke_consent(consent_id):
    record = load_or_404(Consent, consent_id, policy=policies.can_view_consent)
    form = RevokeConsentForm()
    if not form.validate():
        abort(INVALID)
    try:
        withdrawn = workflow.revoke_consent(record, by=current_user, note=form.note.data)
        workflow.commit()
    except consents.ConsentError as error:
        flash(str(error), "error")
        return redirect(url_for("referrals.client", client_id=record.client_id), 303)
    except workflow.WorkflowError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("referrals.client", client_id=record.client_id), 303)
    flash(
        _("The consent is revoked. Referrals to this organization can no longer be sent."),
        "success",
    )
    if withdrawn:
        flash(
            ngettext(
                "%(num)d open referral to this organization was withdrawn.",
                "%(num)d open referrals to this organization were withdrawn.",
                len(withdrawn),
            ),
            "success",
        )
    return redirect(url_for("referrals.client", client_id=record.client_id), 303)


# --- encounters ----------------------------------------------------------------------------------


@bp.get("/encounters")
@program_staff
def encounter_list():
    encounters = db.session.scalars(
        select(Encounter)
        .options(selectinload(Encounter.client))
        .order_by(Encounter.occurred_at.desc())
        .limit(100)
    ).all()
    audit.record("encounter.listed")
    audit.record_shown([e.client for e in encounters if e.client], "encounter list")
    db.session.commit()
    return render_template("referrals/encounters.html", encounters=encounters)


@bp.route("/encounters/new", methods=["GET", "POST"])
@clinician_only
def new_encounter():
    form = EncounterForm(client_id=request.args.get("client_id", ""))
    team = clients.clinicians()
    form.team_members.choices = [SelectChoice(u.id, u.email) for u in team]
    known = (
        load_or_404(Client, form.client_id.data, policy=policies.can_view_client)
        if form.client_id.data
        else None
    )
    if request.method == "GET":
        form.occurred_at.data = local_input_now()
        form.team_members.data = [current_user.id]
        if known is not None:
            _viewed("client.viewed", known)
        return render_template("referrals/encounter_form.html", form=form, client=known)
    if not form.validate():
        if known is not None:
            _viewed("client.viewed", known)
        return render_template("referrals/encounter_form.html", form=form, client=known), INVALID
    values = {
        **form.data,
        **{
            name: localtime.to_utc(form[name].data) if form[name].data else None
            for name in ("occurred_at", "call_received_at", "arrived_at")
        },
    }
    picked = set(form.team_members.data)
    chosen = [u for u in team if u.id in picked]
    encounter = clients.record_encounter(values, client=known, team=chosen, by=current_user)
    db.session.commit()
    flash(_("The encounter is recorded."), "success")
    return redirect(url_for("referrals.encounter", encounter_id=encounter.id))


@bp.get("/encounters/<uuid:encounter_id>")
@login_required
def encounter(encounter_id):
    record = load_or_404(Encounter, encounter_id, policy=policies.can_view_encounter)
    _viewed("encounter.viewed", record)
    return render_template("referrals/encounter.html", encounter=record)


# --- referrals -----------------------------------------------------------------------------------


def _service_or_404(service_id: str | None) -> Service:
    # Service ids come from imports and need not be UUIDs.
    key = inputs.record_id(service_id)
    service = db.session.get(Service, key) if key is not None else None
    if service is None:
        abort(404)
    return service


def _consent_from(form: ReferralForm) -> refer.GivenConsent | None:
    """The consent typed on the referral page; None when no method was chosen (not given)."""
    if not form.consent_method.data:
        return None
    given_at = form.consent_given_at.data
    return refer.GivenConsent(
        method=form.consent_method.data,
        information=form.consent_information.data or "",
        purpose=form.consent_purpose.data or "",
        given_at=localtime.to_utc(given_at) if given_at else None,
        expires_on=form.consent_expires_on.data,
        expiry_event=form.consent_expiry_event.data,
        witness_name=form.consent_witness_name.data,
        signature=form.consent_signature.data,
    )


@bp.route("/referrals/new", methods=["GET", "POST"])
@clinician_only
def new_referral():
    service = _service_or_404(request.args.get("service_id"))
    organization_id = service.organization_id
    form = ReferralForm(
        client_id=inputs.record_id(request.args.get("client_id"))
        or session.get(REFERRING_FOR)
        or "",
        location_id=request.args.get("location_id"),
    )
    people = db.session.scalars(select(Client).order_by(Client.name)).all()
    consented = consents.consented_clients(organization_id)
    form.client_id.choices = [SelectChoice("", _("Choose the person, or add a new one below"))] + [
        SelectChoice(c.id, c.name, render_kw={"data-consent": "yes" if c.id in consented else "no"})
        for c in people
    ]
    form.location_id.choices = [SelectChoice("", _("Any location"))] + [
        SelectChoice(sal.location.id, sal.location.name or sal.location.id)
        for sal in service.service_at_locations
    ]

    def page(status: int = 200):
        audit.record_shown(people, "new referral form")
        db.session.commit()
        return render_template(
            "referrals/referral_form.html",
            form=form,
            service=service,
            consent_on_file=form.client_id.data in consented,
            consent_statements=True,
        ), status

    if request.method == "GET":
        template = consents.template()
        form.consent_information.data = template.information
        form.consent_purpose.data = template.purpose
        form.consent_expires_on.data = consents.proposed_expiry()
        form.consent_given_at.data = local_input_now()
        return page()
    if not form.validate():
        return page(INVALID)
    chosen = (
        load_or_404(Client, form.client_id.data, policy=policies.can_view_client)
        if form.client_id.data
        else None
    )
    location = db.session.get(Location, form.location_id.data) if form.location_id.data else None
    sending = request.form.get("action") == "send"
    try:
        done = refer.refer(
            service,
            by=current_user,
            client=chosen,
            new_client=None
            if chosen
            else refer.NewClient(
                form.new_name.data or "", form.new_phone.data, form.new_contact_preference.data
            ),
            consent=_consent_from(form),
            send=sending,
            urgency=form.urgency.data,
            need=form.need.data,
            note=form.note.data,
            location=location,
            follow_up_on=form.follow_up_on.data,
        )
        workflow.commit()
    except workflow.WorkflowError as error:
        db.session.rollback()
        field = error.field if error.field in form else "need"
        form[field].errors = [*form[field].errors, error.message]
        return page(error.status)
    if done.referral.client_id == session.get(REFERRING_FOR):
        session.pop(REFERRING_FOR)
    if done.sent:
        flash(_("The referral is sent."), "success")
    elif sending:
        flash(
            _(
                "There is no valid consent to share with %(organization)s. Record the "
                "person's consent; the referral is kept as a draft.",
                organization=service.organization.name,
            ),
            "error",
        )
    else:
        flash(_("The referral is saved as a draft."), "success")
    return redirect(url_for("referrals.referral", referral_id=done.referral.id))


def referral_page(referral: Referral, status: int = 200, *, form=None, message: str | None = None):
    return render_template(
        "referrals/referral.html",
        referral=referral,
        workflow=workflow,
        message=message,
        form=form if isinstance(form, StatusForm) else None,
        next_statuses=workflow.next_statuses(referral, current_user),
        consent=consents.valid_consent(referral.client, referral.organization_id),
        overdue=workflow.is_overdue(referral),
        follow_up_form=form
        if isinstance(form, FollowUpForm)
        else FollowUpForm(version=referral.version, follow_up_on=referral.follow_up_on),
    ), status


@bp.get("/referrals/<uuid:referral_id>")
@login_required
def referral(referral_id):
    record = load_or_404(Referral, referral_id, policy=policies.can_view_referral)
    if current_user.role == Role.provider.value:
        return redirect(url_for("inbox.referral", referral_id=record.id))
    _viewed("referral.viewed", record)
    return referral_page(record)


def apply_change(record: Referral, form, change, page, done):
    """A referral form's POST, for both sides: make the change and commit, or answer why not
    (422 with the form's messages, 403, or 409 with the referral as it stands now, nothing
    saved), as a page or as JSON when asked. Returns None when the change is made."""
    if not form.validate():
        return page(record, INVALID, form=form, message=_("Please fix the form and try again."))
    try:
        change(form)
        workflow.commit()
    except workflow.WorkflowError as error:
        db.session.rollback()
        current = db.session.get_one(Referral, record.id)
        if wants_json():
            return jsonify(
                error={"status": error.status, "detail": error.message},
                referral={
                    "id": current.id,
                    "status": current.status,
                    "version": current.version,
                    "outcome": current.outcome,
                },
            ), error.status
        if error.field in form:
            form[error.field].errors = [error.message]
        return page(current, error.status, form=form, message=error.message)
    flash(done(), "success")  # a callable: the message may name the new status
    return None


def status_change(record: Referral, page):
    """The status form's POST, the same for the clinician and the provider side."""

    def change(form: StatusForm) -> None:
        workflow.change_status(
            record,
            form.to.data,
            by=current_user,
            expected_version=form.version.data,
            reason=form.reason.data,
            note=form.note.data,
            outcome=form.outcome.data,
        )

    return apply_change(
        record,
        StatusForm(),
        change,
        page,
        done=lambda: _(
            "The referral is now: %(status)s.", status=workflow.STATUS_LABELS[record.status]
        ),
    )


@bp.post("/referrals/<uuid:referral_id>/status")
@clinician_only
def referral_status(referral_id):
    record = load_or_404(Referral, referral_id, policy=policies.can_view_referral)
    refused = status_change(record, referral_page)
    return refused or redirect(url_for("referrals.referral", referral_id=record.id), 303)


@bp.post("/referrals/<uuid:referral_id>/follow-up")
@clinician_only
def referral_follow_up(referral_id):
    record = load_or_404(Referral, referral_id, policy=policies.can_view_referral)
    refused = apply_change(
        record,
        FollowUpForm(),
        lambda form: workflow.set_follow_up(
            record, form.follow_up_on.data, by=current_user, expected_version=form.version.data
        ),
        referral_page,
        done=lambda: _("The follow-up date is saved."),
    )
    return refused or redirect(url_for("referrals.referral", referral_id=record.id), 303)


@bp.post("/notifications/read")
@login_required
def notifications_read():
    """Mark the signed-in person's notification (or all of them) as read; nobody else's."""
    form = forms.NotificationReadForm()
    if not form.validate():
        abort(INVALID)
    marked = workflow.mark_read(current_user, form.notification_id.data)
    db.session.commit()
    if form.notification_id.data is not None and not marked:
        abort(404)
    back = "inbox.inbox" if current_user.role == Role.provider.value else "referrals.dashboard"
    return redirect(url_for(back), 303)


# The person a clinician is finding a service for ("Find a service" on their page): the
# directory's "Refer" links carry them into the referral page, across any search.
REFERRING_FOR = "referring_for_client"


@bp.post("/clients/<uuid:client_id>/find-service")
@clinician_only
def find_service_for(client_id):
    # A POST (with CSRF): a link from another site must not choose whom the next referral is for.
    record = load_or_404(Client, client_id, policy=policies.can_view_client)
    session[REFERRING_FOR] = record.id
    return redirect(url_for("directory.search"), 303)


@bp.app_template_global()
def refer_url(service_id: str, location_id: str | None = None) -> str:
    return url_for(
        "referrals.new_referral",
        service_id=service_id,
        location_id=location_id,
        client_id=session.get(REFERRING_FOR),
    )


@bp.app_template_global()
def can_refer() -> bool:
    """Whether the signed-in person may refer clients (the directory shows a link); a global,
    so the directory's imported macros see it too."""
    return current_user.is_authenticated and current_user.role == Role.clinician.value


# A global, so the referral macros (imported without context) can dial numbers.
bp.add_app_template_global(phones.tel_uri, "tel_uri")


def _labeller(choices):
    labels = {c.value: c.label for c in choices}
    return lambda value: labels.get(value, value)


# Built once: the processor runs for every template the app renders. The labels are lazy, so
# each is still translated at render time.
_TEMPLATE_HELPERS = {
    "workflow": workflow,
    "urgency_label": _labeller(forms.URGENCY_CHOICES),
    "contact_label": _labeller(forms.CONTACT_CHOICES),
    "disposition_label": _labeller(forms.DISPOSITION_CHOICES),
    "source_label": _labeller(forms.SOURCE_CHOICES),
    "method_label": _labeller(forms.METHOD_CHOICES),
    "notification_read_form": forms.NotificationReadForm,
    "evidence_label": {
        "triage_level": _labeller(
            [SelectChoice(level, label) for level, label in forms.TRIAGE_LABELS.items()]
        ),
        "police_role": _labeller(forms.POLICE_ROLE_CHOICES),
        "injuries": _labeller(forms.INJURY_CHOICES),
        "race": _labeller(forms.RACE_CHOICES),
        "ethnicity": _labeller(forms.ETHNICITY_CHOICES),
        "gender": _labeller(forms.GENDER_CHOICES),
        "age_band": _labeller(forms.AGE_BAND_CHOICES),
        "demographics_basis": _labeller(forms.BASIS_CHOICES),
    },
    "is_program_staff": policies.is_program_staff,
}


@bp.app_context_processor
def _template_helpers():
    return _TEMPLATE_HELPERS
