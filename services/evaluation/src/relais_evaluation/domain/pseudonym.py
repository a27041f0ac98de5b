"""Pseudonymisation: the store knows a person only as ``subject_key = HMAC(pact key, jobseeker id)``.

The key is the pact's secret (``RELAIS_PACT_KEY``): without it, nobody holding the store can test whether a
known jobseeker id is in it. The id itself is never written anywhere in this service.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from functools import lru_cache


@lru_cache(maxsize=4)
def _keyed(pact_key: str) -> hmac.HMAC:
    """The HMAC keyed once (its inner and outer pads); each pseudonym copies it (a third of the cost)."""
    return hmac.new(pact_key.encode(), digestmod=hashlib.sha256)


# A person's events come close together (a referral's submission, acknowledgement, acceptance): the
# pseudonyms of the persons seen lately are kept in memory, in this process only, not computed per event.
@lru_cache(maxsize=65_536)
def subject_key(pact_key: str, jobseeker_id: uuid.UUID | str) -> str:
    """The person's pseudonym: 64 hexadecimal characters, the same for every event of the person.

    The id is normalised first (``uuid.UUID``), so that an upper-case or braced spelling of the same id
    cannot give a second pseudonym to the same person.
    """
    canonical = str(jobseeker_id if isinstance(jobseeker_id, uuid.UUID) else uuid.UUID(str(jobseeker_id)))
    mac = _keyed(pact_key).copy()
    mac.update(canonical.encode())
    return mac.hexdigest()
