"""The local mail sink keeps each e-mail as a file and says so in one line (not the whole message)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from relais_dev.mailsink import FileSink
from relais_dev.testing import free_port


def test_each_email_becomes_a_file_and_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    controller = Controller(FileSink(tmp_path / "mail"), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message = EmailMessage()
        message["From"], message["To"] = "relais@pacte.example", "accueil@plie.example.org"
        message["Subject"] = "Relance : orientation en attente d'accusé de réception"
        message.set_content("Bonjour,\n" + "Une ligne du message.\n" * 50)
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(message)
    finally:
        controller.stop()
    [saved] = (tmp_path / "mail").glob("*.eml")
    assert b"Une ligne du message." in saved.read_bytes()
    [line] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("courriel")]
    assert line == (
        "courriel → accueil@plie.example.org : Relance : orientation en attente d'accusé de réception "
        f"({saved})"
    )
