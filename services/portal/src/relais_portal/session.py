"""The signed-in user's session: a signed, httpOnly, SameSite cookie holding their token.

The cookie is signed (itsdangerous) so that it cannot be forged or altered; it carries the user's bearer
token (forwarded to the services, which verify it themselves), a session id and the CSRF token of the
session's forms. Logging out revokes the session id, so that a copy of the old cookie gives nothing.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "relais_session"


@dataclass(frozen=True)
class Session:
    sid: str
    token: str
    csrf: str
    sub: str
    org_id: str
    org_name: str
    org_kind: str
    role: str


class Revocations:
    """Session ids ended by a logout, kept until the session would have expired anyway.

    Held in the process: one portal process per deployment today. Several replicas would share this
    list (Redis) or end the session at the identity provider (OIDC logout) — see the README.
    """

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    def revoke(self, sid: str, ttl_s: int) -> None:
        now = time.monotonic()
        self._until = {s: t for s, t in self._until.items() if t > now}
        self._until[sid] = now + ttl_s

    def __contains__(self, sid: object) -> bool:
        return isinstance(sid, str) and self._until.get(sid, 0) > time.monotonic()


class SessionCodec:
    def __init__(self, secret: str, ttl_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="relais-portal-session")
        self.ttl_s = ttl_s
        self.revocations = Revocations()

    def new(self, *, token: str, sub: str, org_id: str, org_name: str, org_kind: str, role: str) -> Session:
        return Session(
            sid=secrets.token_urlsafe(16),
            token=token,
            csrf=secrets.token_urlsafe(24),
            sub=sub,
            org_id=org_id,
            org_name=org_name,
            org_kind=org_kind,
            role=role,
        )

    def dumps(self, session: Session) -> str:
        return self._serializer.dumps(asdict(session))

    def loads(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.ttl_s)
            session = Session(**data)
        except (BadSignature, TypeError):
            return None
        return None if session.sid in self.revocations else session

    def revoke(self, session: Session) -> None:
        self.revocations.revoke(session.sid, self.ttl_s)
