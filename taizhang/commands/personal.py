"""``taizhang erase-person ID --reason TEXT``: erase a person's personal data.

ID is a candidate's id (member development) or the pseudonymous id the campaign's facts name
a person by (``P000101``; an instructor's ``person`` too; ``taizhang.domain.persons``). The erasure
is recorded in the log (``PersonErased`` on the candidate, ``NamedPerson.ErasureRecorded``
for a pseudonymous id: the operating-system user running the command as actor, the reason),
then the person's key is destroyed, so the personal data sealed under it
(taizhang.evidence.personal_data) can no longer be read anywhere. Running it again for an erased
person destroys the key again, in case an earlier run stopped in between.
"""

from __future__ import annotations

import argparse
import getpass
import json
from typing import Any
from uuid import UUID

from taizhang.config import Settings
from taizhang.domain.business_day import business_today
from taizhang.domain.errors import RuleViolation
from taizhang.domain.persons import PSEUDONYM
from taizhang.erasure import erase_named_person
from taizhang.evidence.personal_data import PersonalKeys
from taizhang.ledger import Ledger
from taizhang.plain_service import make_service
from taizhang.service import Caller, Posting

SOURCE = "taizhang-cli"


def _person(value: str) -> UUID | str:
    try:
        return UUID(value)
    except ValueError:
        pass
    if PSEUDONYM.fullmatch(value) is None:
        raise argparse.ArgumentTypeError(f"not an id: {value!r}")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "erase-person", help="erase a person's personal data (destroy their key)"
    )
    parser.add_argument(
        "person", type=_person, metavar="ID", help="a candidate's id or a pseudonymous id"
    )
    parser.add_argument("--reason", required=True, help="why (kept in the log)")
    parser.set_defaults(run=run)


def erase_person(settings: Settings, person_id: UUID | str, reason: str, actor: str) -> bool:
    """Record the erasure and destroy the key; False if the person was erased before."""
    ledger = Ledger(settings)
    try:
        if isinstance(person_id, str):
            return erase_named_person(
                ledger, PersonalKeys(settings), person_id, reason, Caller(actor, SOURCE)
            )
        service = make_service(ledger)
        posting = Posting(
            "PersonErased", business_today(), {"candidate_id": person_id, "reason": reason}
        )
        try:
            service.post(Caller(actor=actor, source=SOURCE), posting)
            recorded = True
        except RuleViolation as error:
            if error.rule != "not_erased":
                raise
            recorded = False
    finally:
        ledger.close()
    PersonalKeys(settings).erase(person_id)
    return recorded


def run(settings: Settings, args: argparse.Namespace) -> int:
    actor = f"operator:{getpass.getuser()}"
    recorded = erase_person(settings, args.person, args.reason, actor)
    print(json.dumps({"person": str(args.person), "erased": True, "recorded_now": recorded}))
    return 0
