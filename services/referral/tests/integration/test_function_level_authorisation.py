"""Function-level authorisation (OWASP API5): every route says which roles may call it, and only those do.

``RULES`` is the README's table (Security section), written out here on purpose: the first test holds the
routes of the running app to it, so an endpoint added without a rule (or with another one) fails the
suite; the walk then calls every route with every role, and with a role nobody knows. Object-level
refusals (another organisation's person or referral: 404) are tested in the lifecycle and API tests.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from relais_dev.stack import Stack
from relais_dev.testing import UNKNOWN_ROLE, assert_the_role_rule_holds, declared_roles, role_walk
from relais_referral.api.app import create_app
from relais_referral.db.models import TaskRow, infra
from relais_referral.settings import ReferralSettings
from relais_shared.auth import ROLES, DevIssuer

pytestmark = pytest.mark.integration

EVERYONE = ROLES
COUNSELLORS = frozenset({"counsellor"})
CASEWORK = frozenset({"counsellor", "coordinator"})
PACT_ADMINS = frozenset({"admin"})
RULES: dict[tuple[str, str], frozenset[str]] = {
    # The directory of actors and the deadlines in force: every role of the pact reads them.
    ("GET", "/v1/organisations"): EVERYONE,
    ("GET", "/v1/organisations/{org_id}"): EVERYONE,
    ("GET", "/v1/referral-policies"): EVERYONE,
    # Administration of the pact (and, object-level, only by the pact coordination's own people).
    ("POST", "/v1/organisations"): PACT_ADMINS,
    ("PUT", "/v1/organisations/{org_id}/members/{sub}"): PACT_ADMINS,
    # Who works where (no address): the organisation's own admins, the pact coordination's coordinators.
    ("GET", "/v1/organisations/{org_id}/members"): frozenset({"admin", "coordinator"}),
    ("POST", "/v1/referral-policies/{org_kind}"): frozenset({"coordinator", "admin"}),
    # A service's own description: its counsellors, or the pact's administrators.
    ("PUT", "/v1/organisations/{org_id}/capacity"): frozenset({"counsellor", "admin"}),
    ("POST", "/v1/organisations/{org_id}/sites"): frozenset({"counsellor", "admin"}),
    ("PUT", "/v1/organisations/{org_id}/referral-mail"): frozenset({"counsellor", "admin"}),
    # Work queues and tasks (ids, statuses, deadlines; no identity data): counsellors and coordinators.
    ("GET", "/v1/organisations/{org_id}/inbox"): CASEWORK,
    ("GET", "/v1/organisations/{org_id}/referrals"): CASEWORK,
    ("GET", "/v1/organisations/{org_id}/tasks"): CASEWORK,
    ("POST", "/v1/tasks/{task_id}/complete"): CASEWORK,
    ("GET", "/v1/jobseekers/{jobseeker_id}/journey"): CASEWORK,
    ("POST", "/v1/jobseekers/{jobseeker_id}/assign-referent"): frozenset({"coordinator"}),
    # People and referrals (identity data, motives, comments): counsellors only.
    ("POST", "/v1/jobseekers"): COUNSELLORS,
    ("GET", "/v1/jobseekers/{jobseeker_id}"): COUNSELLORS,
    ("POST", "/v1/jobseekers/{jobseeker_id}/release"): COUNSELLORS,
    ("POST", "/v1/jobseekers/{jobseeker_id}/exit"): COUNSELLORS,
    ("PUT", "/v1/jobseekers/{jobseeker_id}/exit/follow-ups/{horizon_months}"): COUNSELLORS,
    ("POST", "/v1/jobseekers/{jobseeker_id}/life-events"): COUNSELLORS,
    ("POST", "/v1/referrals"): COUNSELLORS,
    ("GET", "/v1/referrals/{referral_id}"): COUNSELLORS,
    ("POST", "/v1/referrals/{referral_id}/acknowledge"): COUNSELLORS,
    ("POST", "/v1/referrals/{referral_id}/appointment"): COUNSELLORS,
    ("POST", "/v1/referrals/{referral_id}/appointment-outcome"): COUNSELLORS,
    ("POST", "/v1/referrals/{referral_id}/accept"): COUNSELLORS,
    ("POST", "/v1/referrals/{referral_id}/refuse"): COUNSELLORS,
    ("POST", "/v1/referrals/{referral_id}/withdraw"): COUNSELLORS,
    ("POST", "/v1/referrals/{referral_id}/close"): COUNSELLORS,
    # The insertion offer (data·inclusion): read by everyone, described by each organisation.
    ("GET", "/v1/directory/vocabulary"): EVERYONE,
    ("GET", "/v1/directory/services"): EVERYONE,
    ("GET", "/v1/directory/export"): EVERYONE,
    ("POST", "/v1/directory/import"): PACT_ADMINS,
    ("POST", "/v1/organisations/{org_id}/services"): frozenset({"counsellor", "admin"}),
    ("PUT", "/v1/organisations/{org_id}/services/{service_id}"): frozenset({"counsellor", "admin"}),
    ("PUT", "/v1/directory/services/{service_id}/capacity"): frozenset({"counsellor", "admin"}),
    # A person's needs (health ones included): counsellors; their pact-wide counts: coordination, evaluators.
    ("GET", "/v1/jobseekers/{jobseeker_id}/needs"): COUNSELLORS,
    ("POST", "/v1/jobseekers/{jobseeker_id}/needs"): COUNSELLORS,
    ("POST", "/v1/jobseekers/{jobseeker_id}/needs/{need_id}/lift"): COUNSELLORS,
    ("GET", "/v1/jobseekers/{jobseeker_id}/needs/{need_id}/suggestions"): COUNSELLORS,
    ("GET", "/v1/needs/statistics"): frozenset({"coordinator", "evaluator", "admin"}),
    # A caseload (identity data, notes): counsellors; merging duplicate records: the pact coordination.
    ("GET", "/v1/jobseekers"): COUNSELLORS,
    ("PATCH", "/v1/jobseekers/{jobseeker_id}"): COUNSELLORS,
    ("GET", "/v1/jobseekers/{jobseeker_id}/history"): COUNSELLORS,
    ("GET", "/v1/jobseekers/{jobseeker_id}/referrals"): COUNSELLORS,
    ("GET", "/v1/referrals/{referral_id}/notes"): COUNSELLORS,
    ("POST", "/v1/referrals/{referral_id}/notes"): COUNSELLORS,
    ("POST", "/v1/jobseekers/{jobseeker_id}/merge"): frozenset({"coordinator"}),
    # Data-protection rights: the export for those who see the person and the pact's DPO; the erasure by
    # the référent or the pact coordination; the audit log for the DPO alone.
    ("GET", "/v1/jobseekers/{jobseeker_id}/export"): frozenset({"counsellor", "dpo"}),
    ("GET", "/v1/jobseekers/{jobseeker_id}/export.pdf"): frozenset({"counsellor", "dpo"}),
    ("POST", "/v1/jobseekers/{jobseeker_id}/erasure"): frozenset({"counsellor", "coordinator"}),
    ("GET", "/v1/audit"): frozenset({"dpo"}),
}
# Without a token: the process's health, and the API's own description.
PUBLIC = {
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}
Pact = Any  # the `pact` fixture of conftest.py


def test_every_route_is_public_by_name_or_declares_the_roles_of_the_readme_table(stack: Stack) -> None:
    declared = declared_roles(create_app())
    assert {key for key, roles in declared.items() if roles is None} == PUBLIC
    assert {key: roles for key, roles in declared.items() if roles is not None} == RULES


def test_the_openapi_description_names_the_roles_of_each_operation(stack: Stack) -> None:
    paths = create_app().openapi()["paths"]
    for (method, path), roles in RULES.items():
        assert paths[path][method.lower()]["security"] == [{"HTTPBearer": sorted(roles)}], (method, path)


@dataclass
class Api:
    client: httpx.AsyncClient
    issuer: DevIssuer
    org: uuid.UUID

    def headers(self, role: str) -> dict[str, str]:
        """A member of ``org`` holding ``role`` alone (signed as is: it may be unknown to Relais)."""
        claims = {"sub": f"user-{role}", "org_id": str(self.org), "org_kind": "plie", "roles": [role]}
        return {"Authorization": f"Bearer {self.issuer.sign(claims)}"}


@pytest.fixture(scope="module")
async def api(stack: Stack, issuer: DevIssuer) -> AsyncIterator[Api]:
    app = create_app()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://relais") as client,
    ):
        org = uuid.uuid4()
        admin = issuer.token(
            org_id=ReferralSettings().coordination_org_id, org_kind="pact_coordination", roles=["admin"]
        )
        created = await client.post(
            "/v1/organisations",
            headers={"Authorization": f"Bearer {admin}"},
            json={"id": str(org), "name": f"PLIE droits {org.hex[:6]}", "kind": "plie", "departement": "44"},
        )
        assert created.status_code == 201, created.text
        yield Api(client, issuer, org)


def _url(path: str, org: uuid.UUID) -> str:
    """The route's path on the caller's own organisation, and on objects nobody has (ids only)."""
    return path.format(
        org_id=org,
        jobseeker_id=uuid.uuid4(),
        referral_id=uuid.uuid4(),
        task_id=uuid.uuid4(),
        service_id=uuid.uuid4(),
        need_id=uuid.uuid4(),
        horizon_months=6,
        sub="someone",
        org_kind="plie",
    )


@role_walk(RULES)
async def test_a_role_outside_the_routes_rule_gets_403_and_a_role_inside_it_is_not_refused(
    api: Api, method: str, path: str, role: str
) -> None:
    # An empty body: an allowed role gets as far as validation (422) or the object (404, or 200 on its own
    # organisation's queues) and writes nothing; a refused one is stopped before either.
    body: dict[str, object] | None = {} if method in {"POST", "PUT", "PATCH"} else None
    response = await api.client.request(method, _url(path, api.org), headers=api.headers(role), json=body)
    assert_the_role_rule_holds(response, role in RULES[(method, path)])


async def test_an_evaluator_neither_reads_an_inbox_nor_sees_or_completes_its_reorientation_tasks(
    pact: Pact,
) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    refused = await pact.post(f"/v1/referrals/{referral}/refuse", "plie", {"reason": "no_capacity"})
    assert refused.status_code == 200, refused.text
    sender = pact.orgs["mission_locale"]
    [task] = (await pact.get(f"/v1/organisations/{sender}/tasks", "mission_locale")).json()["items"]
    assert task["kind"] == "reorient"

    for org in ("plie", "mission_locale"):
        inbox = await pact.get(f"/v1/organisations/{pact.orgs[org]}/inbox", org, "evaluator")
        assert inbox.status_code == 403
    tasks = await pact.get(f"/v1/organisations/{sender}/tasks", "mission_locale", "evaluator")
    assert tasks.status_code == 403
    completed = await pact.post(f"/v1/tasks/{task['id']}/complete", "mission_locale", None, "evaluator")
    assert completed.status_code == 403
    assert await pact.count(TaskRow, TaskRow.id == uuid.UUID(task["id"]), TaskRow.status == "open") == 1
    # The organisation's counsellor still does.
    assert (await pact.post(f"/v1/tasks/{task['id']}/complete", "mission_locale")).status_code == 200


async def test_a_token_whose_only_role_is_unknown_gets_nothing_not_even_the_directory(pact: Pact) -> None:
    org = pact.orgs["plie"]
    claims = {"sub": "someone", "org_id": str(org), "org_kind": "plie", "roles": [UNKNOWN_ROLE]}
    headers = {"Authorization": f"Bearer {pact.issuer.sign(claims)}"}
    for path in (f"/v1/organisations/{org}/inbox", f"/v1/organisations/{org}/tasks", "/v1/organisations"):
        response = await pact.client.get(path, headers=headers)
        assert response.status_code == 403, path
        assert response.json()["type"].endswith("/forbidden")


async def test_a_refusal_for_the_role_is_audited_with_the_person_it_named(pact: Pact) -> None:
    person = await pact.person()
    refused = await pact.get(f"/v1/jobseekers/{person}", "mission_locale", "evaluator")
    assert refused.status_code == 403
    assert "Morel" not in refused.text
    audit = infra.audit_log.c
    app = pact.client._transport.app
    async with app.state.sessions() as session:
        rows = (
            await session.execute(
                select(audit.action, audit.resource_type, audit.actor_org_id, audit.detail).where(
                    audit.resource_id == person, audit.outcome == "refused"
                )
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("get_jobseeker", "jobseeker", pact.orgs["mission_locale"], "role: GET /v1/jobseekers/{jobseeker_id}")
    ]
