"""The mail outbox: alerts and bulletins to send, kept in ``outbox_messages``, sent by SMTP if configured.

``CRIMELINK_SMTP_URL`` says where to send: ``smtp://[user:password@]host[:port]``, with
``?starttls=1`` to upgrade the connection and ``from=address`` for the sender (default
``crimelink@localhost``), or ``smtps://`` for TLS from the start. Without it, messages wait in
the outbox (which the tests read, and an administrator can). A message that fails keeps its
error and is tried again next time.
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.casework.alerts_models import OutboxMessage
from crimelink.errors import InvalidValue
from crimelink.store.models import utcnow

__all__ = ["SMTP_URL_VARIABLE", "SmtpSettings", "deliver_outbox", "queue_message"]

SMTP_URL_VARIABLE = "CRIMELINK_SMTP_URL"
DEFAULT_SENDER = "crimelink@localhost"
SMTP_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool  # smtps: TLS from the start
    starttls: bool
    username: str | None
    password: str | None
    sender: str

    @classmethod
    def parse(cls, url: str) -> SmtpSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise InvalidValue(SMTP_URL_VARIABLE, parts.scheme, "smtp://host[:port] or smtps://host[:port]")
        query = parse_qs(parts.query)
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            tls=tls,
            starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            sender=query.get("from", [DEFAULT_SENDER])[0],
        )


def queue_message(
    *,
    session: Session,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    alert_id: int | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        kind=kind,
        to_address=to,
        subject=subject[:400],
        body_text=text,
        body_html=html,
        alert_id=alert_id,
        created_at=utcnow(),
    )
    session.add(message)
    return message


def _email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def deliver_outbox(*, session: Session, smtp_url: str | None = None, limit: int = 500) -> int:
    """Send waiting messages by SMTP (``smtp_url``, else ``CRIMELINK_SMTP_URL``); returns how many went.

    Without either, nothing is sent: the messages wait in the outbox.
    """
    url = smtp_url or os.environ.get(SMTP_URL_VARIABLE)
    if not url:
        return 0
    settings = SmtpSettings.parse(url)
    waiting = list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id).limit(limit)
        )
    )
    if not waiting:
        return 0
    sent = 0
    client_class = smtplib.SMTP_SSL if settings.tls else smtplib.SMTP
    try:
        with client_class(settings.host, settings.port, timeout=SMTP_TIMEOUT) as client:
            if settings.starttls:
                client.starttls()
            if settings.username:
                client.login(settings.username, settings.password or "")
            for message in waiting:
                try:
                    client.send_message(_email(message, settings.sender))
                except smtplib.SMTPException as refused:
                    message.error = f"{type(refused).__name__}: {refused}"[:2000]
                    continue
                message.sent_at, message.error = utcnow(), None
                sent += 1
    except (OSError, smtplib.SMTPException) as failed:  # the server itself: every message waits for next time
        for message in waiting:
            if message.sent_at is None:
                message.error = f"{type(failed).__name__}: {failed}"[:2000]
    session.flush()
    return sent
