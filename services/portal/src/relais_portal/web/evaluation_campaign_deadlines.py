"""A campaign's deadlines in the portal: the coordinator's form to move them, and what an evaluator reads
once a milestone's deadline has passed (the evaluation API refuses the grid then, 409 ``deadline_passed``).

The API decides: ``mid_term_reached``/``final_reached`` of the campaign say a deadline passed (the same
rule as its refusal), and the dates a move accepts. These helpers turn the form into the API's body and
its answers into words next to the fields.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from relais_portal.i18n import N_
from relais_portal.i18n import gettext as _
from relais_portal.referral_api import ApiProblem

# The form's fields and the API's, both ways.
FIELDS = {"mid_term_due": "echeance_intermediaire", "final_due": "echeance_finale"}
# The API's refusals of a move, in its words (French): said in the user's language when known.
API_MESSAGES = {
    N_("L'échéance finale est passée."),
    N_("L'échéance intermédiaire est passée."),
    N_("L'échéance intermédiaire doit précéder l'échéance finale."),
    N_("La campagne n'a pas de test d'utilisation : il ne s'ajoute pas après l'ouverture."),
    N_("La campagne a un test d'utilisation : indiquez son échéance."),
}


def deadline_values(campaign: dict[str, Any]) -> dict[str, str]:
    """The form as the campaign stands (ISO dates, what a DSFR date input holds)."""
    return {name: campaign.get(api) or "" for api, name in FIELDS.items()}


def deadlines_body(
    form: dict[str, str], campaign: dict[str, Any]
) -> tuple[dict[str, str | None], dict[str, str]]:
    """The API's body for ``PUT /v1/campaigns/{id}/deadlines`` and the form's own errors."""
    errors: dict[str, str] = {}
    body: dict[str, str | None] = {"mid_term_due": None}
    wanted = ("mid_term_due", "final_due") if campaign.get("mid_term_due") else ("final_due",)
    for api in wanted:
        name, raw = FIELDS[api], form.get(FIELDS[api], "").strip()
        try:
            body[api] = date.fromisoformat(raw).isoformat()
        except ValueError:
            errors[name] = (
                _("Indiquez l'échéance finale.")
                if api == "final_due" and not raw
                else _("Indiquez l'échéance intermédiaire.")
                if not raw
                else _("Une date au format jj/mm/aaaa.")
            )
    return body, errors


def deadline_errors(problem: ApiProblem) -> dict[str, str]:
    """The API's refusal of a move, next to its fields (its messages are in French)."""
    errors: dict[str, str] = {}
    for error in problem.body.get("errors") or []:
        name = FIELDS.get(str(error.get("field", "")).split(".")[-1], "echeance_finale")
        message = str(error.get("message"))
        errors.setdefault(name, _(message) if message in API_MESSAGES else message)
    return errors


CLOSED = N_("La campagne est close : ses échéances ne se déplacent plus.")


def deadline_passed(campaign: dict[str, Any], milestone: str) -> str:
    """Why an evaluator can no longer submit the milestone's grid, or "" while they can."""
    if campaign.get("status") != "open" or not campaign.get(f"{milestone}_reached"):
        return ""
    due = campaign.get("mid_term_due" if milestone == "mid_term" else "final_due") or ""
    day = date.fromisoformat(due[:10]).strftime("%d/%m/%Y") if due else ""
    return _(
        "L'échéance du %(day)s est passée : votre grille ne peut plus être déposée ni corrigée. "
        "Si vous avez besoin de plus de temps, demandez à la coordination de la campagne de déplacer "
        "l'échéance."
    ) % {"day": day}


def grid_locked(campaign: dict[str, Any], milestone: str) -> str:
    """Why an evaluator can no longer change the milestone's grid (the API refuses it, 409): the campaign
    closed, or the deadline passed; "" while they can. The page then shows the grid read-only."""
    if campaign.get("status") != "open":
        return _("Votre grille ne peut plus être déposée ni corrigée.")
    return deadline_passed(campaign, milestone)


def is_deadline_refusal(problem: ApiProblem) -> bool:
    return problem.status == 409 and any(
        e.get("code") == "deadline_passed" for e in problem.body.get("errors") or []
    )
