"""The SMTP adapter of the notification port (aiosmtplib)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from relais_referral.notifications.port import Notification


def message_id(idempotency_key: str) -> str:
    """Same key, same Message-ID: mail clients and archives can then recognise a re-sent duplicate."""
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@relais>"


class SmtpNotifier:
    """Sends each notification as one plain-text UTF-8 e-mail.

    Failures are raised, never logged and dropped: the Temporal activity that calls ``send`` retries.
    """

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        start_tls: bool = False,
        timeout_s: float = 10,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("SMTP username and password go together")
        self._host = host
        self._port = port
        self._sender = sender
        self._username = username
        self._password = password
        self._start_tls = start_tls
        self._timeout_s = timeout_s

    async def send(self, notification: Notification) -> None:
        refused, _ = await aiosmtplib.send(
            self._email(notification),
            sender=self._sender,
            recipients=list(notification.recipients),
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            start_tls=self._start_tls,
            timeout=self._timeout_s,
        )
        # aiosmtplib raises only when *every* recipient is refused; a manager or coordination address
        # silently left out would defeat the escalation, so a partial refusal fails the send as well.
        if refused:
            raise aiosmtplib.SMTPRecipientsRefused(
                [
                    aiosmtplib.SMTPRecipientRefused(response.code, response.message, recipient)
                    for recipient, response in refused.items()
                ]
            )

    def _email(self, notification: Notification) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = ", ".join(notification.recipients)
        message["Subject"] = notification.subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = message_id(notification.idempotency_key)
        message["X-Relais-Kind"] = notification.kind
        # RFC 3834: tells out-of-office responders not to answer an automatic message.
        message["Auto-Submitted"] = "auto-generated"
        # Quoted-printable goes through relays without 8BITMIME and keeps accents legible in raw form.
        message.set_content(notification.body, charset="utf-8", cte="quoted-printable")
        return message
