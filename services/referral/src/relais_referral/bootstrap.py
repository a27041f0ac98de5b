"""Wires the referral service's handlers to their adapters: real ones in a process, fakes in a test.

``bootstrap`` returns the three things handlers and activities need besides their arguments: a unit
of work factory (PostgreSQL, or a fake), a notifier (SMTP, or a recorder) and the pact's context (the
coordination, the default département). Processes call it once; unit tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from relais_referral.service_layer.context import PactContext
from relais_referral.settings import ReferralSettings


@dataclass(frozen=True)
class Adapters:
    uow: Callable[[], Any]  # a new unit of work (an async context manager) per call
    notifier: Any  # relais_referral.notifications.port.Notifier
    context: PactContext


def bootstrap(
    settings: ReferralSettings | None = None,
    *,
    sessions: Any = None,
    uow: Callable[[], Any] | None = None,
    notifier: Any = None,
    context: PactContext | None = None,
) -> Adapters:
    """Real adapters from ``settings`` (and the process's ``sessions``), unless given fakes."""
    settings = settings or ReferralSettings()
    if uow is None:
        from relais_referral.service_layer.unit_of_work import UnitOfWork

        if sessions is None:
            raise ValueError("a unit of work needs the process's sessions, or a fake")
        uow = lambda: UnitOfWork(sessions)  # noqa: E731 - a factory, named by the field it fills
    if notifier is None:
        from relais_referral.notifications import SmtpNotifier

        notifier = SmtpNotifier(
            settings.smtp_host, settings.smtp_port, settings.smtp_sender, start_tls=settings.smtp_start_tls
        )
    return Adapters(uow=uow, notifier=notifier, context=context or PactContext.from_settings(settings))
