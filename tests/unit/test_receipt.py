from datetime import date
from uuid import uuid4

import pytest

from taizhang.domain.errors import InvalidValue
from taizhang.domain.provenance import Provenance
from taizhang.domain.receipt import Receipt, receipt_id
from tests.unit.factories import prov, refused


def test_receipt_id_is_derived_from_source_and_client_event_id():
    assert receipt_id("oa-system", "42") == receipt_id("oa-system", "42")
    assert receipt_id("oa-system", "42") != receipt_id("other-system", "42")
    assert receipt_id("oa-system", "42") != receipt_id("oa-system", "43")
    # The separator keeps ("a", "bc") and ("ab", "c") apart.
    assert receipt_id("a", "bc") != receipt_id("ab", "c")


def test_issued_receipt_holds_the_digest_and_first_answer():
    answer = {"event_id": str(uuid4()), "version": 3}
    r = Receipt.issue(
        prov(), source="oa-system", client_event_id="42", request_digest="abc", answer=answer
    )
    assert r.id == receipt_id("oa-system", "42")
    assert (r.request_digest, r.answer, r.version) == ("abc", answer, 1)


@pytest.mark.parametrize(
    ("actor", "source", "field", "rule"),
    [
        (" ", "s", "actor", "required"),
        ("a", "", "source", "required"),
        ("a" * 201, "s", "actor", "too_long"),
        ("a", "s" * 201, "source", "too_long"),
    ],
)
def test_provenance_needs_actor_and_source(actor, source, field, rule):
    with refused(InvalidValue, field, rule):
        Provenance(uuid4(), date(2014, 5, 1), actor, source)


def test_provenance_refuses_a_future_date():
    p = prov(date(2014, 5, 2))
    p.check_not_in_future(date(2014, 5, 2))
    with refused(InvalidValue, "occurred_on", "not_in_future"):
        p.check_not_in_future(date(2014, 5, 1))
