"""Export shapes: the ticket export's query string."""

from pydantic import BaseModel, Field


class ExportQuery(BaseModel):
    limit: int = Field(default=1000, ge=1, le=10_000, description="At most this many tickets.")
    cursor: str | None = Field(
        default=None,
        max_length=512,
        description="The `Next-Cursor` header of the previous answer; none: from the start.",
    )
