"""Sign-in, sign-out, MFA, password reset, invitations and the user's own sessions.

HTTP only: the rules are in login.py, accounts.py, sessions.py, mfa.py and tokens.py.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from portal import audit
from portal.auth import accounts, bp, login, mfa, passwords, policies, sessions, tokens
from portal.auth.forms import (
    AccountDetailsForm,
    ConfirmPasswordForm,
    EmptyForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    SecondFactorForm,
    TotpForm,
)
from portal.auth.permissions import load_or_404, login_required, public
from portal.extensions import client_address, db, limiter
from portal.models import Role, UserSession
from portal.translated import gettext as _

INVALID = 422  # a form that needs fixing is answered with its errors and this status


def _per_address_limit() -> str:
    return current_app.config["PORTAL_LOGIN_LIMIT_PER_ADDRESS"]


def _per_account_limit() -> str:
    return current_app.config["PORTAL_LOGIN_LIMIT_PER_ACCOUNT"]


def _account_key() -> str:
    # The typed address, normalized and cut short, so one account's guesses share a counter
    # whichever addresses they come from.
    email = request.form.get("email", "")[:254]
    return "account:" + accounts.normalize_email(email)


def _pending_account_key() -> str:
    pending = session.get(login.PENDING_MFA_KEY)
    return "mfa:" + (str(pending.get("user")) if isinstance(pending, dict) else client_address())


limit_per_address = limiter.limit(_per_address_limit, methods=["POST"])
limit_per_account = limiter.limit(_per_account_limit, key_func=_account_key, methods=["POST"])


# Where each role starts its day after signing in, when no `next` page is asked for.
START_PAGES = {
    Role.clinician.value: "referrals.dashboard",
    Role.supervisor.value: "referrals.dashboard",
    Role.provider.value: "inbox.inbox",
    Role.admin.value: "admin.dashboard",
}


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so the sign-in page cannot be used to send people elsewhere;
    otherwise the signed-in person's start page.

    Control characters are refused outright: browsers drop tabs and line breaks from a URL
    (`/<TAB>/evil.example` becomes `//evil.example`), and a CR or LF cannot go in a header."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    role = current_user.role if current_user.is_authenticated else None
    return url_for(START_PAGES.get(role or "", "directory.home"))


def _message(title: str, text: str, status: int = 200, link: tuple[str, str] | None = None):
    return render_template("auth/message.html", title=title, text=text, link=link), status


# --- signing in and out ------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@public
@limit_per_address
@limit_per_account
def login_page():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if request.method == "POST":
        if not form.validate():
            return render_template("auth/login.html", form=form), INVALID
        outcome = login.check_password(form.email.data, form.password.data)
        if outcome is login.Outcome.signed_in:
            return redirect(_safe_next(request.args.get("next")))
        if outcome is login.Outcome.needs_mfa:
            return redirect(url_for("auth.verify", next=request.args.get("next")))
        # One message for every refusal: unknown address, wrong password, disabled, locked.
        error = _(
            "The email address or password is not right, or sign-in is paused after "
            "too many tries. Check them and try again in a few minutes, or reset your "
            "password."
        )
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/login/verify", methods=["GET", "POST"])
@public
@limit_per_address
@limiter.limit(_per_account_limit, key_func=_pending_account_key, methods=["POST"])
def verify():
    user = login.pending_user()
    if user is None:
        return redirect(url_for("auth.login_page"))
    form = SecondFactorForm()
    error = None
    if request.method == "POST":
        if not form.validate():
            return render_template("auth/verify.html", form=form), INVALID
        outcome = login.check_second_factor(user, form.code.data)
        if outcome is login.Outcome.signed_in:
            return redirect(_safe_next(request.args.get("next")))
        if outcome is login.Outcome.locked:
            return redirect(url_for("auth.login_page"))
        error = _("That code did not work. Codes change every 30 seconds; try the newest one.")
    return render_template("auth/verify.html", form=form, error=error)


@bp.post("/logout")
@login_required
def logout():
    # CSRFProtect has already checked the token, so another site cannot sign people out.
    login.logout()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login_page"))


# --- invitations and password reset -------------------------------------------------------


def _link_problem(problem: tokens.LinkProblem, *, what: str):
    texts = {
        tokens.LinkProblem.expired: _("This link has expired."),
        tokens.LinkProblem.used: _("This link has already been used."),
        tokens.LinkProblem.invalid: _("This link is not valid. Check that you copied all of it."),
    }
    if what == "invitation":
        after = _("Ask an administrator to send you a new invitation.")
        link = None
    else:
        after = _("You can ask for a new link.")
        link = (url_for("auth.forgot_password"), _("Ask for a new link"))
    status = 400 if problem is tokens.LinkProblem.invalid else 410
    return _message(texts[problem], after, status, link)


def _new_password_page(email: str, *, invitation: bool, save):
    """The choose-a-password form behind an invitation or a reset link; `save(password)`
    answers once the form is valid."""
    form = NewPasswordForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            return save(form.password.data)
        status = INVALID
    return render_template(
        "auth/set_password.html", form=form, email=email, invitation=invitation
    ), status


@bp.route("/invitations/<signed:token>", methods=["GET", "POST"])
@public
@limit_per_address
def accept_invitation(token: str):
    invitation = tokens.invitation_from(token)
    if isinstance(invitation, tokens.LinkProblem):
        return _link_problem(invitation, what="invitation")

    def save(password: str):
        user = accounts.accept_invitation(invitation, password)
        db.session.commit()
        flash(_("Your password is set. Sign in to start."), "success")
        return redirect(url_for("auth.login_page", email=user.email))

    return _new_password_page(invitation.user.email, invitation=True, save=save)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limit_per_address
@limit_per_account
def forgot_password():
    form = ForgotPasswordForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("auth/forgot_password.html", form=form), INVALID
        accounts.request_password_reset(form.email.data)
        db.session.commit()  # the email waits in the outbox: `flask mail send-pending`
        # The same answer whether or not the address has an account.
        return _message(
            _("Check your email"),
            _(
                "If this email address belongs to an account, we sent it a link to choose a new "
                "password. The link works for %(minutes)d minutes.",
                minutes=current_app.config["PORTAL_PASSWORD_RESET_MINUTES"],
            ),
        )
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<signed:token>", methods=["GET", "POST"])
@public
@limit_per_address
def reset_password(token: str):
    user = tokens.reset_user_from(token)
    if isinstance(user, tokens.LinkProblem):
        return _link_problem(user, what="reset")

    def save(password: str):
        accounts.reset_password(user, password)
        if current_user.is_authenticated:
            sessions.end_current("password-reset")
        db.session.commit()
        flash(
            _(
                "Your password is changed, and you are signed out everywhere. "
                "Sign in with the new password."
            ),
            "success",
        )
        return redirect(url_for("auth.login_page"))

    return _new_password_page(user.email, invitation=False, save=save)


# --- the user's own details ---------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def my_account():
    form = AccountDetailsForm(obj=current_user)
    if request.method == "POST":
        if not form.validate():
            return render_template("auth/account.html", form=form), INVALID
        changed = accounts.update_details(
            current_user, display_name=form.display_name.data, phone=form.phone.data
        )
        db.session.commit()
        if changed:
            flash(_("Your details are saved."), "success")
        else:
            flash(_("Nothing was changed."), "info")
        return redirect(url_for("auth.my_account"))
    return render_template("auth/account.html", form=form)


# --- the user's own sessions --------------------------------------------------------------


@bp.get("/account/sessions")
@login_required
def my_sessions():
    return render_template(
        "auth/sessions.html",
        rows=sessions.active_for(current_user),
        this_session=sessions.current(),
        form=EmptyForm(),
    )


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    ended = sessions.end_all(current_user, "ended-by-user", keep=sessions.current())
    audit.record("session.ended", record=current_user, detail=f"{ended} other session(s)")
    db.session.commit()
    flash(_("Your other sessions are signed out."), "success")
    return redirect(url_for("auth.my_sessions"))


@bp.post("/account/sessions/<uuid:session_id>/end")
@login_required
def end_session(session_id):
    row = load_or_404(UserSession, session_id, policy=policies.owns_session)
    if row is sessions.current():
        login.logout()
        return redirect(url_for("auth.login_page"))
    sessions.end(row, "ended-by-user")
    audit.record("session.ended", record=row)
    db.session.commit()
    flash(_("That session is signed out."), "success")
    return redirect(url_for("auth.my_sessions"))


# --- MFA ----------------------------------------------------------------------------------


def _mfa_page(status: int = 200, **forms):
    user = current_user
    if not user.mfa_enabled:
        mfa.begin_setup(user)
        db.session.commit()
    context = dict(
        totp_form=TotpForm(),
        codes_form=ConfirmPasswordForm(prefix="codes"),
        disable_form=ConfirmPasswordForm(prefix="disable"),
        secret=None if user.mfa_enabled else user.totp_secret,
        uri=None if user.mfa_enabled else mfa.provisioning_uri(user),
        remaining=mfa.remaining_recovery_codes(user) if user.mfa_enabled else 0,
        # Roles that see client data must keep MFA: they are not offered to turn it off.
        can_disable=not user.mfa_required,
    )
    context.update(forms)
    return render_template("auth/mfa.html", **context), status


def _recovery_codes_page(codes: list[str]):
    # Shown once, straight in the answer to the POST; never stored or shown again.
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.get("/account/mfa")
@login_required
def mfa_settings():
    return _mfa_page()


@bp.post("/account/mfa")
@login_required
@limit_per_address
def mfa_enable():
    form = TotpForm()
    if not form.validate():
        return _mfa_page(INVALID, totp_form=form)
    codes = mfa.enable(current_user, form.code.data)
    if codes is None:
        form.code.errors = [
            _("That code did not work. Check the time on your phone and try the newest code.")
        ]
        return _mfa_page(INVALID, totp_form=form)
    audit.record("mfa.enabled", record=current_user)
    db.session.commit()
    return _recovery_codes_page(codes)


def _confirmed_password(form: ConfirmPasswordForm) -> bool:
    if not form.validate():
        return False
    if not passwords.verify(current_user.password_hash, form.password.data):
        form.password.errors = [_("That password is not right.")]
        return False
    return True


@bp.post("/account/mfa/recovery-codes")
@login_required
@limit_per_address
def mfa_recovery_codes():
    form = ConfirmPasswordForm(prefix="codes")
    if not current_user.mfa_enabled:
        return redirect(url_for("auth.mfa_settings"))
    if not _confirmed_password(form):
        return _mfa_page(INVALID, codes_form=form)
    codes = mfa.new_recovery_codes(current_user)
    audit.record("mfa.recovery_codes_created", record=current_user)
    db.session.commit()
    return _recovery_codes_page(codes)


@bp.post("/account/mfa/disable")
@login_required
@limit_per_address
def mfa_disable():
    if current_user.mfa_required:
        abort(403, _("Your role must keep two-step sign-in turned on."))
    form = ConfirmPasswordForm(prefix="disable")
    if not current_user.mfa_enabled:
        return redirect(url_for("auth.mfa_settings"))
    if not _confirmed_password(form):
        return _mfa_page(INVALID, disable_form=form)
    mfa.disable(current_user)
    audit.record("mfa.disabled", record=current_user)
    db.session.commit()
    flash(_("Two-step sign-in is off."), "success")
    return redirect(url_for("auth.mfa_settings"))
