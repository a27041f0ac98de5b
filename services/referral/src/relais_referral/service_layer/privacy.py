"""Data-protection rights of a person (GDPR): export (art. 15), erasure (art. 17, on request or at the end
of the retention period of its legal basis), and the audit log read by the pact's data-protection officer.

Who may do what, and why:

- **export**: a counsellor of an organisation that sees the person (the person asks their référent or a
  party to their referral, who answers them), or the pact's data-protection officer (role ``dpo`` of the
  pact coordination), who answers requests sent to the pact itself;
- **erasure**: a counsellor of the person's référent organisation (which holds the relationship and the
  legal basis), or a coordinator of the pact coordination (for a person without référent, or when the
  DPO decided); the retention schedule erases with the same command, as the system. It is refused (409)
  while the person has an open referral: it is withdrawn or answered first, so that no workflow keeps
  timing a referral nobody can read any more;
- the audit log: the pact's DPO reads all of it (filtered by person, organisation, period); the DPO of
  another organisation reads the lines of its own organisation's people;
- after an erasure the person is gone: every read answers 404, except to those who may export or
  erase them (the référent organisation, the coordination's DPO and coordinators), who get 410 Gone, so
  that they can answer the person that the erasure was done without anyone else learning the id existed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from relais_referral.domain.calendar import paris_date
from relais_referral.domain.deadlines import add_months
from relais_referral.domain.errors import NotAllowed
from relais_referral.events.contracts import JobseekerErasedV1
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_shared.auth import Principal
from relais_shared.errors import Conflict

ErasureReason = Literal["request", "retention"]
PARIS = ZoneInfo("Europe/Paris")


class Erased(Exception):
    """The person was erased; answered 410 Gone to those who may know it (see the module's rules)."""


@dataclass(frozen=True)
class EraseJobseeker:
    jobseeker_id: uuid.UUID
    reason: ErasureReason = "request"


def system_principal(ctx: PactContext) -> Principal:
    """Who the retention schedule's erasures are written in the audit log as: the pact, no person."""
    return Principal(
        sub="system:retention",
        org_id=ctx.coordination_org_id,
        org_kind="pact_coordination",
        roles=frozenset(),
    )


def _is_pact_dpo(principal: Principal, ctx: PactContext) -> bool:
    return principal.has_role("dpo") and principal.org_id == ctx.coordination_org_id


def _is_pact_coordinator(principal: Principal, ctx: PactContext) -> bool:
    return principal.has_role("coordinator") and principal.org_id == ctx.coordination_org_id


def _may_know_erasure(principal: Principal, person: Any, ctx: PactContext) -> bool:
    return (
        _is_pact_dpo(principal, ctx)
        or _is_pact_coordinator(principal, ctx)
        or (principal.has_role("counsellor") and principal.org_id == person.referent_org_id)
    )


async def erase_jobseeker(
    uow: Any, principal: Principal | None, cmd: EraseJobseeker, ctx: PactContext
) -> datetime:
    """Blank the person's identity and free texts, audit it and announce ``jobseeker.erased.v1``, in one
    transaction (``uow``'s). ``principal`` None: the retention schedule."""
    person = await uow.privacy.person(cmd.jobseeker_id, for_update=True)
    if person is None:
        raise NotFound("jobseeker")
    actor = principal or system_principal(ctx)
    if principal is not None:
        referent_counsellor = principal.has_role("counsellor") and principal.org_id == person.referent_org_id
        if not (referent_counsellor or _is_pact_coordinator(principal, ctx)):
            if person.erased_at is None and await uow.jobseekers.visible_to(person, principal.org_id):
                raise NotAllowed(
                    "seule la structure référente ou la coordination du pacte efface une personne"
                )
            raise NotFound("jobseeker")
    if person.erased_at is not None:
        raise Erased()
    if await uow.privacy.has_open_referrals(person.id):
        raise Conflict(
            "la personne a des orientations ouvertes : retirez-les ou répondez-y avant l'effacement"
        )
    now = datetime.now(UTC)
    await uow.privacy.erase(person.id, at=now, reason=cmd.reason)
    await uow.audit(
        actor, action="erase", resource_type="jobseeker", resource_id=str(person.id), detail=cmd.reason
    )
    uow.publish(JobseekerErasedV1(jobseeker_id=person.id, erased_at=now, reason=cmd.reason))
    return now


async def export_jobseeker(uow: Any, principal: Principal, jobseeker_id: uuid.UUID, ctx: PactContext) -> Any:
    """Everything held on the person (``PersonRecord``), for a caller who may see them; the read is
    audited."""
    person = await uow.privacy.person(jobseeker_id)
    if person is None:
        raise NotFound("jobseeker")
    if person.erased_at is not None:
        if _may_know_erasure(principal, person, ctx):
            raise Erased()
        raise NotFound("jobseeker")
    counsellor = principal.has_role("counsellor") and await uow.jobseekers.visible_to(
        person, principal.org_id
    )
    if not (counsellor or _is_pact_dpo(principal, ctx)):
        raise NotFound("jobseeker")
    await uow.audit(principal, action="export", resource_type="jobseeker", resource_id=str(jobseeker_id))
    return await uow.privacy.record(person)


def retention_cutoffs(
    retention_months: dict[str, int], now: datetime
) -> tuple[dict[str, datetime], datetime]:
    """The last-activity instant before which a person is due, per legal basis (``*``: the others);
    counted in calendar months from today, Paris time, at midnight."""

    def cutoff(months: int) -> datetime:
        return datetime.combine(add_months(paris_date(now), -months), time(), PARIS)

    per_basis = {basis: cutoff(m) for basis, m in retention_months.items() if basis != "*"}
    return per_basis, cutoff(retention_months.get("*", 24))


async def read_audit(
    uow: Any, principal: Principal, ctx: PactContext, **filters: Any
) -> list[dict[str, Any]]:
    """The audit log: all of it for the pact's DPO; for the DPO of another organisation, what its own
    people did (another organisation's lines are outside its perimeter: 404). Reading it is audited."""
    if not principal.has_role("dpo"):
        raise NotAllowed("seul un délégué à la protection des données lit le journal des accès")
    if not _is_pact_dpo(principal, ctx):
        if filters.get("organisation_id") not in (None, principal.org_id):
            raise NotFound("organisation")
        filters["organisation_id"] = principal.org_id
    lines: list[dict[str, Any]] = await uow.privacy.audit_lines(**filters)
    subject = filters.get("jobseeker_id")
    await uow.audit(
        principal, action="read", resource_type="audit_log", resource_id=str(subject) if subject else None
    )
    return lines
