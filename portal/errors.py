"""One error handler for the whole app: HTML pages in the site's style, or JSON when asked."""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from portal import outages
from portal.translated import gettext as _


def wants_json() -> bool:
    if request.path.endswith(".json") or request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    accepted = request.accept_mimetypes
    return best == "application/json" and accepted[best] > accepted["text/html"]


def _titles() -> dict[int, str]:
    return {
        400: _("That request could not be understood"),
        403: _("You do not have access to this page"),
        404: _("We could not find that page"),
        405: _("That action is not allowed here"),
        410: _("This link is no longer valid"),
        413: _("That was too much to send at once"),
        409: _("Someone else changed this first"),
        422: _("Some of the information needs fixing"),
        429: _("Too many requests"),
        500: _("Something went wrong on our side"),
        503: _("The site is busy for a moment"),
    }


def _descriptions() -> dict[int, str]:
    # Replaces the technical English text werkzeug or Flask-Limiter would show ("10 per 1
    # minute"); a view that aborts with its own description keeps it.
    return {
        400: _("Please check the address or the form and try again."),
        403: _(
            "If you think you should see it, sign in with another account or ask the administrator."
        ),
        404: _("The page may have moved, or the link may be mistyped."),
        405: _("Please go back and try again."),
        409: _("Please reload the page to see the latest version, then try again."),
        410: _("Please ask for a new link."),
        413: _("Please send less at once, or a smaller file."),
        422: _("Please check the form and try again."),
        429: _(
            "You tried that too many times in a short while. Please wait a minute, then "
            "try again. If you are in crisis, call or text 988 now."
        ),
        500: _("The problem has been logged. Please try again in a moment."),
        503: _("Please try again in a few seconds. If you are in crisis, call or text 988 now."),
    }


def render_error(error: HTTPException):
    code = error.code or 500
    title = _titles().get(code, error.name)
    description = error.description
    if isinstance(error, CSRFError):  # Flask-WTF words its reasons in English only
        description = _("This form has expired. Please reload the page and send it again.")
    elif description == type(error).description or code in (429, 500):
        description = _descriptions().get(code, description)
    if wants_json():
        return jsonify(error={"status": code, "title": title, "detail": description}), code
    return render_template("error.html", code=code, title=title, description=description), code


# Marks a 503 caused by the database being away, for RetryReadsOnce; never sent to the client.
RETRY_MARK = "X-Portal-Database-Unavailable"


class RetryReadsOnce:
    """WSGI middleware: a GET or HEAD that met a database outage is tried once more (a read
    changes nothing, and a dropped pooled connection is usually back at once); anything else,
    or a second failure, gets the 503."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, _without_mark(start_response))
        first: list = []
        body = self.wsgi_app(environ, lambda *args: first.append(args))
        status, headers = first[0][0], first[0][1]
        if status.startswith("503") and any(name == RETRY_MARK for name, _v in headers):
            if hasattr(body, "close"):
                body.close()
            return self.wsgi_app(environ, _without_mark(start_response))
        _without_mark(start_response)(*first[0])
        return body


def _without_mark(start_response):
    def start(status, headers, exc_info=None):
        headers = [(name, value) for name, value in headers if name != RETRY_MARK]
        return start_response(status, headers, exc_info)

    return start


def database_unavailable(error: Exception):
    from portal.extensions import db, login_manager

    try:
        db.session.rollback()
        db.session.remove()
    except SQLAlchemyError:  # the connection is already gone: nothing to undo
        pass
    # The page is drawn as for anyone: loading the signed-in person (the account links) would
    # meet the outage again and turn the 503 into a 500. Flask-Login reads the user from here.
    g._login_user = login_manager.anonymous_user()
    # Only the class: the message may name a host or a statement.
    current_app.logger.warning(
        "Database unavailable (%s) on %s %s", type(error).__name__, request.method, request.path
    )
    response = make_response(render_error(ServiceUnavailable()))
    response.headers["Retry-After"] = str(outages.RETRY_AFTER_SECONDS)
    response.headers[RETRY_MARK] = "1"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)
    app.wsgi_app = RetryReadsOnce(app.wsgi_app)  # type: ignore[method-assign]

    @app.teardown_appcontext
    def end_session_in_an_outage(_error) -> None:
        """A connection that died after the page was done must not turn it into a 500, and
        the error handlers do not cover the end of a request. Registered after
        Flask-SQLAlchemy's teardown, so Flask runs it first."""
        from portal.extensions import db

        try:
            db.session.remove()
        except SQLAlchemyError as error:
            if not outages.database_unavailable(error):
                raise
            db.session.registry.clear()  # drop the broken session; the next request starts anew

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if outages.database_unavailable(error):
            return database_unavailable(error)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError())
