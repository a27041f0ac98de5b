"""The organisations directory (annuaire des acteurs) and the versioned referral deadlines."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from relais_referral.db.models import MemberRow, OrganisationRow, PolicyRow, SiteRow
from relais_referral.domain.errors import NotAllowed
from relais_referral.domain.policy import ReferralPolicy
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_shared.auth import Principal

CAPACITY_STATUSES = ("open", "waitlist", "full")


@dataclass(frozen=True)
class CreateOrganisation:
    name: str
    kind: str
    departement: str
    organisation_id: uuid.UUID | None = None
    contact_email: str | None = None
    manager_email: str | None = None


async def create_organisation(
    uow: UnitOfWork, principal: Principal, cmd: CreateOrganisation, ctx: PactContext
) -> OrganisationRow:
    if not ctx.is_pact_admin(principal):
        raise NotAllowed(
            "Seul un administrateur de la coordination du pacte ajoute des structures à l'annuaire."
        )
    row = OrganisationRow(
        id=cmd.organisation_id or uuid.uuid4(),
        name=cmd.name,
        kind=cmd.kind,
        departement=cmd.departement,
        contact_email=cmd.contact_email,
        manager_email=cmd.manager_email,
        capacity_status="open",
    )
    await uow.directory.add(row)
    return row


async def set_capacity(
    uow: UnitOfWork, principal: Principal, org_id: uuid.UUID, status: str, ctx: PactContext
) -> OrganisationRow:
    """A receiving service declares itself open, waitlisted or full (DOMAIN rule 4)."""
    if principal.org_id != org_id and not ctx.is_pact_admin(principal):
        raise NotFound("organisation")
    if not (principal.has_role("counsellor") or ctx.is_pact_admin(principal)):
        raise NotAllowed("Seuls les conseillers de la structure ou un administrateur changent sa capacité.")
    row = await uow.directory.organisation(org_id, for_update=True)
    if row is None:
        raise NotFound("organisation")
    row.capacity_status = status
    return row


@dataclass(frozen=True)
class AddSite:
    name: str
    address: str
    postcode: str
    city: str
    departement: str


async def add_site(
    uow: UnitOfWork, principal: Principal, org_id: uuid.UUID, cmd: AddSite, ctx: PactContext
) -> SiteRow:
    if not (
        ctx.is_pact_admin(principal) or (principal.org_id == org_id and principal.has_role("counsellor"))
    ):
        raise NotAllowed("Seule la structure ou un administrateur décrit ses lieux d'accueil.")
    if await uow.directory.organisation(org_id) is None:
        raise NotFound("organisation")
    row = SiteRow(
        id=uuid.uuid4(),
        organisation_id=org_id,
        name=cmd.name,
        address=cmd.address,
        postcode=cmd.postcode,
        city=cmd.city,
        departement=cmd.departement,
    )
    await uow.directory.add(row)
    return row


async def add_member(
    uow: UnitOfWork,
    principal: Principal,
    org_id: uuid.UUID,
    sub: str,
    display_name: str,
    email: str | None,
    roles: list[str],
    ctx: PactContext,
) -> MemberRow:
    """The directory's contact list; authorisation itself comes from the identity provider's token."""
    if not ctx.is_pact_admin(principal):
        raise NotAllowed("Seul un administrateur de la coordination du pacte gère les membres.")
    if await uow.directory.organisation(org_id) is None:
        raise NotFound("organisation")
    row = MemberRow(organisation_id=org_id, sub=sub, display_name=display_name, email=email, roles=roles)
    await uow.directory.put_member(row)
    return row


async def list_members(
    uow: UnitOfWork, principal: Principal, org_id: uuid.UUID, ctx: PactContext
) -> list[MemberRow]:
    """An organisation's members, for its own administrators and for the pact coordination (its
    coordinators invite evaluators from any organisation, its administrators keep the list); anyone else
    is answered as if the organisation did not exist."""
    own_admin = principal.org_id == org_id and principal.has_role("admin")
    coordination = principal.org_id == ctx.coordination_org_id and (
        principal.has_role("coordinator") or principal.has_role("admin")
    )
    if not (own_admin or coordination) or await uow.directory.organisation(org_id) is None:
        raise NotFound("organisation")
    return await uow.directory.members(org_id)


async def publish_policy(
    uow: UnitOfWork, principal: Principal, org_kind: str, policy: ReferralPolicy, ctx: PactContext
) -> ReferralPolicy:
    """A new version of the deadlines; referrals already sent keep the version they were sent under."""
    if not ctx.is_pact_admin(principal) and not (
        principal.org_id == ctx.coordination_org_id and principal.has_role("coordinator")
    ):
        raise NotAllowed("Seule la coordination du pacte ou un administrateur fixe les délais.")
    version = await uow.policies.next_version()
    values = {k: v for k, v in policy.__dict__.items() if k != "version"}
    await uow.directory.add(
        PolicyRow(org_kind=org_kind, version=version, published_by=principal.sub, **values)
    )
    return ReferralPolicy(version=version, **values)
