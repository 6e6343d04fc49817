"""A ticket's history as the API shows it: HistoryEntryOut."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class HistoryEntryOut(BaseModel):
    id: int
    ticket_id: int
    at: datetime
    action: str = Field(description="created, changed, interaction, linked, split, …")
    field: str | None
    old_value: Any
    new_value: Any
    actor_type: str
    actor_name: str | None
    interaction_id: int | None
    note: str | None


class HistoryListQuery(BaseModel):
    """A ticket's history, oldest first, in the order the changes were made."""

    limit: int = Field(default=100, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )
