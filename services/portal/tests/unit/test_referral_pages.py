"""The referral pages over a stub of the referral API: what each organisation is offered, and in what
words (no stack needed; the browser test walks the same pages over the real API)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from relais_dev.testing import free_port
from relais_portal import i18n
from relais_portal.app import create_app
from relais_portal.referral_api import ApiProblem
from relais_portal.session import COOKIE
from relais_portal.settings import PortalSettings

FRANCE_TRAVAIL = "11111111-1111-4111-8111-111111111111"
MISSION_LOCALE = "22222222-2222-4222-8222-222222222222"
COORDINATION = "33333333-3333-4333-8333-333333333333"
PERSON = "92cb01a6-0000-4000-8000-000000000001"
REFERRAL = "eba5d297-0000-4000-8000-000000000002"
NAMES = {
    FRANCE_TRAVAIL: "France Travail Nantes Est",
    MISSION_LOCALE: "Mission locale Nantes Métropole",
    COORDINATION: "Coordination du pacte",
}


def referral(status: str, **more: Any) -> dict[str, Any]:
    return {
        "id": REFERRAL,
        "jobseeker_id": PERSON,
        "sender_org_id": FRANCE_TRAVAIL,
        "receiver_org_id": MISSION_LOCALE,
        "status": status,
        "status_label": status,
        "submitted_at": "2026-12-01T09:00:00+00:00",
        "acknowledgement_due": "2026-12-11",
        "motive": "Projet en restauration",
        "warnings": [],
        "alternatives": [],
        **more,
    }


def entry(
    kind: str, org: str | None, at: str, detail: str | None = None, ref: str | None = None
) -> dict[str, Any]:
    return {"at": at, "kind": kind, "org_id": org, "referral_id": ref, "detail": detail}


def journey(referent: str | None, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "jobseeker_id": PERSON,
        "referent_org_id": referent,
        "follow_up_org_ids": [],
        "open_referral_ids": [],
        "in_pact": True,
        "exit_outcome": None,
        "exit_follow_ups": [],
        "exit_follow_ups_due": [],
        "open_tasks": [],
        "history": history or [],
    }


def task(kind: str, **more: Any) -> dict[str, Any]:
    return {
        "id": "44444444-4444-4444-8444-444444444444",
        "kind": kind,
        "label": "",
        "org_id": FRANCE_TRAVAIL,
        "jobseeker_id": PERSON,
        "referral_id": None,
        "due": "2026-12-15",
        "status": "open",
        "note": None,
        "working_days_left": 3,
        "jobseeker_display_name": None,
        **more,
    }


class ReferralStub:
    """The referral API: an answer per path (GET), a refusal or nothing per posted path; calls recorded."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {
            f"/v1/jobseekers/{PERSON}": {
                "id": PERSON,
                "first_name": "Inès",
                "last_name": "Moreau",
                "postcode": "44000",
                "in_pact": True,
                "referent_org_id": FRANCE_TRAVAIL,
            },
            f"/v1/jobseekers/{PERSON}/journey": journey(FRANCE_TRAVAIL),
            f"/v1/jobseekers/{PERSON}/needs": [],
            "/v1/directory/vocabulary": {"thematiques": []},
            f"/v1/referrals/{REFERRAL}/notes": {"items": []},
            "/v1/organisations": {"items": []},
        }
        self.posted: dict[str, httpx.Response] = {}
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        path = request.url.path
        if request.method != "GET":
            return self.posted.get(path, httpx.Response(200, json={}))
        if path.endswith("/tasks") or (path.endswith("/referrals") and "organisations" in path):
            return httpx.Response(200, json=self.answers.get(path, {"items": [], "total": 0}))
        if path not in self.answers:
            return httpx.Response(404, json={"title": "Introuvable"})
        return httpx.Response(200, json=self.answers[path])


class Names:
    """The directory: the three organisations of these tests."""

    async def names(self, ids: set[str]) -> dict[str, str]:
        return {i: NAMES.get(i, "") for i in ids}

    async def search(self, **params: Any) -> dict[str, Any]:
        kinds = {FRANCE_TRAVAIL: "france_travail", MISSION_LOCALE: "mission_locale"}
        return {
            "items": [
                {"id": i, "name": NAMES[i], "kind": kind, "capacity_status": "open"}
                for i, kind in kinds.items()
            ]
        }


@pytest.fixture
def stub() -> ReferralStub:
    return ReferralStub()


@pytest.fixture
def app_client(stub: ReferralStub) -> Iterator[TestClient]:
    settings = PortalSettings(referral_url=f"http://127.0.0.1:{free_port()}", api_timeout_s=1)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        app.state.http = httpx.AsyncClient(transport=httpx.MockTransport(stub), base_url="http://referral")
        app.state.directory = Names()
        yield client


def sign_in(client: TestClient, org_id: str, org_kind: str, role: str = "counsellor") -> str:
    codec = client.app.state.sessions_codec  # type: ignore[attr-defined]
    session = codec.new(
        token="t", sub="s", org_id=org_id, org_name=NAMES[org_id], org_kind=org_kind, role=role
    )
    client.cookies.set(COOKIE, codec.dumps(session))
    return str(session.csrf)


def text(answer: httpx.Response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", answer.text)))


# ------------------------------------------------------------------ the coordination's page


@pytest.mark.parametrize(
    ("org_id", "kind", "role"),
    [(FRANCE_TRAVAIL, "france_travail", "counsellor"), (FRANCE_TRAVAIL, "france_travail", "coordinator")],
)
def test_the_coordination_page_and_its_forms_are_refused_to_anyone_but_the_pact_coordination(
    app_client: TestClient, stub: ReferralStub, org_id: str, kind: str, role: str
) -> None:
    csrf = sign_in(app_client, org_id, kind, role)
    page = app_client.get("/coordination")
    assert page.status_code == 403
    assert "Accès réservé à la coordination du pacte" in text(page)
    assert "/coordination/fusion" not in page.text  # no merge form
    for path, form in (
        ("/coordination/referent", {"jobseeker_id": PERSON, "org_id": MISSION_LOCALE}),
        ("/coordination/fusion", {"kept_id": PERSON, "duplicate_id": REFERRAL}),
    ):
        assert app_client.post(path, data={**form, "csrf_token": csrf}).status_code == 403
    assert [call.url.path for call in stub.calls] == []  # not even its own tasks were read


@pytest.mark.parametrize("org", [COORDINATION, FRANCE_TRAVAIL])
def test_an_administrator_lands_on_the_administration_not_on_a_caseload_it_may_not_read(
    app_client: TestClient, stub: ReferralStub, org: str
) -> None:
    sign_in(app_client, org, "pact_coordination" if org == COORDINATION else "france_travail", "admin")
    landing = app_client.get("/", follow_redirects=False)
    assert (landing.status_code, landing.headers["location"]) == (303, "/administration")
    assert stub.calls == []  # no caseload asked for (the API refused it: « Accès impossible »)


def test_only_the_referent_is_offered_to_erase_a_person_the_others_are_told_who_does(
    app_client: TestClient, stub: ReferralStub
) -> None:
    sign_in(app_client, FRANCE_TRAVAIL, "france_travail")  # the person's référent in the stub
    assert f"/personnes/{PERSON}/effacement" in app_client.get(f"/personnes/{PERSON}").text
    sign_in(app_client, MISSION_LOCALE, "mission_locale")  # of the follow-up group, say
    page = app_client.get(f"/personnes/{PERSON}")
    assert f"/personnes/{PERSON}/effacement" not in page.text
    assert f"L'effacement est fait par la structure référente, {NAMES[FRANCE_TRAVAIL]}" in text(page)
    form = app_client.get(f"/personnes/{PERSON}/effacement")
    assert "Effacer définitivement" not in form.text
    assert "Votre structure n'est pas référente de cette personne" in text(form)


def test_the_coordination_sees_both_records_before_a_merge_that_cannot_be_undone(
    app_client: TestClient, stub: ReferralStub
) -> None:
    other = "55555555-5555-4555-8555-555555555555"
    stub.answers[f"/v1/jobseekers/{other}/journey"] = journey(MISSION_LOCALE)
    csrf = sign_in(app_client, COORDINATION, "pact_coordination", "coordinator")
    form = {"kept_id": PERSON, "duplicate_id": other, "csrf_token": csrf}
    asked = app_client.post("/coordination/fusion", data=form)
    assert asked.status_code == 200
    words = text(asked)
    assert "Fusionner ces deux fiches ?" in words and other in words
    assert f"Référent {NAMES[MISSION_LOCALE]}" in words
    assert not [c for c in stub.calls if c.method == "POST"]  # nothing merged yet
    done = app_client.post("/coordination/fusion", data={**form, "confirme": "oui"})
    assert (done.status_code, done.headers["location"]) == (303, f"/coordination?fusionnee={PERSON}#fusion")
    assert [c.url.path for c in stub.calls if c.method == "POST"] == [f"/v1/jobseekers/{PERSON}/merge"]


def test_the_pacts_dpo_answers_a_persons_access_request_from_the_access_log(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.answers["/v1/audit"] = {"items": []}
    sign_in(app_client, COORDINATION, "pact_coordination", "dpo")
    page = app_client.get("/protection-des-donnees", params={"personne": PERSON})
    assert f'href="/personnes/{PERSON}/export.pdf"' in page.text
    reversed_period = app_client.get(
        "/protection-des-donnees", params={"du": "2026-12-05", "au": "2026-12-01"}
    )
    assert reversed_period.status_code == 422  # it showed an empty log, as if nobody had accessed anything
    assert "Ce jour est avant le début de la période" in text(reversed_period)
    sign_in(app_client, FRANCE_TRAVAIL, "france_travail", "dpo")  # an organisation's DPO: its log only
    assert "export.pdf" not in app_client.get("/protection-des-donnees", params={"personne": PERSON}).text


PROFILE_FIELDS = (
    "age_band",
    "education_level",
    "qpv_resident",
    "long_term_unemployed",
    "minimum_income",
    "disability",
)


def test_the_coordination_sees_which_organisations_followed_a_person_left_without_referent(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.answers[f"/v1/organisations/{COORDINATION}/tasks"] = {
        "items": [task("assign_referent", org_id=COORDINATION)],
        "total": 1,
    }
    stub.answers[f"/v1/jobseekers/{PERSON}/journey"] = journey(
        None,
        [
            entry("referral_accepted", FRANCE_TRAVAIL, "2026-10-01T09:00:00+00:00", ref=REFERRAL),
            entry("referral_refused", MISSION_LOCALE, "2026-11-02T09:00:00+00:00", "no_capacity", REFERRAL),
            entry("referent_released", FRANCE_TRAVAIL, "2026-12-01T09:00:00+00:00"),
            entry("unaccompanied", COORDINATION, "2026-12-01T09:00:00+00:00"),
        ],
    )
    sign_in(app_client, COORDINATION, "pact_coordination", "coordinator")
    page = app_client.get("/coordination")
    assert page.status_code == 200
    words = text(page)
    assert "Référent : France Travail Nantes Est — Fin de l'accompagnement, le 01/12/2026" in words
    assert (
        "Mission locale Nantes Métropole — Orientation refusée (Plus de place disponible), le 02/11/2026"
        in words
    )


def test_the_coordination_designates_a_referent_seeing_the_persons_situation_and_who_usually_follows_it(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.answers[f"/v1/organisations/{COORDINATION}/tasks"] = {
        "items": [task("assign_referent", org_id=COORDINATION)],
        "total": 1,
    }
    stub.answers[f"/v1/jobseekers/{PERSON}/journey"] = {
        **journey(None),
        "profile": {
            "age_band": "under_26",
            "education_level": "3",
            "qpv_resident": True,
            "long_term_unemployed": False,
            "minimum_income": True,
            "disability": False,
        },
    }
    sign_in(app_client, COORDINATION, "pact_coordination", "coordinator")
    page = app_client.get("/coordination")
    assert page.status_code == 200
    words = text(page)
    assert (
        "Moins de 26 ans · CAP, BEP (niveau 3) · Résident d'un quartier prioritaire de la ville (QPV) · "
        "Bénéficiaire de minima sociaux" in words
    )
    assert "Habituellement : Mission locale (moins de 26 ans)." in words
    # The structures of that kind come first in the list, the others after them.
    options = re.findall(r'<option value="([0-9a-f-]{36})"', page.text)
    assert options == [MISSION_LOCALE, FRANCE_TRAVAIL]


@pytest.mark.parametrize(
    ("profile", "said"),
    [
        (dict.fromkeys(PROFILE_FIELDS), "Situation non renseignée"),
        ({**dict.fromkeys(PROFILE_FIELDS), "education_level": "3", "qpv_resident": True}, "CAP, BEP"),
    ],
)
def test_the_coordination_is_suggested_no_structure_when_the_persons_age_and_publics_are_not_recorded(
    app_client: TestClient, stub: ReferralStub, profile: dict[str, Any], said: str
) -> None:
    stub.answers[f"/v1/organisations/{COORDINATION}/tasks"] = {
        "items": [task("assign_referent", org_id=COORDINATION)],
        "total": 1,
    }
    stub.answers[f"/v1/jobseekers/{PERSON}/journey"] = {**journey(None), "profile": profile}
    sign_in(app_client, COORDINATION, "pact_coordination", "coordinator")
    words = text(app_client.get("/coordination"))
    assert said in words
    assert "Habituellement" not in words  # France Travail would be a fact nobody recorded


def test_an_unexpected_error_on_a_page_shows_the_sites_error_page_not_a_line_of_json(
    app_client: TestClient, stub: ReferralStub
) -> None:
    # An answer the page does not expect (no "items"): the page's code fails.
    stub.answers[f"/v1/organisations/{COORDINATION}/tasks"] = {"unexpected": []}
    sign_in(app_client, COORDINATION, "pact_coordination", "coordinator")
    page = app_client.get("/coordination")
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    words = text(page)
    assert "Erreur inattendue" in words
    assert "Se déconnecter" in words  # the site around it, the person still signed in
    assert not {"KeyError", "Traceback", "'items'", "coordination.py"} & set(words.split())
    assert "Traceback" not in page.text and "KeyError" not in page.text


def test_the_coordination_is_told_what_a_designation_does_in_words_that_are_true(
    app_client: TestClient, stub: ReferralStub
) -> None:
    sign_in(app_client, COORDINATION, "pact_coordination", "coordinator")
    words = text(app_client.get("/coordination?fait=referent"))
    assert "Référent désigné" in words
    assert "la structure le voit dans ses tâches" not in words


def test_the_coordination_home_page_leads_to_its_own_page_not_to_a_person_it_may_not_open(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.answers[f"/v1/organisations/{COORDINATION}/tasks"] = {
        "items": [task("assign_referent", org_id=COORDINATION)],
        "total": 1,
    }
    sign_in(app_client, COORDINATION, "pact_coordination", "coordinator")
    home = app_client.get("/")
    assert home.status_code == 200
    assert f"/personnes/{PERSON}" not in home.text
    assert 'href="/coordination#sans-referent"' in home.text


def test_the_coordination_is_told_whom_to_chase_for_an_unanswered_referral_not_sent_to_a_page_it_cannot_open(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.answers[f"/v1/organisations/{COORDINATION}/tasks"] = {
        "items": [
            task(
                "escalation",
                org_id=COORDINATION,
                referral_id=REFERRAL,
                referral_sender_org_id=FRANCE_TRAVAIL,
                referral_receiver_org_id=MISSION_LOCALE,
                referral_submitted_at="2026-11-20T09:30:00+00:00",
            )
        ],
        "total": 1,
    }
    csrf = sign_in(app_client, COORDINATION, "pact_coordination", "coordinator")
    page = app_client.get("/coordination")
    words = text(page)
    assert (
        f"orientation n° {REFERRAL[:8].upper()} de {NAMES[FRANCE_TRAVAIL]} vers {NAMES[MISSION_LOCALE]}, "
        "envoyée le 20/11/2026" in words
    )
    assert f"/orientations/{REFERRAL}" not in page.text  # refused to a coordinator (motive, comments)
    url = "/taches/44444444-4444-4444-8444-444444444444/fait"
    done = app_client.post(url, data={"csrf_token": csrf, "retour": "/coordination"})
    assert (done.status_code, done.headers["location"]) == (303, "/coordination?fait=tache")
    assert "Tâche marquée comme faite" in text(app_client.get("/coordination?fait=tache"))
    elsewhere = app_client.post(
        "/taches/44444444-4444-4444-8444-444444444444/fait",
        data={"csrf_token": csrf, "retour": "https://ailleurs.example"},
    )
    assert elsewhere.headers["location"] == "/?fait=tache"  # never an address the form gives


# ------------------------------------------------------------------ home page and referral page


def test_each_home_page_task_names_its_person(app_client: TestClient, stub: ReferralStub) -> None:
    stub.answers[f"/v1/organisations/{FRANCE_TRAVAIL}/tasks"] = {
        "items": [
            task("reorient", referral_id=REFERRAL, jobseeker_display_name="Inès Moreau"),
            task("reorient", referral_id=REFERRAL, jobseeker_display_name="Yanis Embauche"),
        ],
        "total": 2,
    }
    sign_in(app_client, FRANCE_TRAVAIL, "france_travail")
    words = text(app_client.get("/"))
    assert "Réorienter la personne — Inès Moreau —" in words
    assert "Réorienter la personne — Yanis Embauche —" in words


def test_a_designated_referent_marks_its_contact_task_done_from_the_home_page(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.answers[f"/v1/organisations/{FRANCE_TRAVAIL}/tasks"] = {
        "items": [task("first_contact", jobseeker_display_name="Inès Moreau"), task("reorient")],
        "total": 2,
    }
    csrf = sign_in(app_client, FRANCE_TRAVAIL, "france_travail")
    home = app_client.get("/")
    assert "Prendre contact : la coordination vous a désigné référent — Inès Moreau" in text(home)
    # Only the task nothing else ends is offered the button: a re-orientation ends with the referral.
    assert home.text.count('action="/taches/') == 1
    done = app_client.post(
        "/taches/44444444-4444-4444-8444-444444444444/fait", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    [call] = [c for c in stub.calls if c.method == "POST"]
    assert call.url.path == "/v1/tasks/44444444-4444-4444-8444-444444444444/complete"
    refused = app_client.post("/taches/44444444-4444-4444-8444-444444444444/fait", data={})
    assert refused.status_code == 403  # no CSRF token: nothing sent
    assert len([c for c in stub.calls if c.method == "POST"]) == 1


@pytest.mark.parametrize("status", ["refused", "expired"])
def test_the_sender_of_a_referral_back_to_it_is_offered_to_reorient_the_person(
    app_client: TestClient, stub: ReferralStub, status: str
) -> None:
    stub.answers[f"/v1/referrals/{REFERRAL}"] = referral(status, refusal_reason="no_capacity")
    sign_in(app_client, FRANCE_TRAVAIL, "france_travail")
    page = app_client.get(f"/orientations/{REFERRAL}")
    assert f'href="/orientations/nouvelle?personne={PERSON}"' in page.text
    assert "Aucune action possible" not in text(page)
    # The receiver that refused has nothing to do with it any more.
    sign_in(app_client, MISSION_LOCALE, "mission_locale")
    assert "Réorienter la personne" not in text(app_client.get(f"/orientations/{REFERRAL}"))


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("acknowledgement", "accusé de réception"),
        ("appointment", "rendez-vous d'accueil à fixer"),
        ("appointment_outcome", "résultat du rendez-vous à saisir"),
        ("decision", "décision sur l'orientation"),
    ],
)
def test_the_next_deadline_is_shown_at_every_stage_with_what_it_awaits(
    app_client: TestClient, stub: ReferralStub, kind: str, what: str
) -> None:
    stub.answers[f"/v1/referrals/{REFERRAL}"] = referral(
        "acknowledged", next_deadline="2026-12-15", next_deadline_kind=kind, working_days_left=3
    )
    sign_in(app_client, MISSION_LOCALE, "mission_locale")
    page = app_client.get(f"/orientations/{REFERRAL}")
    assert f"Prochaine échéance : {what} avant le 15/12/2026 (3 jours ouvrés)" in text(page)
    assert 'id="echeance" class="fr-text--bold"' in page.text  # not late: not red


def test_a_late_deadline_is_shown_in_red_and_none_when_no_clock_runs(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.answers[f"/v1/referrals/{REFERRAL}"] = referral(
        "appointment_scheduled",
        next_deadline="2026-12-02",
        next_deadline_kind="appointment_outcome",
        working_days_left=-1,
    )
    sign_in(app_client, MISSION_LOCALE, "mission_locale")
    page = app_client.get(f"/orientations/{REFERRAL}")
    assert "avant le 02/12/2026 (en retard de 1 jour ouvré)" in text(page)
    assert 'id="echeance" class="fr-error-text fr-text--md fr-mb-2w"' in page.text
    stub.answers[f"/v1/referrals/{REFERRAL}"] = referral(
        "accepted", next_deadline=None, next_deadline_kind=None, working_days_left=None
    )
    assert "Prochaine échéance" not in app_client.get(f"/orientations/{REFERRAL}").text


def test_a_recorded_appointment_outcome_is_shown_and_its_form_not_offered_again(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.answers[f"/v1/referrals/{REFERRAL}"] = referral(
        "appointment_scheduled", appointment_at="2026-12-03T09:00:00+00:00"
    )
    scheduled = entry(
        "referral_appointment_scheduled", MISSION_LOCALE, "2026-12-02T09:00:00+00:00", ref=REFERRAL
    )
    stub.answers[f"/v1/jobseekers/{PERSON}/journey"] = journey(FRANCE_TRAVAIL, [scheduled])
    sign_in(app_client, MISSION_LOCALE, "mission_locale")
    before = app_client.get(f"/orientations/{REFERRAL}").text
    assert "Enregistrer le résultat" in before  # awaiting the outcome: the form is offered

    seen = entry(
        "referral_appointment_outcome", MISSION_LOCALE, "2026-12-03T11:00:00+00:00", "seen", REFERRAL
    )
    stub.answers[f"/v1/jobseekers/{PERSON}/journey"] = journey(FRANCE_TRAVAIL, [scheduled, seen])
    after = app_client.get(f"/orientations/{REFERRAL}")
    assert "Résultat du rendez-vous Honoré" in text(after)
    assert "Enregistrer le résultat" not in after.text
    assert "Enregistrer le rendez-vous" not in after.text  # the API refuses a new date after the outcome
    assert "Accepter la prise en charge" in after.text


def test_the_sender_keeps_following_a_referral_whose_welcome_appointment_is_fixed(
    app_client: TestClient, stub: ReferralStub
) -> None:
    row = {
        "referral_id": REFERRAL,
        "direction": "outgoing",
        "partner_org_id": MISSION_LOCALE,
        "jobseeker_id": PERSON,
        "status": "appointment_scheduled",
        "status_label": "Rendez-vous fixé",
        "submitted_at": "2026-12-01T09:00:00+00:00",
        "next_deadline": "2026-12-08",
        "working_days_left": 2,
        "appointment_at": "2026-12-07T09:30:00+00:00",
        "jobseeker_display_name": "Inès Moreau",
    }
    stub.answers[f"/v1/organisations/{FRANCE_TRAVAIL}/referrals"] = {"items": [row], "total": 1}
    sign_in(app_client, FRANCE_TRAVAIL, "france_travail")
    page = app_client.get("/")
    sent = text(page)[text(page).index("Orientations envoyées en attente de réponse") :]
    assert "Inès Moreau" in sent
    assert "RDV le 07/12/2026" in sent


def test_the_person_page_gives_the_number_a_facilitator_or_the_coordination_asks_for(
    app_client: TestClient, stub: ReferralStub
) -> None:
    sign_in(app_client, FRANCE_TRAVAIL, "france_travail")
    page = app_client.get(f"/personnes/{PERSON}")
    assert page.status_code == 200
    assert f'<code id="numero-relais">{PERSON}</code>' in page.text


def test_accepting_while_the_appointment_has_no_outcome_warns_that_it_can_no_longer_be_recorded(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.answers[f"/v1/referrals/{REFERRAL}"] = referral(
        "appointment_scheduled", appointment_at="2026-12-03T09:00:00+00:00"
    )
    sign_in(app_client, MISSION_LOCALE, "mission_locale")
    words = text(app_client.get(f"/orientations/{REFERRAL}"))
    assert "une fois la prise en charge acceptée, il ne pourra plus l'être" in words
    # Once the outcome is in, nothing to warn about.
    stub.answers[f"/v1/referrals/{REFERRAL}"] = referral(
        "appointment_scheduled", appointment_at="2026-12-03T09:00:00+00:00", appointment_outcome="seen"
    )
    assert "il ne pourra plus l'être" not in text(app_client.get(f"/orientations/{REFERRAL}"))


def test_an_appointment_the_api_refuses_shows_the_apis_reason_next_to_the_field(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.answers[f"/v1/referrals/{REFERRAL}"] = referral("acknowledged")
    stub.posted[f"/v1/referrals/{REFERRAL}/appointment"] = httpx.Response(
        422,
        json={
            "title": "Données invalides",
            "detail": "La requête contient des champs invalides.",
            "errors": [
                {
                    "field": "appointment_at",
                    "code": "value_error",
                    "message": "Value error, rendez-vous dans les deux ans à venir / appointment within the "
                    "next two years",
                }
            ],
        },
    )
    csrf = sign_in(app_client, MISSION_LOCALE, "mission_locale")
    answer = app_client.post(
        f"/orientations/{REFERRAL}/appointment",
        data={"date": "2020-01-10", "time": "10:00", "csrf_token": csrf},
    )
    assert answer.status_code == 422
    assert "Rendez-vous dans les deux ans à venir." in text(answer)
    assert "La valeur n'est pas valide." not in text(answer)
    # What was typed stays in the fields, to be corrected rather than typed again.
    assert 'id="rdv-date" name="date" value="2020-01-10"' in answer.text
    assert 'id="rdv-heure" name="time" value="10:00"' in answer.text


def test_a_field_error_reads_the_apis_reason_in_the_users_language_and_pydantics_own_in_the_portals() -> None:
    reason = {
        "field": "birth_date",
        "code": "value_error",
        "message": "Value error, date de naissance entre "
        "1900 et aujourd'hui / birth date between 1900 and today",
    }
    generic = {
        "field": "postcode",
        "code": "string_pattern_mismatch",
        "message": "String should match pattern",
    }
    problem = ApiProblem(422, {"errors": [reason, generic]})
    assert problem.field_errors() == {
        "birth_date": "Date de naissance entre 1900 et aujourd'hui.",
        "postcode": "Le format n'est pas valide.",
    }
    token = i18n.use("en")
    try:
        assert problem.field_errors()["birth_date"] == "Birth date between 1900 and today."
    finally:
        i18n._current.reset(token)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the person's page


def test_the_history_says_to_which_organisation_a_referral_went_not_that_it_sent_it(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.answers[f"/v1/jobseekers/{PERSON}/journey"] = journey(
        FRANCE_TRAVAIL,
        [entry("referral_submitted", MISSION_LOCALE, "2026-12-01T09:00:00+00:00", ref=REFERRAL)],
    )
    sign_in(app_client, FRANCE_TRAVAIL, "france_travail")
    words = text(app_client.get(f"/personnes/{PERSON}"))
    assert "Orientation envoyée 01/12/2026 à 10:00 · vers Mission locale Nantes Métropole" in words


def test_only_the_referent_is_offered_the_life_event_and_exit_forms(
    app_client: TestClient, stub: ReferralStub
) -> None:
    sign_in(app_client, MISSION_LOCALE, "mission_locale")  # receives a referral, is not the référent
    page = app_client.get(f"/personnes/{PERSON}")
    assert f'action="/personnes/{PERSON}/evenement"' not in page.text
    assert f'action="/personnes/{PERSON}/sortie"' not in page.text
    assert "Seule la structure référente, France Travail Nantes Est, enregistre" in text(page)
    sign_in(app_client, FRANCE_TRAVAIL, "france_travail")
    page = app_client.get(f"/personnes/{PERSON}")
    assert f'action="/personnes/{PERSON}/evenement"' in page.text
    assert f'action="/personnes/{PERSON}/sortie"' in page.text


def test_a_life_event_the_api_refuses_to_a_non_referent_says_who_may_record_it(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.posted[f"/v1/jobseekers/{PERSON}/exit"] = httpx.Response(
        403, json={"title": "Accès refusé", "detail": "Seule la structure référente enregistre une sortie."}
    )
    csrf = sign_in(app_client, MISSION_LOCALE, "mission_locale")
    answer = app_client.post(f"/personnes/{PERSON}/sortie", data={"outcome": "cdi", "csrf_token": csrf})
    assert answer.status_code == 303
    shown = text(app_client.get(answer.headers["location"]))
    assert "Seule la structure référente enregistre une sortie." in shown
    assert "Cette page n'existe pas" not in shown


# ------------------------------------------------------------------ smaller things a counsellor reads


@pytest.mark.parametrize(
    ("first_name", "title"),
    [
        ("Inès", "Orientation d'Inès Moreau"),
        ("Yves", "Orientation d'Yves Moreau"),
        ("Yanis", "Orientation de Yanis Moreau"),  # a y before a vowel is a consonant
        ("Hélène", "Orientation d'Hélène Moreau"),  # a first name's h is silent
        ("Karim", "Orientation de Karim Moreau"),
    ],
)
def test_the_title_elides_de_before_a_vowel_sound_only(
    app_client: TestClient, stub: ReferralStub, first_name: str, title: str
) -> None:
    stub.answers[f"/v1/referrals/{REFERRAL}"] = referral("submitted")
    stub.answers[f"/v1/jobseekers/{PERSON}"] = {
        **stub.answers[f"/v1/jobseekers/{PERSON}"],
        "first_name": first_name,
    }
    sign_in(app_client, MISSION_LOCALE, "mission_locale")
    words = text(app_client.get(f"/orientations/{REFERRAL}"))
    assert f"{title} " in words


def test_the_open_referrals_of_a_person_name_their_receiver_and_state(
    app_client: TestClient, stub: ReferralStub
) -> None:
    stub.answers[f"/v1/jobseekers/{PERSON}/journey"] = {
        **journey(FRANCE_TRAVAIL),
        "open_referral_ids": [REFERRAL],
    }
    stub.answers[f"/v1/referrals/{REFERRAL}"] = referral("acknowledged")
    sign_in(app_client, FRANCE_TRAVAIL, "france_travail")
    words = text(app_client.get(f"/personnes/{PERSON}"))
    assert "Vers Mission locale Nantes Métropole — Réception confirmée, envoyée le 01/12/2026" in words
    assert "Orientation n°" not in words


def test_the_referral_form_offers_no_filter_on_kinds_that_receive_nobody_and_keeps_it_after_a_refusal(
    app_client: TestClient, stub: ReferralStub
) -> None:
    csrf = sign_in(app_client, FRANCE_TRAVAIL, "france_travail")
    form = app_client.get(f"/orientations/nouvelle?personne={PERSON}&type=mission_locale")
    assert 'value="buyer"' not in form.text
    assert 'value="pact_coordination"' not in form.text
    stub.posted["/v1/referrals"] = httpx.Response(
        422,
        json={
            "title": "Données invalides",
            "errors": [{"field": "motive", "code": "missing", "message": "x"}],
        },
    )
    refused = app_client.post(
        "/orientations",
        data={
            "jobseeker_id": PERSON,
            "receiver_org_id": MISSION_LOCALE,
            "type": "mission_locale",
            "csrf_token": csrf,
        },
    )
    assert refused.status_code == 422
    assert '<option value="mission_locale" selected>' in refused.text


def test_the_information_on_personal_data_is_not_ticked_for_the_counsellor(app_client: TestClient) -> None:
    sign_in(app_client, FRANCE_TRAVAIL, "france_travail")
    form = app_client.get("/personnes/nouvelle").text
    box = re.search(r'<input type="checkbox" id="information_given"[^>]*>', form)
    assert box is not None and "checked" not in box.group(0)
