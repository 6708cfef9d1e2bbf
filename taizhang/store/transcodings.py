"""How domain values that JSON cannot hold round-trip through the event store."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Transcoder, Transcoding

from taizhang.domain.grading_criteria import CriterionDefinition, Grade, UpgradingStatus
from taizhang.domain.phases import PhaseDefinition
from taizhang.domain.provenance import Provenance
from taizhang.domain.vocabulary import ALL_VOCABULARIES, Labelled
from taizhang.domain.yearly_review import AssessmentResult, FundKind


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ProvenanceAsDict(Transcoding):
    type = Provenance
    name = "provenance"

    def encode(self, obj: Provenance) -> dict[str, Any]:
        return {
            "event_id": obj.event_id.hex,
            "occurred_on": obj.occurred_on.isoformat(),
            "actor": obj.actor,
            "source": obj.source,
            "client_event_id": obj.client_event_id,
        }

    def decode(self, data: dict[str, Any]) -> Provenance:
        # Bypass __post_init__: a stored fact is never refused on the way back in.
        provenance = object.__new__(Provenance)
        object.__setattr__(provenance, "event_id", UUID(data["event_id"]))
        object.__setattr__(provenance, "occurred_on", date.fromisoformat(data["occurred_on"]))
        object.__setattr__(provenance, "actor", data["actor"])
        object.__setattr__(provenance, "source", data["source"])
        object.__setattr__(provenance, "client_event_id", data["client_event_id"])
        return provenance


class PhaseDefinitionAsDict(Transcoding):
    type = PhaseDefinition
    name = "phase_definition"

    def encode(self, obj: PhaseDefinition) -> dict[str, Any]:
        return {
            "key": obj.key,
            "name_zh": obj.name_zh,
            "name_en": obj.name_en,
            "order": obj.order,
            "deadline": obj.deadline.isoformat() if obj.deadline else None,
            "done_when": list(obj.done_when),
            "started_by": list(obj.started_by),
            "due": list(obj.due),
        }

    def decode(self, data: dict[str, Any]) -> PhaseDefinition:
        return PhaseDefinition(
            key=data["key"],
            name_zh=data["name_zh"],
            name_en=data["name_en"],
            order=data["order"],
            deadline=date.fromisoformat(data["deadline"]) if data["deadline"] else None,
            done_when=tuple(data["done_when"]),
            started_by=tuple(data["started_by"]),
            # Recorded before deadlines could bind some milestones: they bound them all.
            due=tuple(data.get("due", ())),
        )


class CriterionDefinitionAsDict(Transcoding):
    type = CriterionDefinition
    name = "criterion_definition"

    def encode(self, obj: CriterionDefinition) -> dict[str, Any]:
        return {"key": obj.key, "name_zh": obj.name_zh, "name_en": obj.name_en, "order": obj.order}

    def decode(self, data: dict[str, Any]) -> CriterionDefinition:
        return CriterionDefinition(data["key"], data["name_zh"], data["name_en"], data["order"])


def vocabulary_transcoding(vocabulary: type[Labelled]) -> Transcoding:
    """One transcoding per vocabulary, named after it, storing the plain value."""

    class VocabularyAsValue(Transcoding):
        type = vocabulary
        name = vocabulary.__name__

        def encode(self, obj: Labelled) -> str:
            return str(obj.value)

        def decode(self, data: str) -> Labelled:
            return vocabulary(data)

    return VocabularyAsValue()


def register_transcodings(transcoder: Transcoder) -> None:
    transcoder.register(DateAsISO())  # type: ignore[attr-defined]
    transcoder.register(ProvenanceAsDict())  # type: ignore[attr-defined]
    transcoder.register(PhaseDefinitionAsDict())  # type: ignore[attr-defined]
    transcoder.register(CriterionDefinitionAsDict())  # type: ignore[attr-defined]
    for vocabulary in (*ALL_VOCABULARIES, Grade, UpgradingStatus, AssessmentResult, FundKind):
        transcoder.register(vocabulary_transcoding(vocabulary))  # type: ignore[attr-defined]
