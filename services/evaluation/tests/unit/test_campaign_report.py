"""The campaign report reads as a French document for a steering committee: decimal commas, dates in
words, the organisation conducting it and its evaluators named, the closing date, the agreed scores as
numbers (not the API's exact fractions) and the usage test's results beside the final ones."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from html import unescape
from typing import Any

from relais_evaluation.adapters.api.campaigns import CampaignOut, ResultsOut
from relais_evaluation.adapters.api.report import (
    campaign_html,
    french_date,
    french_number,
    organisation_names,
)

PLIE, EXPERT = uuid.uuid4(), uuid.uuid4()
CRITERIA = [
    {"code": "innovation", "label": "Innovation", "weight": "1", "share": 0.118, "mandatory": True},
    {"code": "usefulness", "label": "Utilité", "weight": "1", "share": 0.882, "mandatory": True},
]


def campaign(**changes: Any) -> CampaignOut:
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "title": "Ateliers mobilité",
        "subject_kind": "action",
        "subject": "Ateliers de mobilité douce",
        "org_id": PLIE,
        "criteria": CRITERIA,
        "scale_min": 1,
        "scale_max": 5,
        "mid_term_due": date(2027, 1, 15),
        "final_due": date(2027, 2, 28),
        "status": "closed",
        "mid_term_reached": True,
        "final_reached": True,
        "evaluators": [
            {
                "id": uuid.uuid4(),
                "org_id": EXPERT,
                "perspective": "external_expert",
                "submitted": ["mid_term", "final"],
                "reminded": [],
            },
        ],
        "validated": True,
        "consensus": {"agreed_scores": {"innovation": "9/2", "usefulness": "43/10"}, "conclusions": "Utile."},
        "closed_at": datetime(2027, 3, 1, 23, 30, tzinfo=UTC),  # 2 March in Paris
    }
    return CampaignOut.model_validate(fields | changes)


def results(milestone: str, score: float, comment: str) -> ResultsOut:
    perspective = {
        "perspective": "external_expert",
        "evaluators": 2,
        "criteria": {"innovation": score},
        "weighted_score": 5.0,
    }
    return ResultsOut.model_validate(
        {
            "campaign_id": uuid.uuid4(),
            "milestone": milestone,
            "perspectives": [perspective],
            "overall_criteria": {"innovation": score, "usefulness": 5.0},
            "overall_weighted_score": 4.1666,
            "validated": True,
            "reasons": [],
            "comments": [
                {
                    "perspective": "external_expert",
                    "strong_points": comment,
                    "weaknesses": "",
                    "recommendations": "",
                }
            ],
        }
    )


def report(**changes: Any) -> str:
    names = {str(PLIE): "PLIE de la métropole", str(EXPERT): "Cabinet Expertise Ouest"}
    html = campaign_html(
        campaign(**changes),
        results("final", 4.1666, "Ateliers appréciés."),
        results("mid_term", 3.5, "Premiers retours encourageants."),
        names,
        today=date(2027, 3, 5),
    )
    return re.sub(r">[ \n]+<", "><", re.sub(r"[ \n]+", " ", unescape(html)))


def test_the_agreed_scores_read_as_french_decimals_not_the_apis_fractions() -> None:
    html = report()
    assert "9/2" not in html and "43/10" not in html
    assert '<td>Innovation</td><td class="n">4,5</td>' in html
    assert '<td>Utilité</td><td class="n">4,3</td>' in html


def test_the_report_writes_french_numbers_and_dates_in_words() -> None:
    html = report()
    assert "4,17" in html and "5.00" not in html and "4.17" not in html
    assert "11,8\u202f%" in html and "11.8 %" not in html
    assert "échéance le 28 février 2027" in html and "2027-02-28" not in html
    assert "Action évaluée</dt><dd>Ateliers de mobilité douce" in html


def test_the_report_names_who_conducted_it_who_evaluated_and_when_it_closed() -> None:
    html = report()
    assert "Conduite par</dt><dd>PLIE de la métropole" in html
    assert "<td>Cabinet Expertise Ouest</td><td>experte ou expert externe</td><td>déposée</td>" in html
    assert "Campagne close le</dt><dd>2 mars 2027" in html
    assert "Rapport établi le</dt><dd>5 mars 2027" in html


def test_the_report_gives_the_usage_tests_results_before_the_final_ones() -> None:
    html = report()
    assert "Premiers retours encourageants." in html
    assert (
        html.index("Test d'utilisation (mi-parcours)</h2>")
        < html.index("3,5")
        < html.index("Évaluation finale</h2>")
    )


def test_organisations_the_portal_names_are_kept_only_when_the_campaign_has_them() -> None:
    pairs = [f"{PLIE}=PLIE", f"{uuid.uuid4()}=Autre", "pas-un-id=X", f"{EXPERT}="]
    found = organisation_names(pairs, campaign())
    assert found == {str(PLIE): "PLIE"}
    assert "organisation non nommée" in campaign_html(campaign(), results("final", 4, ""), None, {})


def test_french_numbers_and_dates() -> None:
    assert [french_number(v) for v in ("9/2", 4.1666, 5.0, 58459.16542, None)] == [
        "4,5",
        "4,17",
        "5",
        "58\u202f459,17",
        "—",
    ]
    assert french_date("2027-04-01") == "1er avril 2027"
