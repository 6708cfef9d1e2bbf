"""Personal data at the door of the write path: a person's name is sealed under their key
before anything stores it, the district that named a person is noted (its office may erase
them), and an erasure destroys the key once stored (taizhang.evidence.personal_data)."""

from __future__ import annotations

import dataclasses

from taizhang.api.problems import ApiProblem, error_item
from taizhang.api.runtime import runtime, scope
from taizhang.domain.persons import PERSON_FIELDS
from taizhang.service import Posting


def sealed(posting: Posting) -> Posting:
    """A person's name is sealed under their key before anything stores it: the log, the
    receipts and the service only ever see the sealed text (taizhang.evidence.personal_data; for
    the people the campaign's facts name, taizhang.domain.persons)."""
    if posting.type == "PersonalDataRecorded":
        data = dict(posting.data)
        data["sealed_name"] = runtime().personal_keys.seal(
            data["candidate_id"], "name", data.pop("name")
        )
        return dataclasses.replace(posting, data=data)
    named = PERSON_FIELDS.get(posting.type, ())
    if not any(posting.data.get(name) for _, name in named):
        return posting
    data = dict(posting.data)
    for person, name in named:
        if data.get(name) and not data.get(person):
            # Nothing to seal it under: refused before anything stores it, never in clear.
            raise ApiProblem(
                422,
                f"{name} needs the person's pseudonymous id in {person}",
                slug="validation",
                errors=[
                    error_item(
                        f"data.{person}",
                        "required",
                        f"{name} is stored sealed under the key of the person {person} names",
                    )
                ],
            )
        if data.get(name):
            data[name] = runtime().personal_keys.seal(data[person], name, data[name], names=person)
    return dataclasses.replace(posting, data=data)


def note_districts(postings: list[Posting]) -> None:
    """Who may erase the people a stored posting names: their district's office."""
    named = [
        (posting.data[person], posting.data)
        for posting in postings
        for person, _ in PERSON_FIELDS.get(posting.type, ())
        if posting.data.get(person)
    ]
    if not named:
        return
    caller_scope = scope()
    pairs = []
    for person, data in named:
        district = caller_scope.district_named(data)
        if district is not None:
            pairs.append((person, district))
    runtime().personal_keys.named_in(pairs)


def erase_keys(postings: list[Posting]) -> None:
    """Once an erasure is stored, the person's key is destroyed (again, if a retry)."""
    for posting in postings:
        if posting.type == "PersonErased":
            runtime().personal_keys.erase(posting.data["candidate_id"])
