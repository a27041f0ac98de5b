"""A campaign's report, as a steering committee reads it: HTML to print, and the same as PDF (weasyprint).

French throughout: decimal commas (« 4,17 »), percentages with a space (« 16,7 % »), dates in words
(« 28 février 2027 »). The service knows organisations by id only: the portal, which reads the directory,
passes their names; without them the report says « organisation non nommée ».
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from fractions import Fraction
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, PackageLoader, select_autoescape

PARIS = ZoneInfo("Europe/Paris")
PERSPECTIVE_LABELS = {"author": "Auteurs", "peer": "Pairs", "external_expert": "Experts externes"}
PERSPECTIVE_TITLES = {
    "author": "auteur ou autrice de l'action",
    "peer": "pair (membre du pacte)",
    "external_expert": "experte ou expert externe",
}
MILESTONE_LABELS = {"mid_term": "Test d'utilisation (mi-parcours)", "final": "Évaluation finale"}


def french_number(value: Any, digits: int = 2) -> str:
    """« 4,17 », « 4,5 », « 12 » — at most ``digits`` decimals, a comma; « — » for none. A value may come
    as the API writes an exact fraction (« 9/2 »)."""
    if value is None or value == "":
        return "—"
    number = float(Fraction(str(value))) if isinstance(value, str) else float(value)
    return format_decimal(number, "#,##0." + "#" * digits, locale="fr_FR")


def french_percent(share: Any, digits: int = 1) -> str:
    """A share (0.118) as « 11,8 % »."""
    return format_percent(float(share), "#,##0." + "#" * digits + "\u202f%", locale="fr_FR")


def french_date(value: Any) -> str:
    """« 28 février 2027 », « 1er avril 2027 »; a timestamp is read in Paris time."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date() if value.tzinfo else value.date()
    text = format_date(value, "d MMMM y", locale="fr_FR")
    return "1er" + text[1:] if value.day == 1 else text  # French writes the first of the month so


def organisation_names(pairs: list[str] | None, campaign: Any) -> dict[str, str]:
    """``id=Nom`` pairs as the portal sends them, kept for the organisations the campaign names only."""
    known = {str(campaign.org_id)} | {str(e.org_id) for e in campaign.evaluators}
    names: dict[str, str] = {}
    for pair in pairs or []:
        key, _sep, name = pair.partition("=")
        try:
            key = str(uuid.UUID(key.strip()))
        except ValueError:
            continue
        if key in known and name.strip():
            names[key] = name.strip()[:200]
    return names


@cache
def _environment() -> Environment:
    # Autoescape: the assessments' free texts are the evaluators' own.
    environment = Environment(
        loader=PackageLoader("relais_evaluation.adapters.api", "templates"),
        autoescape=select_autoescape(default=True),
    )
    environment.filters |= {"number": french_number, "percent": french_percent, "date_fr": french_date}
    return environment


def campaign_html(
    campaign: Any,
    results: Any,
    mid_term: Any = None,
    names: dict[str, str] | None = None,
    today: date | None = None,
) -> str:
    """``results``: the final milestone's; ``mid_term``: the usage test's, when the campaign has one and
    the reader may see them."""
    return (
        _environment()
        .get_template("campaign_report.html")
        .render(
            c=campaign,
            r=results,
            mid=mid_term,
            names=names or {},
            perspectives=PERSPECTIVE_LABELS,
            perspective_titles=PERSPECTIVE_TITLES,
            milestones=MILESTONE_LABELS,
            today=today or datetime.now(PARIS).date(),
        )
    )


def campaign_pdf(
    campaign: Any, results: Any, mid_term: Any = None, names: dict[str, str] | None = None
) -> bytes:
    from weasyprint import HTML  # imported here: Pango loads with it, only processes that render need it

    pdf: bytes = HTML(string=campaign_html(campaign, results, mid_term, names)).write_pdf()
    return pdf
