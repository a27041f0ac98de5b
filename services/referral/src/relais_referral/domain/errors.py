"""Errors that users cause; the API maps each to a stable problem type."""

from datetime import date

from relais_shared import errors


class DomainError(Exception):
    """Base of rule violations."""


# The answer a user reads is French; ``action`` and ``current`` stay codes for the code and the logs.
ACTIONS = {
    "acknowledge": "en accuser réception",
    "schedule an appointment for": "fixer un rendez-vous",
    "record the appointment outcome of": "enregistrer l'issue du rendez-vous",
    "accept": "l'accepter",
    "refuse": "la refuser",
    "close": "la clore",
    "withdraw": "la retirer",
    "expire": "la faire expirer",
    "make obsolete": "la rendre caduque",
    "refer": "orienter la personne",
    "refer again": "orienter de nouveau la personne vers cette structure",
    "release": "mettre fin à l'accompagnement",
    "assign a référent": "désigner un référent",
    "back from training": "reprendre la personne après sa formation",
    "training cancelled": "reprendre la personne après l'annulation de sa formation",
    "exit": "enregistrer une sortie",
    "record a follow-up": "enregistrer la situation après la sortie",
    "record a life event": "enregistrer un événement du parcours",
}
STATES = {
    "submitted": "l'orientation est envoyée, sans accusé de réception",
    "acknowledged": "la réception de l'orientation est déjà accusée",
    "appointment_scheduled": "un rendez-vous est fixé",
    "accepted": "l'orientation est acceptée",
    "closed": "l'orientation est close",
    "refused": "l'orientation est refusée",
    "withdrawn": "l'orientation est retirée",
    "expired": "l'orientation a expiré",
    "obsolete": "l'orientation est caduque",
    "out of the pact": "la personne est sortie du pacte",
    "in the pact": "la personne n'est pas sortie du pacte",
    "already referred to this organisation": "une orientation vers cette structure est déjà en cours",
    "waiting for an answer to its own referral": "la structure attend la réponse à sa propre orientation",
    "has a référent": "la personne a déjà un référent",
}


class InvalidTransition(DomainError):
    def __init__(self, current: str, action: str) -> None:
        what = ACTIONS.get(action, action)
        of = "d'" if what[:1] in "aeiouéh" else "de "
        super().__init__(f"Impossible {of}{what} : {STATES.get(current, current)}.")
        self.current = current
        self.action = action


class FollowUpNotDue(InvalidTransition):
    """A situation after the exit is recorded from the day its horizon is reached."""

    def __init__(self, horizon_months: int, due: date) -> None:
        DomainError.__init__(
            self,
            f"Le suivi à {horizon_months} mois s'enregistre à partir du {due:%d/%m/%Y} : la situation "
            f"doit être celle de la personne {horizon_months} mois après sa sortie.",
        )
        self.current = "follow-up not due"
        self.action = "record a follow-up"
        self.due = due


class NotAllowed(DomainError, errors.NotAllowed):
    """The caller's organisation or role may not take this action now."""


class InvalidReferral(DomainError):
    """The referral itself breaks a rule (same sender and receiver, unknown organisation…)."""
