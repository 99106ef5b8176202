"""The one email outbox. `queue` adds a message to the `email_message` table in the caller's
transaction; `send_pending` hands waiting messages to SMTP when PORTAL_SMTP_HOST is set.

Without SMTP (development, tests) messages stay in the table, where the admin outbox page and
the tests read them. `flask --app wsgi mail send-pending` retries what could not be sent.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import ssl
from email.message import EmailMessage as MimeMessage

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from portal.extensions import db
from portal.models import EmailMessage
from portal.models.catalog import utcnow

MAX_ATTEMPTS = 10
_LINK = re.compile(r"https?://\S+")


def without_links(body: str) -> str:
    """The body as the outbox keeps it once the email is gone: no link that still works (a
    reset or invitation link is as good as a password while it lasts)."""
    return _LINK.sub("[link removed once sent]", body)


def forget_old_links(now: dt.datetime | None = None) -> int:
    """Take the links out of messages that could not be sent while their links could work:
    past the longest link lifetime, nobody should hold them. Returns how many were changed."""
    config = current_app.config
    longest = max(
        dt.timedelta(hours=config["PORTAL_INVITATION_HOURS"]),
        dt.timedelta(minutes=config["PORTAL_PASSWORD_RESET_MINUTES"]),
    )
    cutoff = (now or utcnow()) - longest
    changed = 0
    for message in db.session.scalars(
        select(EmailMessage).where(EmailMessage.created_at < cutoff, EmailMessage.sent_at.is_(None))
    ):
        if _LINK.search(message.body):
            message.body = without_links(message.body)
            changed += 1
    return changed


def staff_language():
    """Write an email to staff in the site's language, not in the language of the page that
    caused it (a resident reading in Spanish reports a problem; the provider reads English).
    Staff have no language of their own yet."""
    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def queue(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage(to=to, subject=subject, body=body)
    db.session.add(message)
    return message


def smtp_configured() -> bool:
    return bool(current_app.config.get("PORTAL_SMTP_HOST"))


def _mime(message: EmailMessage) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = current_app.config["PORTAL_MAIL_FROM"]
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime.set_content(message.body)
    return mime


def send_pending(limit: int = 100) -> int:
    """Send waiting messages by SMTP and commit; returns how many were sent.

    A failure is logged and the message waits for the next try; it never fails the request
    that queued it. Messages that waited past their links' lifetime lose their links first.
    """
    if forget_old_links():
        db.session.commit()
    if not smtp_configured():
        return 0
    config = current_app.config
    pending = db.session.scalars(
        select(EmailMessage)
        .where(EmailMessage.sent_at.is_(None), EmailMessage.attempts < MAX_ATTEMPTS)
        .order_by(EmailMessage.id)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    sent = 0
    try:
        with smtplib.SMTP(
            config["PORTAL_SMTP_HOST"], config["PORTAL_SMTP_PORT"], timeout=20
        ) as smtp:
            if config["PORTAL_SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config.get("PORTAL_SMTP_USERNAME"):
                smtp.login(config["PORTAL_SMTP_USERNAME"], config["PORTAL_SMTP_PASSWORD"] or "")
            for message in pending:
                message.attempts += 1
                smtp.send_message(_mime(message))
                message.sent_at = utcnow()
                message.body = without_links(message.body)
                sent += 1
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception(
            "Sending email failed; %d message(s) wait", len(pending) - sent
        )
    db.session.commit()
    return sent
