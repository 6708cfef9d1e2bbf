"""Recording that a person named by pseudonymous id was erased, and destroying their key.

Shared by ``taizhang erase-person`` (the operating-system user as actor) and the office's
``POST /api/v1/persons/{person}/erasure`` (the token's name as actor): the erasure is the
fact ``NamedPerson.ErasureRecorded`` in the log, with actor and reason; then the person's key
is destroyed (``taizhang.evidence.personal_data``), so the personal data sealed under it can
no longer be read anywhere. Erasing an erased person records nothing and destroys the key again, in
case an earlier run stopped in between.
"""

from __future__ import annotations

from uuid import uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from taizhang.domain.business_day import business_today
from taizhang.domain.persons import NamedPerson, person_record_id
from taizhang.domain.provenance import Provenance
from taizhang.evidence.personal_data import PersonalKeys
from taizhang.ledger import Ledger
from taizhang.service import Caller


def erase_named_person(
    ledger: Ledger, keys: PersonalKeys, person: str, reason: str, caller: Caller
) -> bool:
    """Record the erasure and destroy the key; False if the person was erased before."""
    recorded = _record(ledger, person, reason, caller)
    keys.erase(person)
    return recorded


def _record(ledger: Ledger, person: str, reason: str, caller: Caller) -> bool:
    provenance = Provenance(uuid4(), business_today(), caller.actor, caller.source)
    for _ in range(2):
        try:
            named = ledger.repository.get(person_record_id(person))
        except AggregateNotFoundError:
            named = NamedPerson.open(provenance, person)
        if named.erased:
            return False
        named.erase(provenance, reason)
        try:
            ledger.save(named)
        except IntegrityError:
            # Another erasure of the same person was stored first: read it back.
            continue
        return True
    return False
