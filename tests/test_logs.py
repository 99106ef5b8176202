"""No client data, tokens or search terms in the logs (issue 18.2): a failed statement's error
logged with its traceback, the development server's and gunicorn's access lines."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError

from portal.logs import scrub
from portal.models import Client, User
from tests.factories import UserFactory

NAME, PHONE, NOTE = "Jordan Privatename", "703-555-0142", "suicidal ideation last night"


def test_a_failed_statement_logs_no_client_values(app, db, caplog):
    db.session.add(Client(name=NAME, phone=PHONE, notes=NOTE, contact_preference="carrier pigeon"))
    with pytest.raises(IntegrityError) as failure:
        db.session.flush()
    db.session.rollback()
    assert "parameters hidden" in str(failure.value)  # the engine hides them
    with caplog.at_level(logging.ERROR):
        try:
            raise failure.value
        except IntegrityError:
            app.logger.exception("Unhandled error on POST /clients/new")
    logged = caplog.text
    assert "Unhandled error on POST /clients/new" in logged and "IntegrityError" in logged
    for secret in (NAME, PHONE, NOTE, "Privatename", "ideation"):
        assert secret not in logged


def test_a_unique_violation_detail_is_scrubbed(app, db, caplog):
    """PostgreSQL puts the clashing value in the error text: Key (email)=(…) already exists."""
    UserFactory(email="jordan.private@example.org")
    db.session.flush()
    db.session.add(User(email="jordan.private@example.org", role="clinician"))
    with pytest.raises(IntegrityError) as failure, caplog.at_level(logging.ERROR):
        try:
            db.session.flush()
        except IntegrityError:
            app.logger.exception("Unhandled error")
            raise
    db.session.rollback()
    assert "IntegrityError" in caplog.text
    assert "jordan.private" not in caplog.text
    assert failure.value is not None


def test_access_lines_keep_no_query_strings_or_link_tokens(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info(
            '127.0.0.1 - - "%s" 200 -', "GET /clients?q=Jordan+Privatename HTTP/1.1"
        )
        logging.getLogger("werkzeug").info(
            '127.0.0.1 - - "GET /password/reset/eyJ1IjoiYSJ9.Zx.secretsig HTTP/1.1" 200 -'
        )
        # gunicorn formats its access line from a dict of atoms.
        logging.getLogger("gunicorn.access").info(
            '%(h)s "%(r)s" %(s)s "%(f)s"',
            {
                "h": "127.0.0.1",
                "r": "GET /search?q=overdose+help HTTP/1.1",
                "s": "200",
                "f": "https://portal.example.org/invitations/InviteToken.abc.def",
            },
        )
    logged = caplog.text
    for secret in ("Privatename", "secretsig", "eyJ1", "overdose", "InviteToken"):
        assert secret not in logged
    assert "GET /clients?[query removed]" in logged
    assert "/password/reset/[token]" in logged and "/invitations/[token]" in logged


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("Index generation 42 opened in 31 ms", "Index generation 42 opened in 31 ms"),
        ("call (703) 555-0142 now", "call [phone] now"),
        ("GET /services/abc HTTP/1.1", "GET /services/abc HTTP/1.1"),
    ],
)
def test_the_scrub_leaves_ordinary_lines_alone(line, kept):
    assert scrub(line) == kept
