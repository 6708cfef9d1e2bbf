"""People named in the campaign's facts: by pseudonymous id, their names sealed.

A fact that names a person holds the person's pseudonymous id (e.g. ``P000101``) in one
field and, when a name is given, the name sealed under that person's own key in its
companion field (``PERSON_FIELDS``). The API seals the name before anything stores it
(``taizhang.evidence.personal_data``); the domain refuses a name in clear. Erasing the person
destroys the key: the sealed name in the log can no longer be read, and the log and its
hash chain stay as they were.

Facts recorded before names were sealed hold the name in clear and no id (their upcast
gives an empty id): they keep reading as recorded (docs/EVIDENCE.md says what erasure can
and cannot reach there).
"""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

from .base import LedgerAggregate
from .errors import require, require_value
from .provenance import Provenance

# Letters, digits, "-" and "_": a pseudonymous id never spells a name in Chinese characters.
PSEUDONYM = re.compile(r"[A-Za-z0-9_-]{1,100}")
# How sealed text begins (AES-GCM, taizhang.evidence.personal_data); a name in clear never does.
SEALED_PREFIX = "aesgcm1:"
# How views show a person whose key was destroyed.
ERASED = "(erased)"

# Posted event type -> (field holding the pseudonymous id, field holding the sealed name).
PERSON_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "ServiceCommitmentMade": (("member", "member_name"),),
    "ContactPointChosen": (("member", "member_name"),),
    "ProblemListed": (("responsible_person", "responsible_person_name"),),
    "ProblemRevised": (("responsible_person", "responsible_person_name"),),
    "InstructorRegistered": (("person", "person_name"),),
    # Optional: the fact may name no one (an empty id and no name).
    "MobilizationMeetingHeld": (("upper_level_attendee", "upper_level_attendee_name"),),
    "SecretaryTrainingHeld": (("organizer", "organizer_name"),),
    # The signer's note (their name and title as the paper names them), sealed under the key
    # of the person it names, beside the poster's credentials that say who approved.
    "PlanApproved": (("approver_person", "approver_note"),),
    "RectificationVerified": (("verifier_person", "verifier_note"),),
}
# The pairs a fact may leave empty: when the id is empty, so is the sealed text.
OPTIONAL_PERSONS = frozenset(
    {
        "MobilizationMeetingHeld",
        "SecretaryTrainingHeld",
        "PlanApproved",
        "RectificationVerified",
    }
)


def check_person(field: str, person: str, sealed_name: str, name_field: str = "") -> None:
    """``person`` is a pseudonymous id; ``sealed_name`` is empty or sealed, never clear."""
    require_value(
        PSEUDONYM.fullmatch(person) is not None,
        field,
        "pseudonymous_id",
        f"name the person by pseudonymous id (e.g. P000101), never by name: {field}",
    )
    require_value(
        not sealed_name or sealed_name.startswith(SEALED_PREFIX),
        name_field or f"{field}_name",
        "sealed",
        "a person's name is stored only sealed under their key",
    )


def check_optional_person(field: str, person: str, sealed: str, name_field: str) -> None:
    """A person a fact may name: nobody (both empty), or as ``check_person``; sealed text
    without a person to seal it under is refused."""
    if not person:
        require_value(
            not sealed, field, "required", f"{name_field} needs the person's pseudonymous id"
        )
        return
    check_person(field, person, sealed, name_field)


_NAMESPACE = uuid5(NAMESPACE_URL, "https://taizhang.invalid/person")


def person_record_id(person: str) -> UUID:
    return uuid5(_NAMESPACE, person)


class NamedPerson(LedgerAggregate):
    """A person the campaign's facts name by pseudonymous id: the log's record that their
    personal data was erased (who erased it is the provenance's actor, and why)."""

    class Opened(LedgerAggregate.Created):
        person: str

    class ErasureRecorded(LedgerAggregate.Event):
        reason: str

        def apply(self, person: NamedPerson) -> None:
            person.erased = True

    def __init__(self, provenance: Provenance, person: str) -> None:
        self.person = person
        self.erased = False

    @classmethod
    def open(cls, provenance: Provenance, person: str) -> NamedPerson:
        check_person("person", person, "")
        return cls._create(
            cls.Opened, id=person_record_id(person), provenance=provenance, person=person
        )

    def erase(self, provenance: Provenance, reason: str) -> None:
        require(not self.erased, "person", "not_erased", "the person was erased already")
        require_value(bool(reason.strip()), "reason", "required", "say why")
        self.trigger_event(self.ErasureRecorded, provenance=provenance, reason=reason)
