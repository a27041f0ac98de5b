"""The French text of a joint evaluation campaign's reminder (relance d'un évaluateur ou d'une évaluatrice).

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
