"""The pact's insertion offer: services described with the data·inclusion schema, imported and exported in
its JSON format, and matched to a person's needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from data_inclusion.schema.v1 import Service, Structure
from pydantic import ValidationError

from relais_referral.db.models import OfferServiceRow, OrganisationRow
from relais_referral.domain.calendar import paris_date
from relais_referral.domain.errors import DomainError, NotAllowed
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_referral.territory import Territory
from relais_shared.auth import Principal

SOURCE = "relais"
# Structures and services of another source get stable Relais ids derived from theirs.
_FOREIGN_IDS = uuid.UUID("6d1f3f0e-2b8a-5f43-8c1e-0c7b9f1d5a20")
# What the schema sets from the directory itself, not the caller.
MANAGED_FIELDS = ("source", "structure_id", "id", "date_maj")


class InvalidOffer(DomainError):
    """A service or a directory file the national schema refuses; ``errors`` name each field."""

    def __init__(self, detail: str, errors: list[dict[str, str]]) -> None:
        super().__init__(detail)
        self.errors = errors


def _errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    return [
        {
            "field": prefix + ".".join(str(p) for p in err["loc"]),
            "message": err["msg"],
            "code": err["type"],
        }
        for err in exc.errors(include_input=False, include_url=False)
    ]


def canonical(service: Service) -> dict[str, Any]:
    """The JSON document of a validated service, its sets as sorted lists: the schema types thematics,
    publics and modes as sets, which serialise in an order that changes from one process to the next,
    and an export must read the same every time."""
    document = service.model_dump(mode="json")
    for name, value in document.items():
        if isinstance(getattr(service, name), (set, frozenset)):
            document[name] = sorted(value)
    return document


def validate_service(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the data·inclusion package validates and normalises it."""
    try:
        return canonical(Service.model_validate(document))
    except ValidationError as exc:
        raise InvalidOffer("Service refusé par le schéma data·inclusion.", _errors(exc)) from exc


def _columns(row: OfferServiceRow, document: dict[str, Any], territory: Territory) -> None:
    """The columns the search ranks on, derived from the document and the official division data."""
    commune = territory.commune(document.get("code_insee"))
    if commune is None and document.get("code_postal"):
        candidates = territory.communes_of_postcode(document["code_postal"])
        commune = candidates[0] if len(candidates) == 1 else None
    row.name = document["nom"]
    row.document = document
    row.thematiques = sorted(document.get("thematiques") or [])
    row.publics = sorted(document.get("publics") or [])
    row.zone = sorted(document.get("zone_eligibilite") or [])
    row.code_insee = commune.code if commune else None
    row.epci = commune.epci if commune else None
    row.departement = commune.departement if commune else None
    row.latitude = document.get("latitude")
    row.longitude = document.get("longitude")
    row.updated_at = datetime.now(UTC)


@dataclass(frozen=True)
class PublishService:
    organisation_id: uuid.UUID
    fields: dict[str, Any]  # the data·inclusion Service fields, without MANAGED_FIELDS
    service_id: uuid.UUID | None = None
    capacity_status: str = "open"


def _may_describe(principal: Principal, org_id: uuid.UUID, ctx: PactContext) -> bool:
    return ctx.is_pact_admin(principal) or (principal.org_id == org_id and principal.has_role("counsellor"))


def last_update(now: datetime, validators_today: date) -> date:
    """A service's ``date_maj``: the day in Paris, but never after the day data·inclusion's own check calls
    today (the process's local date, UTC in a container): from midnight to 1 a.m. in Paris (2 a.m. in
    summer) the Paris date is already tomorrow there, and every publication was refused as "in the future"."""
    return min(paris_date(now), validators_today)


async def publish_service(
    uow: UnitOfWork, principal: Principal, cmd: PublishService, ctx: PactContext, territory: Territory
) -> OfferServiceRow:
    """Add or replace one of an organisation's services (its counsellors, or the pact's administrators)."""
    if not _may_describe(principal, cmd.organisation_id, ctx):
        raise NotAllowed("Seule la structure ou un administrateur décrit ses services.")
    if await uow.directory.organisation(cmd.organisation_id) is None:
        raise NotFound("organisation")
    row = await uow.offer.get(cmd.service_id, for_update=True) if cmd.service_id else None
    if row is not None and row.organisation_id != cmd.organisation_id:
        raise NotFound("service")
    service_id = cmd.service_id or uuid.uuid4()
    document = validate_service(
        {
            **cmd.fields,
            "source": SOURCE,
            "structure_id": str(cmd.organisation_id),
            "id": str(service_id),
            "date_maj": last_update(datetime.now(UTC), date.today()).isoformat(),
        }
    )
    if row is None:
        row = OfferServiceRow(id=service_id, organisation_id=cmd.organisation_id)
        uow.offer.add(row)
    row.capacity_status = cmd.capacity_status
    _columns(row, document, territory)
    await uow.audit(principal, action="publish", resource_type="offer_service", resource_id=str(service_id))
    return row


async def set_service_capacity(
    uow: UnitOfWork, principal: Principal, service_id: uuid.UUID, status: str, ctx: PactContext
) -> OfferServiceRow:
    row = await uow.offer.get(service_id, for_update=True)
    if row is None:
        raise NotFound("service")
    if not _may_describe(principal, row.organisation_id, ctx):
        raise NotAllowed("Seule la structure ou un administrateur change la capacité d'un service.")
    row.capacity_status = status
    row.updated_at = datetime.now(UTC)
    return row


# --- the data·inclusion JSON format of the whole directory ---------------------------------------------


def structure_name(org: OrganisationRow) -> str:
    """The name as the schema accepts it (3 to 150 characters). Names are entered within those bounds;
    one stored under the former, wider bounds (2 to 200) is completed with its kind or shortened."""
    name = org.name.strip()
    if len(name) < 3:
        name = f"{name} ({org.kind})"
    return name if len(name) <= 150 else name[:149].rstrip() + "…"


def structure_document(org: OrganisationRow) -> dict[str, Any]:
    return Structure(
        source=SOURCE,
        id=str(org.id),
        nom=structure_name(org),
        date_maj=org.created_at.date() if org.created_at else date.today(),
        courriel=org.contact_email,
    ).model_dump(mode="json")


async def export_directory(uow: UnitOfWork) -> dict[str, list[dict[str, Any]]]:
    """The pact's directory as data·inclusion structures and services (what the national hub reads)."""
    return {
        "structures": [structure_document(org) for org in await uow.offer.organisations()],
        "services": [row.document for row in await uow.offer.all()],
    }


def _relais_id(source: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.uuid5(_FOREIGN_IDS, f"{source}:{value}")


@dataclass(frozen=True)
class ImportReport:
    structures_added: int
    structures_updated: int
    services_added: int
    services_updated: int


async def import_directory(
    uow: UnitOfWork, principal: Principal, payload: Any, ctx: PactContext, territory: Territory
) -> ImportReport:
    """All or nothing: every structure and service is validated first; one refused item imports nothing
    and the answer names each one. Structures new to the pact join it as associations."""
    if not ctx.is_pact_admin(principal):
        raise NotAllowed("Seul un administrateur de la coordination du pacte importe l'annuaire.")
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("structures", []), list)
        or not isinstance(payload.get("services", []), list)
    ):
        raise InvalidOffer(
            "Fichier attendu : un objet JSON avec les listes « structures » et « services ».",
            [{"field": "body", "message": "expected {structures: [...], services: [...]}", "code": "type"}],
        )
    errors: list[dict[str, str]] = []
    structures: list[Structure] = []
    services: list[Service] = []
    for i, item in enumerate(payload.get("structures", [])):
        try:
            structures.append(Structure.model_validate(item))
        except ValidationError as exc:
            errors.extend(_errors(exc, f"structures[{i}]{_named(item)}."))
    for i, item in enumerate(payload.get("services", [])):
        try:
            services.append(Service.model_validate(item))
        except ValidationError as exc:
            errors.extend(_errors(exc, f"services[{i}]{_named(item)}."))
    org_ids = {(s.source, s.id): _relais_id(s.source, s.id) for s in structures}
    known = {org.id: org for org in await uow.offer.organisations()}
    for i, service in enumerate(services):
        org_id = org_ids.get((service.source, service.structure_id)) or _relais_id(
            service.source, service.structure_id
        )
        if org_id not in known and org_id not in org_ids.values():
            errors.append(
                {
                    "field": f"services[{i}] ({service.id}).structure_id",
                    "message": f"structure {service.structure_id} absente du fichier et de l'annuaire",
                    "code": "unknown_structure",
                }
            )
    for i, structure in enumerate(structures):
        org_id = org_ids[(structure.source, structure.id)]
        if org_id not in known and _departement_of(structure, territory) is None:
            errors.append(
                {
                    "field": f"structures[{i}] ({structure.id}).code_insee",
                    "message": "commune ou code postal requis pour une structure nouvelle dans le pacte",
                    "code": "missing_place",
                }
            )
    if errors:
        raise InvalidOffer(
            f"{len(errors)} erreur(s) : rien n'a été importé. Corrigez le fichier et importez-le à nouveau.",
            errors,
        )
    added = updated = 0
    for structure in structures:
        org_id = org_ids[(structure.source, structure.id)]
        org = known.get(org_id)
        if org is None:
            org = OrganisationRow(
                id=org_id,
                name=structure.nom,
                kind="association",
                departement=_departement_of(structure, territory) or ctx.departement,
                contact_email=structure.courriel,
                capacity_status="open",
            )
            await uow.directory.add(org)
            known[org_id] = org
            added += 1
        else:
            org.name, org.contact_email = structure.nom, structure.courriel
            updated += 1
    services_added = services_updated = 0
    for service in services:
        service_id = _relais_id(service.source, service.id)
        org_id = org_ids.get((service.source, service.structure_id)) or _relais_id(
            service.source, service.structure_id
        )
        row = await uow.offer.get(service_id, for_update=True)
        if row is None:
            row = OfferServiceRow(id=service_id, organisation_id=org_id, capacity_status="open")
            uow.offer.add(row)
            services_added += 1
        else:
            row.organisation_id = org_id
            services_updated += 1
        _columns(row, canonical(service), territory)
    await uow.audit(
        principal,
        action="import",
        resource_type="directory",
        resource_id=None,
        detail=f"{len(structures)} structures, {len(services)} services",
    )
    return ImportReport(added, updated, services_added, services_updated)


def _named(item: Any) -> str:
    return f" ({item['id']})" if isinstance(item, dict) and isinstance(item.get("id"), str) else ""


def _departement_of(structure: Structure, territory: Territory) -> str | None:
    commune = territory.commune(structure.code_insee)
    if commune is None and structure.code_postal:
        found = territory.communes_of_postcode(structure.code_postal)
        commune = found[0] if found else None
    return commune.departement if commune else None
