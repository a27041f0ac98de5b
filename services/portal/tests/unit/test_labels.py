"""Deadlines as a counsellor reads them: overdue in red, due today in orange."""

from relais_portal.referral_api import ApiProblem
from relais_portal.web.labels import deadline_class, deadline_text


def test_an_overdue_deadline_is_red_and_says_how_late() -> None:
    assert deadline_class(-2) == "error"
    assert deadline_text(-2) == "En retard de 2 jours ouvrés"


def test_a_deadline_due_today_is_orange() -> None:
    assert deadline_class(0) == "warning"
    assert deadline_text(0) == "À faire aujourd'hui"


def test_a_later_deadline_counts_working_days_left() -> None:
    assert deadline_class(1) == "info"
    assert deadline_text(1) == "1 jour ouvré restant"
    assert deadline_text(3) == "3 jours ouvrés restants"


def test_a_problem_names_its_fields_in_french() -> None:
    problem = ApiProblem(
        422,
        {
            "title": "Données invalides",
            "errors": [
                {
                    "field": "postcode",
                    "message": "String should match pattern",
                    "code": "string_pattern_mismatch",
                },
                {"field": "first_name", "message": "Field required", "code": "missing"},
            ],
        },
    )
    assert problem.field_errors() == {
        "postcode": "Le format n'est pas valide.",
        "first_name": "Ce champ est obligatoire.",
    }
