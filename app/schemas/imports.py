"""Import shapes: a ticket from another help desk with its whole past, and a batch of them."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.common import AwareDatetime, Strict
from app.schemas.interactions import InteractionCreate
from app.schemas.tickets import TicketCreate

ImportedStatus = Literal["open", "pending", "on_hold", "resolved", "closed"]


class ImportedStatusChange(Strict):
    at: AwareDatetime
    status: ImportedStatus


class ImportedInteraction(InteractionCreate):
    occurred_at: AwareDatetime  # type: ignore[assignment]


_EXAMPLE = {
    "source": "zendesk",
    "external_id": "ZD-4711",
    "subject": "Printer on floor 2 jams",
    "channel": "email",
    "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
    "created_at": "2025-11-03T09:12:00Z",
    "status_changes": [
        {"at": "2025-11-03T09:40:00Z", "status": "open"},
        {"at": "2025-11-04T16:05:00Z", "status": "resolved"},
        {"at": "2025-11-11T16:05:00Z", "status": "closed"},
    ],
    "interactions": [
        {
            "kind": "email",
            "direction": "inbound",
            "author_type": "customer",
            "body": "The printer jams on every page.",
            "occurred_at": "2025-11-03T09:12:00Z",
            "external_id": "zd-comment-1",
        },
        {
            "kind": "email",
            "direction": "outbound",
            "author_type": "agent",
            "author_name": "Grace",
            "body": "A new fuser is on its way.",
            "occurred_at": "2025-11-03T09:40:00Z",
        },
    ],
}


class TicketImport(TicketCreate):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})
    source: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        default="import", description="The help desk it comes from; with external_id, its identity."
    )
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=300)] = Field(  # type: ignore[assignment]
        description="Its id in the source: importing it again returns the first import's ticket."
    )
    created_at: AwareDatetime = Field(  # type: ignore[assignment]
        description="When it was opened there: its clocks start here."
    )
    status_changes: list[ImportedStatusChange] = Field(
        default_factory=list,
        max_length=1000,
        description="Every status it had after `new`, with its time; replayed in time order.",
    )
    interactions: list[ImportedInteraction] = Field(default_factory=list, max_length=2000)


class TicketImportBatch(Strict):
    items: list[TicketImport] = Field(min_length=1, max_length=100)


class ImportItemResult(BaseModel):
    index: int
    status: int = Field(description="201 imported, 200 imported before, else the problem's status.")
    ticket_id: int | None
    problem: dict[str, Any] | None = Field(description="The RFC 9457 problem of a refused item.")


class ImportBatchOut(BaseModel):
    items: list[ImportItemResult]
    imported: int
    existing: int
    refused: int
