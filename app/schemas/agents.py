"""Agent shapes: AgentCreate, AgentUpdate, AgentOut, AgentListQuery."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import (
    OMITTED,
    Email,
    Id,
    LanguageTag,
    Name,
    QueryIdValue,
    Strict,
    no_default,
)


class AgentUpdate(Strict):
    # May be left out, not set to null: an agent always has these.
    name: Name = OMITTED
    email: Email = OMITTED
    team_id: Id | None = None
    role: Literal["admin", "supervisor", "agent"] = OMITTED
    languages: list[LanguageTag] = Field(default=None, max_length=20, json_schema_extra=no_default)
    active: bool = OMITTED
    # Routing: who assignment may choose
    availability: Literal["available", "away"] = OMITTED
    capacity: int | None = Field(
        default=None, ge=0, le=100000, description="Open tickets at most; null: no limit."
    )


class AgentCreate(AgentUpdate):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Grace Hopper",
                    "email": "grace@desk.example.com",
                    "team_id": 1,
                    "role": "agent",
                    "languages": ["en", "nl"],
                }
            ]
        },
    )
    name: Name
    email: Email
    role: Literal["admin", "supervisor", "agent"] = "agent"
    languages: list[LanguageTag] = Field(default_factory=list, max_length=20)
    active: bool = True
    availability: Literal["available", "away"] = "available"


class AgentOut(BaseModel):
    id: int
    name: str
    email: str
    team_id: int | None
    role: str
    languages: list[str]
    active: bool
    availability: str
    capacity: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class AgentListQuery(BaseModel):
    """The agent list's query string."""

    team_id: QueryIdValue | None = None
    active: bool | None = None
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )
