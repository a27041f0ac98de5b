"""The next deadline of referrals as the pages show it: what it is for, its day, the working days left.

The rule is the domain's (``domain.deadlines.next_deadline``); this reads what it runs on: the policy
version each referral was submitted under and its receiver's calendar (its département's holidays).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.db.models import OrganisationRow
from relais_referral.db.repository import PolicyRepository
from relais_referral.domain.calendar import paris_date, working_days_between
from relais_referral.domain.deadlines import DeadlineKind, ReferralClock, next_deadline, receiver_calendar
from relais_referral.domain.policy import ReferralPolicy


class StoredReferral(ReferralClock, Protocol):
    @property
    def receiver_org_id(self) -> uuid.UUID: ...
    @property
    def policy_version(self) -> int: ...


@dataclass(frozen=True)
class DeadlineAhead:
    kind: DeadlineKind
    due: date
    working_days_left: int  # negative: late


class Deadlines:
    """Next deadlines of a page of referrals: each policy version and receiver read once (a page holds
    few), ``default_departement`` (the setting) standing in for a receiver without a département."""

    def __init__(self, session: AsyncSession, default_departement: str, today: date | None = None) -> None:
        self.session = session
        self.default_departement = default_departement
        self.today = today or paris_date(datetime.now(UTC))
        self._policies: dict[int, ReferralPolicy] = {}
        self._departements: dict[uuid.UUID, str | None] = {}

    async def next_of(
        self, referral: StoredReferral, receiver_departement: str | None = None
    ) -> DeadlineAhead | None:
        """``receiver_departement`` when the caller has read it already (else read here)."""
        if receiver_departement is None:
            receiver_departement = await self._departement(referral.receiver_org_id)
        departement = receiver_calendar(receiver_departement, self.default_departement)
        policy = await self._policy(referral.policy_version)
        deadline = next_deadline(referral, policy, departement, self.today)
        if deadline is None:
            return None
        left = working_days_between(self.today, deadline.due, departement)
        return DeadlineAhead(deadline.kind, deadline.due, left)

    async def _policy(self, version: int) -> ReferralPolicy:
        if version not in self._policies:
            self._policies[version] = await PolicyRepository(self.session).version(version)
        return self._policies[version]

    async def _departement(self, org_id: uuid.UUID) -> str | None:
        if org_id not in self._departements:
            org = await self.session.get(OrganisationRow, org_id)
            self._departements[org_id] = org.departement if org else None
        return self._departements[org_id]
