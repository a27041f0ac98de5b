"""The French texts of a joint evaluation campaign's invitation and reminder (relance d'un évaluateur ou d'une
évaluatrice).

The evaluation service decides that an evaluator is reminded and publishes it with the evaluator's
organisation and account; this service, which holds the directory's addresses, writes and sends it. The
text carries the campaign's title, the milestone, its deadline and the link to the campaign in the portal.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from relais_referral.notifications.french import format_date_fr
from relais_referral.notifications.messages import _facts, _notification
from relais_referral.notifications.port import Notification

PERSPECTIVES_FR = {
    "author": "auteur (auto-évaluation de l'action par celles et ceux qui la conduisent)",
    "peer": "pair (une structure du pacte qui ne conduit pas l'action)",
    "external_expert": "experte ou expert externe",
}

MILESTONES_FR = {"mid_term": "test d'utilisation (évaluation à mi-parcours)", "final": "évaluation finale"}
# The portal's page for each milestone: the evaluator's own grid to fill in.
MILESTONE_SLUGS = {"mid_term": "mi-parcours", "final": "finale"}


def campaign_link(portal_url: str, campaign_id: uuid.UUID, milestone: str) -> str:
    return f"{portal_url.rstrip('/')}/evaluation/campagnes/{campaign_id}?etape={MILESTONE_SLUGS[milestone]}"


def evaluator_reminder(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    campaign_id: uuid.UUID,
    campaign_title: str,
    milestone: str,
    due_on: date,
) -> Notification:
    """Relance: an invited evaluator has not yet submitted their assessment for the milestone."""
    due = format_date_fr(due_on)
    step = MILESTONES_FR[milestone]
    return _notification(
        "evaluator_reminder",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=None,
        subject=f"Évaluation attendue au plus tard le {due} : {campaign_title}",
        paragraphs=[
            "Vous êtes invité·e à évaluer une action du pacte et votre grille d'évaluation "
            "n'a pas encore été déposée.",
            _facts(("Campagne", campaign_title), ("Étape", step), ("Échéance", due)),
            f"Merci de déposer votre évaluation au plus tard le {due}.",
            f"Remplir ma grille dans Relais : {campaign_link(portal_url, campaign_id, milestone)}",
        ],
    )


def evaluator_invitation(
    *,
    recipients: Sequence[str],
    idempotency_key: str,
    portal_url: str,
    campaign_id: uuid.UUID,
    campaign_title: str,
    perspective: str,
    mid_term_due: date | None,
    final_due: date,
) -> Notification:
    """Invitation: the coordinator invited this member to evaluate an action of the pact."""
    steps = [("Test d'utilisation (mi-parcours)", format_date_fr(mid_term_due))] if mid_term_due else []
    first = "mid_term" if mid_term_due else "final"
    return _notification(
        "evaluator_invitation",
        recipients=recipients,
        idempotency_key=idempotency_key,
        referral_id=None,
        subject=f"Invitation à évaluer : {campaign_title}",
        paragraphs=[
            "La coordination d'une évaluation conjointe du pacte vous invite à évaluer une action "
            "avec sa grille : une note par critère, les points forts, les faiblesses et vos recommandations.",
            _facts(
                ("Campagne", campaign_title),
                ("Vous évaluez à titre de", PERSPECTIVES_FR[perspective]),
                *steps,
                ("Évaluation finale", format_date_fr(final_due)),
            ),
            "Chaque grille est remplie sans connaître celles des autres : vous les lirez une fois la vôtre "
            "déposée.",
            f"Ouvrir la campagne dans Relais : {campaign_link(portal_url, campaign_id, first)}",
        ],
    )
