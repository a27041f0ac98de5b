"""The clauses service's queries: one repository on the unit of work's session."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from relais_clauses.adapters.db.models import (
    ContractRow,
    CountingRulesRow,
    DeclarationReminderRow,
    EligibilityDecisionRow,
    HourDeclarationRow,
    ObligationStateRow,
    OperationRow,
    ParticipantRow,
    WorkContractRow,
)
from relais_shared.auth import Principal


class ClausesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Any) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def operation(self, operation_id: uuid.UUID) -> OperationRow | None:
        return await self.session.get(OperationRow, operation_id)

    async def contract(self, contract_id: uuid.UUID) -> ContractRow | None:
        return await self.session.get(ContractRow, contract_id)

    async def participant(self, participant_id: uuid.UUID) -> ParticipantRow | None:
        return await self.session.get(ParticipantRow, participant_id)

    async def rules(self, buyer_org_id: uuid.UUID, version: int | None = None) -> CountingRulesRow | None:
        stmt = select(CountingRulesRow).where(CountingRulesRow.buyer_org_id == buyer_org_id)
        stmt = stmt.where(CountingRulesRow.version == version) if version else stmt
        row = await self.session.execute(stmt.order_by(CountingRulesRow.version.desc()).limit(1))
        return row.scalar_one_or_none()

    async def decisions(self, participant_id: uuid.UUID) -> list[EligibilityDecisionRow]:
        rows = await self.session.execute(
            select(EligibilityDecisionRow)
            .where(EligibilityDecisionRow.participant_id == participant_id)
            .order_by(EligibilityDecisionRow.decided_on)
        )
        return list(rows.scalars())

    async def work_contracts(self, contract_ids: list[uuid.UUID]) -> list[WorkContractRow]:
        rows = await self.session.execute(
            select(WorkContractRow)
            .where(WorkContractRow.contract_id.in_(contract_ids))
            .order_by(WorkContractRow.id)
        )
        return list(rows.scalars())

    async def declarations(self, work_contract_ids: list[uuid.UUID]) -> list[HourDeclarationRow]:
        if not work_contract_ids:
            return []
        rows = await self.session.execute(
            select(HourDeclarationRow).where(HourDeclarationRow.work_contract_id.in_(work_contract_ids))
        )
        return list(rows.scalars())

    async def latest_versions(self, keys: set[tuple[uuid.UUID, date]]) -> dict[tuple[uuid.UUID, date], int]:
        """The latest version of each (work contract, period) already declared, in one query."""
        if not keys:
            return {}
        found = await self.session.execute(
            select(
                HourDeclarationRow.work_contract_id,
                HourDeclarationRow.period,
                func.max(HourDeclarationRow.version),
            )
            .where(HourDeclarationRow.work_contract_id.in_({k[0] for k in keys}))
            .group_by(HourDeclarationRow.work_contract_id, HourDeclarationRow.period)
        )
        return {(w, p): int(v) for w, p, v in found.all() if (w, p) in keys}

    async def contracts_in_perimeter(self, principal: Principal, is_coordination: bool) -> list[ContractRow]:
        stmt = select(ContractRow).join(OperationRow, OperationRow.id == ContractRow.operation_id)
        if not is_coordination:
            org = principal.org_id
            conditions = []
            if principal.has_role("facilitator"):
                conditions.append(ContractRow.facilitator_org_id == org)
            if principal.has_role("buyer"):
                conditions.append(OperationRow.buyer_org_id == org)
            if principal.has_role("employer"):
                conditions.append(ContractRow.contractor_org_id == org)
            if not conditions:
                return []
            stmt = stmt.where(or_(*conditions))
        rows = await self.session.execute(stmt.order_by(ContractRow.starts_on, ContractRow.reference))
        return list(rows.scalars())

    async def contracts_of_operations(self, operation_ids: list[uuid.UUID]) -> list[ContractRow]:
        rows = await self.session.execute(
            select(ContractRow).where(ContractRow.operation_id.in_(operation_ids))
        )
        return list(rows.scalars())

    async def decisions_of_facilitator(
        self, facilitator_org_id: uuid.UUID, participant_id: uuid.UUID | None, limit: int, offset: int
    ) -> tuple[int, list[EligibilityDecisionRow]]:
        """The decisions a facilitator took, newest first (one page), and how many there are."""
        where = [EligibilityDecisionRow.facilitator_org_id == facilitator_org_id]
        if participant_id is not None:
            where.append(EligibilityDecisionRow.participant_id == participant_id)
        total = await self.session.execute(
            select(func.count()).select_from(EligibilityDecisionRow).where(*where)
        )
        rows = await self.session.execute(
            select(EligibilityDecisionRow)
            .where(*where)
            .order_by(EligibilityDecisionRow.decided_on.desc(), EligibilityDecisionRow.id)
            .limit(limit)
            .offset(offset)
        )
        return int(total.scalar_one()), list(rows.scalars())

    async def operations_of_group(self, group: uuid.UUID) -> list[OperationRow]:
        rows = await self.session.execute(select(OperationRow).where(OperationRow.pooling_group == group))
        return list(rows.scalars())

    # --- the obligation monitor ----------------------------------------------------------------------------

    async def locked_obligation_state(self, contract_id: uuid.UUID) -> ObligationStateRow:
        """The contract's monitor state, created if missing, locked for the rest of the transaction.

        Created by an ``INSERT … ON CONFLICT DO NOTHING`` before the lock, not by a read then an insert: two
        first checks at once (an activity retried beside its first attempt) would both read nothing and
        both insert. Here the second waits on the lock, then sees the first one's reminders and skips them.
        """
        await self.session.execute(
            pg_insert(ObligationStateRow).values(contract_id=contract_id).on_conflict_do_nothing()
        )
        locked = (
            select(ObligationStateRow).where(ObligationStateRow.contract_id == contract_id).with_for_update()
        )
        return (await self.session.execute(locked.execution_options(populate_existing=True))).scalar_one()

    async def obligation_state(self, contract_id: uuid.UUID) -> ObligationStateRow | None:
        return await self.session.get(ObligationStateRow, contract_id)

    async def reminded_periods(self, contract_id: uuid.UUID) -> set[date]:
        found = await self.session.execute(
            select(DeclarationReminderRow.period).where(DeclarationReminderRow.contract_id == contract_id)
        )
        return set(found.scalars())

    async def reminders(self, contract_ids: list[uuid.UUID]) -> list[DeclarationReminderRow]:
        found = await self.session.execute(
            select(DeclarationReminderRow)
            .where(DeclarationReminderRow.contract_id.in_(contract_ids))
            .order_by(DeclarationReminderRow.contract_id, DeclarationReminderRow.period)
        )
        return list(found.scalars())

    async def declared_periods(
        self, work_contract_ids: list[uuid.UUID], periods: set[date]
    ) -> set[tuple[uuid.UUID, date]]:
        """The (work contract, period) pairs among these that have hours declared, whatever the version."""
        found = await self.session.execute(
            select(HourDeclarationRow.work_contract_id, HourDeclarationRow.period)
            .where(
                HourDeclarationRow.work_contract_id.in_(work_contract_ids),
                HourDeclarationRow.period.in_(periods),
            )
            .distinct()
        )
        return set(found.tuples())

    # --- reports -------------------------------------------------------------------------------------------

    async def declarations_in_year(
        self, work_contract_ids: list[uuid.UUID], year: int
    ) -> list[tuple[uuid.UUID, date, int, Decimal]]:
        """(work contract, period, version, hours) of the periods within ``year``: plain tuples, filtered in
        SQL (a Nantes year has tens of thousands of lines)."""
        declared = await self.session.execute(
            select(
                HourDeclarationRow.work_contract_id,
                HourDeclarationRow.period,
                HourDeclarationRow.version,
                HourDeclarationRow.hours,
            ).where(
                HourDeclarationRow.work_contract_id.in_(work_contract_ids),
                HourDeclarationRow.period >= date(year, 1, 1),
                HourDeclarationRow.period < date(year + 1, 1, 1),
            )
        )
        return [(w, p, v, h) for w, p, v, h in declared.all()]

    async def participants(self, participant_ids: set[uuid.UUID]) -> dict[uuid.UUID, ParticipantRow]:
        found = await self.session.execute(
            select(ParticipantRow).where(ParticipantRow.id.in_(participant_ids))
        )
        return {p.id: p for p in found.scalars()}

    async def decisions_by_id(self, decision_ids: set[uuid.UUID]) -> dict[uuid.UUID, EligibilityDecisionRow]:
        found = await self.session.execute(
            select(EligibilityDecisionRow).where(EligibilityDecisionRow.id.in_(decision_ids))
        )
        return {d.id: d for d in found.scalars()}

    # --- erasure -------------------------------------------------------------------------------------------

    async def anonymise_participant(self, participant_id: uuid.UUID) -> None:
        """Keeps the opaque id, the work contracts and the hours; drops what describes the person and the
        references of their proofs (the criteria stay, as categories)."""
        await self.session.execute(
            update(ParticipantRow)
            .where(ParticipantRow.id == participant_id)
            .values(sex=None, age_band=None, qpv_resident=None, anonymised=True)
        )
        await self.session.execute(
            update(EligibilityDecisionRow)
            .where(EligibilityDecisionRow.participant_id == participant_id)
            .values(proofs=[])
        )

    # --- merge of two records of one person ---------------------------------------------------------------

    async def merge_participants(self, kept_id: uuid.UUID, duplicate_id: uuid.UUID) -> bool:
        """The duplicate participant's eligibility decisions and work contracts (and with them their hours)
        become the kept participant's, and the duplicate goes. The kept participant, created as a copy of
        the duplicate if this service did not know it, keeps its own attributes and takes only those it
        lacks (an anonymised one takes none). False when there is no duplicate (already merged, or never
        a participant here): nothing changes."""
        if kept_id == duplicate_id:
            return False
        locked = select(ParticipantRow).where(ParticipantRow.id == duplicate_id).with_for_update()
        duplicate = (await self.session.execute(locked)).scalar_one_or_none()
        if duplicate is None:
            return False
        # Created by an INSERT … ON CONFLICT DO NOTHING, not by a read then an insert: a facilitator's
        # eligibility decision for the kept id may create it at the same moment.
        await self.session.execute(
            pg_insert(ParticipantRow)
            .values(
                id=kept_id,
                sex=duplicate.sex,
                age_band=duplicate.age_band,
                qpv_resident=duplicate.qpv_resident,
                anonymised=duplicate.anonymised,
            )
            .on_conflict_do_nothing()
        )
        kept = (
            await self.session.execute(
                select(ParticipantRow)
                .where(ParticipantRow.id == kept_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one()
        if not kept.anonymised:  # an erased participant is never described again
            for name in ("sex", "age_band", "qpv_resident"):
                if getattr(kept, name) is None and getattr(duplicate, name) is not None:
                    setattr(kept, name, getattr(duplicate, name))
        for model in (EligibilityDecisionRow, WorkContractRow):
            await self.session.execute(
                update(model).where(model.participant_id == duplicate_id).values(participant_id=kept_id)
            )
        if kept.anonymised:  # the duplicate's proofs would describe an erased person again: categories only
            await self.session.execute(
                update(EligibilityDecisionRow)
                .where(EligibilityDecisionRow.participant_id == kept_id)
                .values(proofs=[])
            )
        await self.session.delete(duplicate)  # nothing refers to it any more
        await self.session.flush()
        return True
