"""French first, English available: every word of the portal has its English, chosen per request."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from fastapi.testclient import TestClient

from relais_dev.testing import free_port
from relais_portal import i18n
from relais_portal.app import create_app
from relais_portal.session import COOKIE
from relais_portal.settings import PortalSettings
from relais_portal.web import labels

PORTAL = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _extracted() -> set[str | tuple[str, str]]:
    """The msgids `make i18n` extracts, read the same way (babel.cfg's methods and keywords)."""
    method_map = [("src/relais_portal/**.py", "python"), ("src/relais_portal/templates/**.html", "jinja2")]
    options = {"src/relais_portal/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PORTAL), method_map, options, keywords=keywords
    ):
        found.add(message)
    return found


def test_every_word_of_the_portal_has_an_english_translation_with_the_same_placeholders() -> None:
    catalog = i18n.catalog("en")
    assert catalog is not None
    extracted = _extracted()
    assert len(extracted) > 200, "the extraction found too few strings: is babel.cfg still right?"
    missing, mismatched = [], []
    for message in extracted:
        singular = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(singular)
        strings = entry.string if entry is not None else None
        texts = list(strings) if isinstance(strings, tuple) else [strings]
        if entry is None or entry.fuzzy or not all(texts):
            missing.append(singular)
            continue
        if any(set(PLACEHOLDER.findall(t or "")) != set(PLACEHOLDER.findall(singular)) for t in texts):
            mismatched.append(singular)
    assert not missing, f"no English for {sorted(missing)} (run `make i18n`, then translate)"
    assert not mismatched, f"placeholders differ in the English of {mismatched}"


@pytest.mark.parametrize(
    ("cookie", "accept", "expected"),
    [
        (None, None, "fr"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "de-DE,en;q=0.5,fr;q=0.8", "fr"),
        ("en", "fr-FR", "en"),
        ("fr", "en", "fr"),
        ("xx", "de", "fr"),
    ],
)
def test_the_language_is_the_users_choice_then_the_browsers_then_french(
    cookie: str | None, accept: str | None, expected: str
) -> None:
    assert i18n.choose(cookie, accept) == expected


def test_labels_of_api_codes_and_plurals_follow_the_language_of_the_request() -> None:
    token = i18n.use("en")
    try:
        assert labels.STATUS["refused"] == "Refused"
        assert labels.deadline_text(-2) == "2 working days late"
        assert labels.deadline_text(1) == "1 working day left"
    finally:
        i18n._current.reset(token)  # type: ignore[arg-type]
    assert labels.STATUS["refused"] == "Refusée"
    assert labels.deadline_text(-1) == "En retard de 1 jour ouvré"
    assert labels.deadline_text(0) == "À faire aujourd'hui"


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = PortalSettings(referral_url=f"http://127.0.0.1:{free_port()}", api_timeout_s=1)
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def test_the_language_switch_keeps_the_choice_and_the_pages_speak_it(client: TestClient) -> None:
    french = client.get("/annuaire/pas-un-identifiant")  # a mistyped link: a page, not JSON
    assert french.status_code == 404
    assert '<html lang="fr"' in french.text
    assert "Aller au contenu" in french.text

    switched = client.get("/langue/en", params={"next": "/annuaire"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/annuaire"
    assert "httponly" in switched.headers["set-cookie"].lower()

    english = client.get("/page-qui-n-existe-pas")
    assert english.status_code == 404
    assert '<html lang="en"' in english.text
    assert "Skip to content" in english.text and "Page not found" in english.text
    assert english.headers["content-language"] == "en"


def test_the_language_switch_never_redirects_off_the_site(client: TestClient) -> None:
    answer = client.get("/langue/en", params={"next": "//evil.example/"})
    assert answer.headers["location"] == "/"


def test_a_signed_in_page_in_english_keeps_the_session(client: TestClient) -> None:
    codec = client.app.state.sessions_codec  # type: ignore[attr-defined]
    session = codec.new(token="t", sub="s", org_id="o", org_name="Org", org_kind="plie", role="counsellor")
    client.cookies.set(COOKIE, codec.dumps(session))
    client.cookies.set(i18n.COOKIE, "en")
    answer = client.get("/")  # the referral API is down here
    assert answer.status_code == 503
    assert "Service temporarily unavailable." in answer.text and "Sign out" in answer.text
