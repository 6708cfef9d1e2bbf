"""Who said a fact happened, when it happened, and through which system."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from .errors import require_value

MAX_TEXT = 200


@dataclass(frozen=True)
class Provenance:
    """Carried by every event.

    ``occurred_on`` is the business date people report (often late); the time the event
    was recorded is the library's event timestamp. ``event_id`` is ours and names the event
    in corrections; ``client_event_id`` is the integrator's, and makes a retried post
    recognisable.
    """

    event_id: UUID
    occurred_on: date
    actor: str
    source: str
    client_event_id: str | None = None

    def __post_init__(self) -> None:
        require_value(bool(self.actor.strip()), "actor", "required", "actor must not be blank")
        require_value(bool(self.source.strip()), "source", "required", "source must not be blank")
        require_value(len(self.actor) <= MAX_TEXT, "actor", "too_long", "actor is too long")
        require_value(len(self.source) <= MAX_TEXT, "source", "too_long", "source is too long")

    def check_not_in_future(self, today: date) -> None:
        if self.occurred_on <= today:  # the message is only formatted for a refusal
            return
        require_value(
            self.occurred_on <= today,
            "occurred_on",
            "not_in_future",
            f"occurred_on {self.occurred_on} is after today ({today})",
        )
