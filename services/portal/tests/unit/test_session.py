"""The session cookie: signed, refused when altered or revoked, Secure outside development."""

from __future__ import annotations

import pytest

from relais_portal.session import SessionCodec
from relais_portal.settings import PortalSettings
from relais_portal.web.deps import safe_next


def _session(codec: SessionCodec):  # type: ignore[no-untyped-def]
    return codec.new(token="t", sub="s", org_id="o", org_name="Org", org_kind="plie", role="counsellor")


def test_a_signed_session_reads_back_and_an_altered_one_gives_nothing() -> None:
    codec = SessionCodec("a-real-secret", ttl_s=60)
    cookie = codec.dumps(_session(codec))
    assert codec.loads(cookie) is not None
    # One character of the signed payload changed (the signature's own last characters can carry
    # padding bits, and the old alteration left the cookie as it was when that character was already "A").
    altered = cookie[:5] + ("A" if cookie[5] != "A" else "B") + cookie[6:]
    assert altered != cookie and codec.loads(altered) is None
    assert SessionCodec("another-secret", ttl_s=60).loads(cookie) is None


def test_a_logged_out_session_gives_nothing_even_from_a_copy_of_its_cookie() -> None:
    codec = SessionCodec("a-real-secret", ttl_s=60)
    session = _session(codec)
    cookie = codec.dumps(session)
    codec.revoke(session)
    assert codec.loads(cookie) is None


def test_each_session_has_its_own_csrf_token() -> None:
    codec = SessionCodec("a-real-secret", ttl_s=60)
    assert _session(codec).csrf != _session(codec).csrf


def test_cookies_are_secure_outside_development() -> None:
    assert PortalSettings(environment="development").secure_cookies is False
    assert PortalSettings(environment="test").secure_cookies is True


def test_production_refuses_the_development_session_secret() -> None:
    with pytest.raises(ValueError, match="SESSION_SECRET"):
        PortalSettings(environment="production", jwt_jwks_url="https://idp.example/jwks", pact_key="k" * 32)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "\\\\evil", "orientations"])
def test_sign_in_never_redirects_off_site(target: str) -> None:
    assert safe_next(target) == "/"


def test_sign_in_returns_to_the_page_asked_for() -> None:
    assert safe_next("/orientations/123?x=1") == "/orientations/123?x=1"
