"""French notification texts of the referral workflows, and the data-protection rule they obey."""

import dataclasses
import inspect
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from relais_referral.notifications import (
    Notification,
    NotificationKind,
    acknowledgement_reminder,
    appointment_outcome_due,
    decision_overdue,
    escalation_coordination,
    escalation_manager,
    format_date_fr,
    outcome_follow_up,
    referral_digest,
    referral_expired,
    referral_received,
    referral_reference,
    returned_to_sender,
    unaccompanied,
    working_days_fr,
)
from relais_referral.notifications.messages import AUTOMATIC_NOTICE, SIGNATURE, ReceivedReferral
from relais_referral.notifications.port import ReferralNotificationKind
from relais_referral.notifications.testing import RecordingNotifier

REFERRAL_ID = uuid.UUID("7d3e9b10-4c2a-4f61-9b3e-2a1d5c8e0f47")
REFERENCE = "ORIENTATION 7D3E9B10"
PORTAL = "https://relais.pacte-nantes.example.org"
LINK = f"{PORTAL}/orientations/{REFERRAL_ID}"
OTHER_REFERRAL_ID = uuid.UUID("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
FRANCE_TRAVAIL = "France Travail Nantes Est"
MISSION_LOCALE = "Mission locale Nantes Métropole"

# What the calling code holds about the person, and what must never reach a mailbox.
JOBSEEKER = {
    "jobseeker_name": "Inès Morel",
    "first_name": "Inès",
    "last_name": "Morel",
    "birth_date": date(2004, 3, 17),
    "email": "ines.morel@example.org",
    "phone": "06 12 34 56 78",
    "address": "12 rue de Strasbourg, 44000 Nantes",
    "motive": "Souhaite une formation d'aide-soignante, en situation de handicap",
}
PERSONAL_DATA_WORDS = (
    "jobseeker",
    "person",
    "name",
    "birth",
    "email",
    "phone",
    "address",
    "contact",
    "motive",
)

# Realistic arguments for each kind: a referral sent on Friday 27 November 2026 in Nantes (44).
ARGUMENTS: dict[NotificationKind, tuple[Callable[..., Notification], dict[str, Any]]] = {
    "acknowledgement_reminder": (
        acknowledgement_reminder,
        {
            "sender_organisation": FRANCE_TRAVAIL,
            "receiving_organisation": MISSION_LOCALE,
            "submitted_on": date(2026, 11, 27),
            "acknowledgement_due": date(2026, 12, 4),
        },
    ),
    "escalation_manager": (
        escalation_manager,
        {
            "sender_organisation": FRANCE_TRAVAIL,
            "receiving_organisation": MISSION_LOCALE,
            "submitted_on": date(2026, 11, 27),
            "acknowledgement_due": date(2026, 12, 4),
            "working_days_waiting": 5,
        },
    ),
    "escalation_coordination": (
        escalation_coordination,
        {
            "sender_organisation": FRANCE_TRAVAIL,
            "receiving_organisation": MISSION_LOCALE,
            "submitted_on": date(2026, 11, 27),
            "working_days_waiting": 10,
            "expires_on": date(2027, 1, 12),
        },
    ),
    "returned_to_sender": (
        returned_to_sender,
        {
            "sender_organisation": FRANCE_TRAVAIL,
            "receiving_organisation": MISSION_LOCALE,
            "returned_on": date(2026, 12, 15),
            "reorient_within_working_days": 10,
            "reorient_by": date(2026, 12, 30),
        },
    ),
    "referral_expired": (
        referral_expired,
        {
            "sender_organisation": FRANCE_TRAVAIL,
            "receiving_organisation": MISSION_LOCALE,
            "submitted_on": date(2026, 11, 27),
            "expired_on": date(2027, 1, 12),
            "expiry_working_days": 30,
        },
    ),
    "appointment_outcome_due": (
        appointment_outcome_due,
        {
            "sender_organisation": FRANCE_TRAVAIL,
            "receiving_organisation": MISSION_LOCALE,
            "appointment_on": date(2026, 12, 1),
            "outcome_due": date(2026, 12, 2),
        },
    ),
    "decision_overdue": (
        decision_overdue,
        {
            "sender_organisation": FRANCE_TRAVAIL,
            "receiving_organisation": MISSION_LOCALE,
            "appointment_on": date(2026, 12, 1),
            "decision_due": date(2026, 12, 15),
        },
    ),
    "outcome_follow_up": (
        outcome_follow_up,
        {"referent_organisation": MISSION_LOCALE, "exited_on": date(2026, 6, 1), "months_after_exit": 6},
    ),
    "unaccompanied": (
        unaccompanied,
        {
            "last_referral_id": REFERRAL_ID,
            "last_referent_organisation": "PLIE de la métropole nantaise",
            "unaccompanied_since": date(2027, 1, 4),
            "working_days_unaccompanied": 5,
        },
    ),
    "referral_received": (
        referral_received,
        {
            "sender_organisation": FRANCE_TRAVAIL,
            "receiving_organisation": MISSION_LOCALE,
            "submitted_on": date(2026, 11, 27),
            "acknowledgement_due": date(2026, 12, 4),
        },
    ),
    "referral_digest": (
        referral_digest,
        {
            "receiving_organisation": MISSION_LOCALE,
            "referrals": [
                ReceivedReferral(REFERRAL_ID, FRANCE_TRAVAIL, date(2026, 11, 27), date(2026, 12, 4)),
                ReceivedReferral(OTHER_REFERRAL_ID, "PLIE", date(2026, 11, 27), date(2026, 12, 4)),
            ],
        },
    ),
}
# A digest lists several referrals: its subject names none (each line of its body names one).
DIGESTS = {"referral_digest"}

# The dates (and counts of days) each message must show, in French.
EXPECTED_IN_SUBJECT = {
    "acknowledgement_reminder": "au plus tard le vendredi 4 décembre 2026",
    "escalation_manager": "depuis 5 jours ouvrés",
    "escalation_coordination": "depuis 10 jours ouvrés",
    "returned_to_sender": "au plus tard le mercredi 30 décembre 2026",
    "referral_expired": "Orientation expirée",
    "appointment_outcome_due": "rendez-vous du mardi 1er décembre 2026",
    "decision_overdue": "Aucune décision après le rendez-vous du mardi 1er décembre 2026",
    "outcome_follow_up": "Situation à 6 mois",
    "unaccompanied": "sans accompagnement depuis 5 jours ouvrés",
    "referral_received": "Nouvelle orientation reçue",
    "referral_digest": "2 nouvelles orientations reçues",
}
EXPECTED_IN_BODY = {
    "acknowledgement_reminder": ["vendredi 27 novembre 2026", "vendredi 4 décembre 2026"],
    "escalation_manager": ["vendredi 27 novembre 2026", "vendredi 4 décembre 2026", "5 jours ouvrés"],
    "escalation_coordination": ["vendredi 27 novembre 2026", "mardi 12 janvier 2027", "10 jours ouvrés"],
    "returned_to_sender": ["mardi 15 décembre 2026", "mercredi 30 décembre 2026", "sous 10 jours ouvrés"],
    "referral_expired": ["vendredi 27 novembre 2026", "mardi 12 janvier 2027", "30 jours ouvrés"],
    "appointment_outcome_due": ["mardi 1er décembre 2026", "mercredi 2 décembre 2026"],
    "decision_overdue": ["mardi 1er décembre 2026", "mardi 15 décembre 2026", "aucune décision"],
    "outcome_follow_up": ["lundi 1er juin 2026", "6 mois après sa sortie"],
    "unaccompanied": ["lundi 4 janvier 2027", "PLIE de la métropole nantaise"],
    "referral_received": ["vendredi 27 novembre 2026", "vendredi 4 décembre 2026", FRANCE_TRAVAIL],
    "referral_digest": [
        "vendredi 27 novembre 2026",
        "vendredi 4 décembre 2026",
        f"{PORTAL}/orientations/{OTHER_REFERRAL_ID}",
    ],
}


def build(kind: NotificationKind, **extra: Any) -> Notification:
    builder, arguments = ARGUMENTS[kind]
    common: dict[str, Any] = {
        "recipients": ["accueil@ml-nantes.example.org"],
        "idempotency_key": f"referral-{REFERRAL_ID}/{kind}",
        "portal_url": PORTAL,
    }
    if kind not in {"unaccompanied", *DIGESTS}:
        common["referral_id"] = REFERRAL_ID
    return builder(**{**common, **arguments, **extra})


# The referral workflows' kinds (an evaluation campaign's reminder: test_evaluation_reminder_mail.py).
KINDS: Sequence[NotificationKind] = get_args(ReferralNotificationKind)


def test_every_notification_kind_has_a_french_message_builder() -> None:
    assert set(ARGUMENTS) == set(KINDS)
    assert all(build(kind).kind == kind for kind in KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_subject_starts_with_relais_and_names_the_referral(kind: NotificationKind) -> None:
    notification = build(kind)
    assert notification.subject.startswith("[Relais] ")
    assert EXPECTED_IN_SUBJECT[kind] in notification.subject
    if kind in DIGESTS:
        assert "ORIENTATION" not in notification.subject and notification.referral_ref is None
        return
    assert notification.subject.endswith(f" — {REFERENCE}")
    assert notification.referral_ref == REFERENCE


@pytest.mark.parametrize("kind", KINDS)
def test_body_is_french_with_reference_dates_and_a_link_to_the_referral(kind: NotificationKind) -> None:
    body = build(kind).body
    assert body.startswith("Bonjour,\n")
    assert REFERENCE in body
    assert LINK in body
    for expected in EXPECTED_IN_BODY[kind]:
        assert expected in body


@pytest.mark.parametrize("kind", KINDS)
def test_body_ends_with_the_relais_signature_and_says_it_is_automatic(kind: NotificationKind) -> None:
    body = build(kind).body
    assert body.endswith(f"\n\n{SIGNATURE}\n{AUTOMATIC_NOTICE}\n")
    assert SIGNATURE == "— Relais, plateforme du pacte métropolitain pour l'emploi"
    assert "automatiquement" in AUTOMATIC_NOTICE


def test_sent_to_the_organisations_addresses_with_the_callers_idempotency_key() -> None:
    notification = build("escalation_manager")
    assert notification.recipients == ("accueil@ml-nantes.example.org",)
    assert notification.idempotency_key == f"referral-{REFERRAL_ID}/escalation_manager"


def test_a_person_never_referred_is_reported_unaccompanied_without_a_referral_reference() -> None:
    notification = unaccompanied(
        recipients=["coordination@pacte-nantes.example.org"],
        idempotency_key="unaccompanied/2027-01-04",
        portal_url=PORTAL + "/",
        last_referral_id=None,
        last_referent_organisation=None,
        unaccompanied_since=date(2027, 1, 4),
        working_days_unaccompanied=1,
    )
    assert notification.referral_ref is None
    assert notification.subject == "[Relais] Personne sans accompagnement depuis 1 jour ouvré"
    assert "ORIENTATION" not in notification.body
    assert f"Relais : {PORTAL}\n" in notification.body
    assert "lundi 4 janvier 2027" in notification.body


# --- Data protection: the jobseeker's identity, contact data and motive never go into an e-mail ---


@pytest.mark.parametrize("kind", KINDS)
def test_builders_have_no_parameter_for_the_jobseekers_personal_data(kind: NotificationKind) -> None:
    builder, _ = ARGUMENTS[kind]
    parameters = inspect.signature(builder, eval_str=True).parameters.values()
    for parameter in parameters:
        # Keyword-only and no **kwargs: an unexpected field is refused, not silently accepted.
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, parameter
        assert not any(word in parameter.name for word in PERSONAL_DATA_WORDS), parameter
        # The only free texts are organisation names, the portal URL and the idempotency key.
        if parameter.annotation in (str, str | None):
            assert parameter.name.endswith("_organisation") or parameter.name in {
                "portal_url",
                "idempotency_key",
            }, parameter
        else:
            assert parameter.annotation in (
                Sequence[str],
                Sequence[ReceivedReferral],  # fields checked below
                uuid.UUID,
                uuid.UUID | None,
                date,
                int,
            ), parameter


def test_a_digest_line_holds_ids_an_organisation_and_dates_only() -> None:
    fields = {f.name: f.type for f in dataclasses.fields(ReceivedReferral)}
    assert fields == {
        "referral_id": "uuid.UUID",
        "sender_organisation": "str",
        "submitted_on": "date",
        "acknowledgement_due": "date",
    }


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", JOBSEEKER)
def test_personal_data_handed_to_a_builder_is_refused(kind: NotificationKind, field: str) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        build(kind, **{field: JOBSEEKER[field]})


@pytest.mark.parametrize("kind", KINDS)
def test_messages_hold_no_personal_data_nor_any_email_address(kind: NotificationKind) -> None:
    notification = build(kind)
    text = f"{notification.subject}\n{notification.body}"
    for value in JOBSEEKER.values():
        assert str(value) not in text
    assert "Morel" not in text
    assert "17 mars 2004" not in text
    # Recipients travel in the envelope only; no address (of anyone) is written in the text.
    assert "@" not in text


# --- French wording, independent of the host's locale ---


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 4), "vendredi 4 décembre 2026"),
        (date(2026, 12, 1), "mardi 1er décembre 2026"),
        (date(2027, 1, 1), "vendredi 1er janvier 2027"),
        (date(2026, 8, 15), "samedi 15 août 2026"),
        (date(2027, 2, 28), "dimanche 28 février 2027"),
        (date(2026, 11, 30), "lundi 30 novembre 2026"),
    ],
)
def test_dates_are_written_the_french_way_with_1er_for_the_first(day: date, expected: str) -> None:
    assert format_date_fr(day) == expected


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 jour ouvré"), (1, "1 jour ouvré"), (5, "5 jours ouvrés")]
)
def test_working_days_are_singular_below_two_as_french_grammar_wants(count: int, expected: str) -> None:
    assert working_days_fr(count) == expected


def test_referral_reference_is_the_first_eight_hex_characters_in_capitals() -> None:
    assert referral_reference(REFERRAL_ID) == REFERENCE


def test_link_to_the_referral_ignores_a_trailing_slash_on_the_portal_url() -> None:
    notification = build("acknowledgement_reminder", portal_url=PORTAL + "/")
    assert f"Relais : {LINK}\n" in notification.body


# --- The port's own guarantees ---


def test_a_notification_needs_at_least_one_valid_recipient() -> None:
    with pytest.raises(ValidationError):
        build("referral_expired", recipients=[])
    with pytest.raises(ValidationError):
        build("referral_expired", recipients=["not an address"])


def test_a_subject_cannot_carry_a_line_break_that_would_forge_headers() -> None:
    notification = build("referral_expired")
    with pytest.raises(ValidationError):
        Notification(**{**notification.model_dump(), "subject": "[Relais] x\r\nBcc: someone@example.org"})


def test_a_notification_cannot_be_altered_once_built() -> None:
    notification = build("referral_expired")
    with pytest.raises(ValidationError):
        notification.subject = "[Relais] autre"


async def test_recording_notifier_keeps_every_notification_in_order() -> None:
    notifier = RecordingNotifier()
    await notifier.send(build("acknowledgement_reminder"))
    await notifier.send(build("escalation_manager"))
    await notifier.send(build("acknowledgement_reminder"))
    assert [n.kind for n in notifier.sent] == [
        "acknowledgement_reminder",
        "escalation_manager",
        "acknowledgement_reminder",
    ]
    assert len(notifier.of_kind("escalation_manager")) == 1
