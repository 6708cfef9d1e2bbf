import pytest

from taizhang.domain.errors import InvalidValue
from taizhang.domain.vocabulary import (
    ALL_VOCABULARIES,
    CommitteeKind,
    Formation,
    ProblemCategory,
    RectificationStatus,
)
from tests.unit.factories import refused


@pytest.mark.parametrize("vocabulary", ALL_VOCABULARIES, ids=lambda v: v.__name__)
def test_every_value_has_a_snake_case_key_and_both_labels(vocabulary):
    for member in vocabulary:
        assert member.value == member.value.lower().replace(" ", "_")
        assert member.zh.strip() and member.en.strip()
        assert str(member) == member.value
        assert vocabulary.of(member.value, "f") is member
        assert vocabulary.of(member, "f") is member
    assert vocabulary.labels() == {m.value: {"zh": m.zh, "en": m.en} for m in vocabulary}


def test_the_words_of_domain_md():
    assert [m.value for m in CommitteeKind] == [
        "town",
        "subdistrict",
        "non_public_sector",
        "social_org_sector",
        "competent_department",
    ]
    assert [m.value for m in Formation] == [
        "standalone",
        "joint",
        "affiliated",
        "online",
        "mobile",
    ]
    assert ProblemCategory.FOUR_WINDS.zh == "四风"
    assert [m.value for m in RectificationStatus] == ["listed", "in_progress", "done", "verified"]


def test_unknown_value_is_refused_naming_the_field_and_the_allowed_values():
    with refused(InvalidValue, "kind", "known_value"):
        CommitteeKind.of("village", "kind")
    with pytest.raises(InvalidValue, match="town, subdistrict"):
        CommitteeKind.of("village", "kind")


def test_a_member_of_another_vocabulary_is_refused():
    with refused(InvalidValue, "formation", "known_value"):
        Formation.of(CommitteeKind.TOWN, "formation")
