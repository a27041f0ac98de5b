"""A notifier for tests of the code that sends notifications (handlers, activities, workflows)."""

from __future__ import annotations

from relais_referral.notifications.port import Notification, NotificationKind


class RecordingNotifier:
    """Keeps every notification it is asked to send, in order, retries included."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    async def send(self, notification: Notification) -> None:
        self.sent.append(notification)

    def of_kind(self, kind: NotificationKind) -> list[Notification]:
        return [n for n in self.sent if n.kind == kind]
