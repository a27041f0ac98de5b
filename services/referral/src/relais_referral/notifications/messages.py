"""The French texts of the referral notifications, one builder per kind.

Data protection by construction: a builder accepts only the referral's id, organisation names, dates and
counts of days. The jobseeker's name, birth date, contact data and the free-text motive cannot be passed,
so they cannot end up in a mailbox outside Relais; the recipient follows the link and reads them in the
portal, where access is checked and audited. For the same reason a returned referral's reason is not
written in the e-mail.

Deadlines are *settings* per organisation: every number of days is given by the caller, never assumed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from relais_referral.notifications.french import format_date_fr, working_days_fr
from relais_referral.notifications.port import Notification, NotificationKind

SIGNATURE = "— Relais, plateforme du pacte métropolitain pour l'emploi"
AUTOMATIC_NOTICE = "Ce message est envoyé automatiquement, merci de ne pas y répondre."


def referral_reference(referral_id: uuid.UUID) -> str:
    """The short reference counsellors quote on the phone, e.g. "ORIENTATION 7D3E9B10"."""
    return f"ORIENTATION {referral_id.hex[:8].upper()}"


def referral_link(portal_url: str, referral_id: uuid.UUID) -> str:
    return f"{portal_url.rstrip('/')}/orientations/{referral_id}"


def acknowledgement_reminder(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    referral_id: uuid.UUID,
    sender_organisation: str,
    receiving_organisation: str,
    submitted_on: date,
    acknowledgement_due: date,
) -> Notification:
    """Relance: the receiving organisation has not yet acknowledged the referral."""
    due = format_date_fr(acknowledgement_due)
    return _notification(
        "acknowledgement_reminder",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=referral_id,
        subject=f"Accusé de réception attendu au plus tard le {due}",
        paragraphs=[
            "Une orientation adressée à votre structure attend son accusé de réception.",
            _facts(
                ("Orientation", referral_reference(referral_id)),
                ("Envoyée par", sender_organisation),
                ("Adressée à", receiving_organisation),
                ("Date d'envoi", format_date_fr(submitted_on)),
            ),
            f"Merci d'en accuser réception au plus tard le {due}.",
            _link_line(portal_url, referral_id),
        ],
    )


def escalation_manager(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    referral_id: uuid.UUID,
    sender_organisation: str,
    receiving_organisation: str,
    submitted_on: date,
    acknowledgement_due: date,
    working_days_waiting: int,
) -> Notification:
    """Alerte to the manager of the receiving organisation: the acknowledgement deadline has passed."""
    waiting = working_days_fr(working_days_waiting)
    return _notification(
        "escalation_manager",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=referral_id,
        subject=f"Orientation sans accusé de réception depuis {waiting}",
        paragraphs=[
            "Vous recevez ce message en tant que responsable de la structure destinataire : "
            f"une orientation attend son accusé de réception depuis {waiting}.",
            _facts(
                ("Orientation", referral_reference(referral_id)),
                ("Envoyée par", sender_organisation),
                ("Adressée à", receiving_organisation),
                ("Date d'envoi", format_date_fr(submitted_on)),
                ("Échéance de l'accusé de réception", format_date_fr(acknowledgement_due)),
            ),
            "Merci de veiller à ce qu'elle soit traitée : "
            "sans réponse, la coordination du pacte sera alertée.",
            _link_line(portal_url, referral_id),
        ],
    )


def escalation_coordination(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    referral_id: uuid.UUID,
    sender_organisation: str,
    receiving_organisation: str,
    submitted_on: date,
    working_days_waiting: int,
    expires_on: date,
) -> Notification:
    """Alerte to the pact coordination: a referral is still unanswered well after its deadline."""
    waiting = working_days_fr(working_days_waiting)
    return _notification(
        "escalation_coordination",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=referral_id,
        subject=f"Orientation sans réponse depuis {waiting}",
        paragraphs=[
            f"Une orientation n'a reçu aucune réponse de la structure destinataire depuis {waiting}.",
            _facts(
                ("Orientation", referral_reference(referral_id)),
                ("Envoyée par", sender_organisation),
                ("Adressée à", receiving_organisation),
                ("Date d'envoi", format_date_fr(submitted_on)),
            ),
            f"Sans réponse, elle expirera le {format_date_fr(expires_on)} "
            "et reviendra à la structure qui l'a envoyée.",
            _link_line(portal_url, referral_id),
        ],
    )


def returned_to_sender(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    referral_id: uuid.UUID,
    sender_organisation: str,
    receiving_organisation: str,
    returned_on: date,
    reorient_within_working_days: int,
    reorient_by: date,
) -> Notification:
    """Retour à l'envoyeur (refusal, expiry or repeated no-show): the sender must re-orient the person."""
    by = format_date_fr(reorient_by)
    return _notification(
        "returned_to_sender",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=referral_id,
        subject=f"Orientation revenue, à reprendre au plus tard le {by}",
        paragraphs=[
            "Une orientation envoyée par votre structure n'a pas abouti et vous revient : "
            "c'est à votre structure de proposer une autre orientation à la personne.",
            _facts(
                ("Orientation", referral_reference(referral_id)),
                ("Envoyée par", sender_organisation),
                ("Adressée à", receiving_organisation),
                ("Date de retour", format_date_fr(returned_on)),
            ),
            "Merci de proposer une nouvelle orientation sous "
            f"{working_days_fr(reorient_within_working_days)}, soit au plus tard le {by}. "
            "Le motif du retour est consultable dans Relais.",
            _link_line(portal_url, referral_id),
        ],
    )


def referral_expired(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    referral_id: uuid.UUID,
    sender_organisation: str,
    receiving_organisation: str,
    submitted_on: date,
    expired_on: date,
    expiry_working_days: int,
) -> Notification:
    """Orientation expirée: no answer within the expiry delay."""
    return _notification(
        "referral_expired",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=referral_id,
        subject="Orientation expirée faute de réponse",
        paragraphs=[
            f"Une orientation a expiré le {format_date_fr(expired_on)}, faute de réponse "
            f"de la structure destinataire dans le délai de {working_days_fr(expiry_working_days)}.",
            _facts(
                ("Orientation", referral_reference(referral_id)),
                ("Envoyée par", sender_organisation),
                ("Adressée à", receiving_organisation),
                ("Date d'envoi", format_date_fr(submitted_on)),
            ),
            "Elle revient à la structure qui l'a envoyée, qui propose une autre orientation à la personne.",
            _link_line(portal_url, referral_id),
        ],
    )


def appointment_outcome_due(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    referral_id: uuid.UUID,
    sender_organisation: str,
    receiving_organisation: str,
    appointment_on: date,
    outcome_due: date,
) -> Notification:
    """The receiving organisation must record whether the person came to the appointment."""
    appointment = format_date_fr(appointment_on)
    return _notification(
        "appointment_outcome_due",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=referral_id,
        subject=f"Suite du rendez-vous du {appointment} à renseigner",
        paragraphs=[
            f"Un rendez-vous était fixé le {appointment} pour l'orientation ci-dessous.",
            _facts(
                ("Orientation", referral_reference(referral_id)),
                ("Envoyée par", sender_organisation),
                ("Adressée à", receiving_organisation),
            ),
            f"Merci d'indiquer dans Relais, au plus tard le {format_date_fr(outcome_due)}, "
            "si la personne s'est présentée, était absente ou excusée.",
            _link_line(portal_url, referral_id),
        ],
    )


def decision_overdue(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    referral_id: uuid.UUID,
    sender_organisation: str,
    receiving_organisation: str,
    appointment_on: date,
    decision_due: date,
) -> Notification:
    """Alert to the pact coordination: the appointment's outcome is in (seen, or a no-show to invite
    again), and the receiver has decided nothing since, past its deadline. Not "no answer": the referral
    does not expire any more."""
    appointment = format_date_fr(appointment_on)
    return _notification(
        "decision_overdue",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=referral_id,
        subject=f"Aucune décision après le rendez-vous du {appointment}",
        paragraphs=[
            f"Un rendez-vous était fixé le {appointment} pour l'orientation ci-dessous et sa suite a été "
            "renseignée, mais la structure destinataire n'a pris aucune décision (prise en charge, refus "
            f"ou nouveau rendez-vous) à l'échéance du {format_date_fr(decision_due)}.",
            _facts(
                ("Orientation", referral_reference(referral_id)),
                ("Envoyée par", sender_organisation),
                ("Adressée à", receiving_organisation),
            ),
            "Merci de voir avec elle la suite à donner, pour que la personne ne reste pas sans réponse.",
            _link_line(portal_url, referral_id),
        ],
    )


def outcome_follow_up(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    referral_id: uuid.UUID,
    referent_organisation: str,
    exited_on: date,
    months_after_exit: int,
) -> Notification:
    """Suivi de sortie: the référent is asked for the person's situation at +3, +6 and +12 months."""
    return _notification(
        "outcome_follow_up",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=referral_id,
        subject=f"Situation à {months_after_exit} mois après la sortie à renseigner",
        paragraphs=[
            "Une personne suivie par votre structure à la suite de l'orientation ci-dessous "
            f"est sortie du pacte le {format_date_fr(exited_on)}.",
            _facts(
                ("Orientation", referral_reference(referral_id)),
                ("Structure référente", referent_organisation),
            ),
            f"Merci de renseigner dans Relais sa situation {months_after_exit} mois après sa sortie : "
            "elle sert à l'évaluation de l'action commune du pacte.",
            _link_line(portal_url, referral_id),
        ],
    )


def unaccompanied(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    last_referral_id: uuid.UUID | None,
    last_referent_organisation: str | None,
    unaccompanied_since: date,
    working_days_unaccompanied: int,
) -> Notification:
    """Personne sans accompagnement: no référent and no open referral; the coordination must act.

    The person may never have been referred, hence the optional referral: the coordination then finds
    them in the portal, never through the e-mail.
    """
    rows = [("Sans accompagnement depuis", format_date_fr(unaccompanied_since))]
    if last_referral_id is not None:
        rows.insert(0, ("Dernière orientation", referral_reference(last_referral_id)))
    if last_referent_organisation is not None:
        rows.append(("Dernière structure référente", last_referent_organisation))
    link = (
        _link_line(portal_url, last_referral_id)
        if last_referral_id is not None
        else f"Retrouvez cette situation dans Relais : {portal_url.rstrip('/')}"
    )
    return _notification(
        "unaccompanied",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=last_referral_id,
        subject=f"Personne sans accompagnement depuis {working_days_fr(working_days_unaccompanied)}",
        paragraphs=[
            "Une personne n'a plus de structure référente ni d'orientation en cours depuis "
            f"{working_days_fr(working_days_unaccompanied)}.",
            _facts(*rows),
            "Merci de lui trouver une structure référente : l'objectif du pacte est que personne ne reste "
            "sans accompagnement.",
            link,
        ],
    )


@dataclass(frozen=True)
class ReceivedReferral:
    """One line of a digest: the referral's id, who sent it and when, when it is to be acknowledged
    (ids, an organisation's name and dates: nothing about the person)."""

    referral_id: uuid.UUID
    sender_organisation: str
    submitted_on: date
    acknowledgement_due: date


def referral_received(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    referral_id: uuid.UUID,
    sender_organisation: str,
    receiving_organisation: str,
    submitted_on: date,
    acknowledgement_due: date,
) -> Notification:
    """Nouvelle orientation reçue (the receiving organisation's setting ``immediate``)."""
    due = format_date_fr(acknowledgement_due)
    return _notification(
        "referral_received",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=referral_id,
        subject="Nouvelle orientation reçue",
        paragraphs=[
            "Une nouvelle orientation a été adressée à votre structure.",
            _facts(
                ("Orientation", referral_reference(referral_id)),
                ("Envoyée par", sender_organisation),
                ("Adressée à", receiving_organisation),
                ("Date d'envoi", format_date_fr(submitted_on)),
            ),
            f"Merci d'en accuser réception au plus tard le {due}.",
            _link_line(portal_url, referral_id),
        ],
    )


def referral_digest(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    receiving_organisation: str,
    referrals: Sequence[ReceivedReferral],
) -> Notification:
    """Récapitulatif quotidien des orientations reçues (the organisation's setting ``digest``)."""
    count = len(referrals)
    lines = [
        f"- {referral_reference(r.referral_id)}, envoyée par {r.sender_organisation} le "
        f"{format_date_fr(r.submitted_on)}, accusé de réception au plus tard le "
        f"{format_date_fr(r.acknowledgement_due)} : {referral_link(portal_url, r.referral_id)}"
        for r in referrals
    ]
    plural = "s" if count > 1 else ""
    return _notification(
        "referral_digest",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=None,
        subject=f"{count} nouvelle{plural} orientation{plural} reçue{plural}",
        paragraphs=[
            f"{receiving_organisation} a reçu {count} nouvelle{plural} orientation{plural} "
            "depuis le dernier récapitulatif :",
            "\n".join(lines),
        ],
    )


def _notification(
    kind: NotificationKind,
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    referral_id: uuid.UUID | None,
    subject: str,
    paragraphs: Sequence[str],
) -> Notification:
    reference = referral_reference(referral_id) if referral_id is not None else None
    full_subject = f"[Relais] {subject}" + (f" — {reference}" if reference else "")
    body = "\n\n".join(["Bonjour,", *paragraphs, f"{SIGNATURE}\n{AUTOMATIC_NOTICE}"]) + "\n"
    return Notification(
        kind=kind,
        recipients=recipients,
        subject=full_subject,
        body=body,
        referral_ref=reference,
        idempotency_key=idempotency_key,
    )


def _facts(*rows: tuple[str, str]) -> str:
    return "\n".join(f"{label} : {value}" for label, value in rows)


def _link_line(portal_url: str, referral_id: uuid.UUID) -> str:
    return f"Voir l'orientation dans Relais : {referral_link(portal_url, referral_id)}"
