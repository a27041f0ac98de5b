"""The SMTP notifier against a real SMTP server (aiosmtpd) listening on 127.0.0.1."""

import uuid
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from relais_dev.testing import free_port
from relais_referral.notifications import Notification, Notifier, SmtpNotifier, acknowledgement_reminder

pytestmark = pytest.mark.integration

SENDER = "ne-pas-repondre@relais.example.org"
RECEIVER = "accueil@ml-nantes.example.org"
MANAGER = "direction@ml-nantes.example.org"
UNKNOWN = "personne@ml-nantes.example.org"
LOGIN, PASSWORD = "relais", "s3cret-de-test"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """aiosmtpd handler: refuses the addresses it is told to, keeps every message it accepts."""

    refused: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        LOGIN.encode(),
        PASSWORD.encode(),
    )
    # handled=False: aiosmtpd then answers 235 or 535 itself.
    return AuthResult(success=ok, handled=False)


def start_server(request: pytest.FixtureRequest, **smtp_options: Any) -> SmtpServer:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    request.addfinalizer(controller.stop)
    return SmtpServer(port, mailbox)


@pytest.fixture
def smtp_server(request: pytest.FixtureRequest) -> SmtpServer:
    return start_server(request)


@pytest.fixture
def smtp_server_with_login(request: pytest.FixtureRequest) -> SmtpServer:
    # Plain-text AUTH is acceptable on loopback only; production relays use STARTTLS.
    return start_server(request, authenticator=authenticator, auth_require_tls=False)


def reminder(
    *, recipients: list[str] | None = None, idempotency_key: str = "referral-1/reminder"
) -> Notification:
    return acknowledgement_reminder(
        recipients=recipients or [RECEIVER],
        idempotency_key=idempotency_key,
        portal_url="https://relais.pacte-nantes.example.org",
        referral_id=uuid.UUID("7d3e9b10-4c2a-4f61-9b3e-2a1d5c8e0f47"),
        sender_organisation="France Travail Nantes Est",
        receiving_organisation="Mission locale Nantes Métropole",
        submitted_on=date(2026, 11, 27),
        acknowledgement_due=date(2026, 12, 4),
    )


def notifier_for(server: SmtpServer, **options: Any) -> Notifier:
    return SmtpNotifier("127.0.0.1", server.port, SENDER, timeout_s=5, **options)


async def test_a_notification_arrives_to_every_recipient_from_the_relais_sender(
    smtp_server: SmtpServer,
) -> None:
    await notifier_for(smtp_server).send(reminder(recipients=[RECEIVER, MANAGER]))

    [received] = smtp_server.mailbox.received
    assert received.mail_from == SENDER
    assert received.rcpt_tos == [RECEIVER, MANAGER]
    assert received.message["From"] == SENDER
    assert received.message["To"].addresses[0].addr_spec == RECEIVER
    assert [a.addr_spec for a in received.message["To"].addresses] == [RECEIVER, MANAGER]


async def test_french_subject_and_body_arrive_intact_as_utf8_plain_text(smtp_server: SmtpServer) -> None:
    notification = reminder()
    await notifier_for(smtp_server).send(notification)

    message = smtp_server.mailbox.received[0].message
    assert message["Subject"] == notification.subject
    assert message["Subject"] == (
        "[Relais] Accusé de réception attendu au plus tard le vendredi 4 décembre 2026 — ORIENTATION 7D3E9B10"
    )
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    # SMTP puts CRLF at the end of every line.
    assert message.get_content().replace("\r\n", "\n") == notification.body
    assert "Mission locale Nantes Métropole" in message.get_content()


async def test_the_message_carries_its_kind_and_is_marked_automatic(smtp_server: SmtpServer) -> None:
    await notifier_for(smtp_server).send(reminder())

    message = smtp_server.mailbox.received[0].message
    assert message["X-Relais-Kind"] == "acknowledgement_reminder"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"] is not None


async def test_a_retried_send_with_the_same_idempotency_key_keeps_the_same_message_id(
    smtp_server: SmtpServer,
) -> None:
    notifier = notifier_for(smtp_server)
    await notifier.send(reminder(idempotency_key="referral-7d3e9b10/ack-reminder"))
    await notifier.send(reminder(idempotency_key="referral-7d3e9b10/ack-reminder"))
    await notifier.send(reminder(idempotency_key="referral-7d3e9b10/escalation-manager"))

    first, retried, other = (r.message["Message-ID"] for r in smtp_server.mailbox.received)
    assert first == retried
    assert other != first
    assert first.startswith("<") and first.endswith("@relais>")
    assert len(first) == len("<@relais>") + 32


async def test_credentials_are_used_to_log_in_before_sending(smtp_server_with_login: SmtpServer) -> None:
    await notifier_for(smtp_server_with_login, username=LOGIN, password=PASSWORD).send(reminder())
    assert len(smtp_server_with_login.mailbox.received) == 1


async def test_a_wrong_password_raises_and_nothing_is_sent(smtp_server_with_login: SmtpServer) -> None:
    notifier = notifier_for(smtp_server_with_login, username=LOGIN, password="wrong")
    with pytest.raises(aiosmtplib.SMTPAuthenticationError):
        await notifier.send(reminder())
    assert smtp_server_with_login.mailbox.received == []


async def test_an_unreachable_server_raises_so_the_activity_retries() -> None:
    nothing_listens = free_port()
    notifier = SmtpNotifier("127.0.0.1", nothing_listens, SENDER, timeout_s=2)
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await notifier.send(reminder())


async def test_a_recipient_refused_by_the_server_raises_instead_of_being_dropped(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.mailbox.refused.add(UNKNOWN)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await notifier_for(smtp_server).send(reminder(recipients=[RECEIVER, UNKNOWN]))

    assert [r.recipient for r in refused.value.recipients] == [UNKNOWN]
    assert refused.value.recipients[0].code == 550
    # The server did deliver to the accepted address: a retry re-sends it under the same Message-ID.
    assert smtp_server.mailbox.received[0].rcpt_tos == [RECEIVER]


async def test_every_recipient_refused_raises(smtp_server: SmtpServer) -> None:
    smtp_server.mailbox.refused.add(UNKNOWN)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await notifier_for(smtp_server).send(reminder(recipients=[UNKNOWN]))
    assert smtp_server.mailbox.received == []


def test_a_username_without_a_password_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="username and password"):
        SmtpNotifier("127.0.0.1", 25, SENDER, username=LOGIN)
