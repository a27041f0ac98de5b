"""Notifications of the referral workflows (reminders, escalations): port, French texts, SMTP adapter.

The in-memory ``RecordingNotifier`` for tests lives in ``relais_referral.notifications.testing``.
"""

from relais_referral.notifications.french import format_date_fr, working_days_fr
from relais_referral.notifications.messages import (
    acknowledgement_reminder,
    appointment_outcome_due,
    decision_overdue,
    escalation_coordination,
    escalation_manager,
    outcome_follow_up,
    referral_digest,
    referral_expired,
    referral_link,
    referral_received,
    referral_reference,
    returned_to_sender,
    unaccompanied,
)
from relais_referral.notifications.port import Notification, NotificationKind, Notifier
from relais_referral.notifications.smtp import SmtpNotifier, message_id

__all__ = [
    "Notification",
    "NotificationKind",
    "Notifier",
    "SmtpNotifier",
    "acknowledgement_reminder",
    "appointment_outcome_due",
    "decision_overdue",
    "escalation_coordination",
    "escalation_manager",
    "format_date_fr",
    "message_id",
    "outcome_follow_up",
    "referral_digest",
    "referral_expired",
    "referral_link",
    "referral_received",
    "referral_reference",
    "returned_to_sender",
    "unaccompanied",
    "working_days_fr",
]
