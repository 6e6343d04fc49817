"""Team shapes: TeamCreate, TeamUpdate, TeamOut, TeamListQuery."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.common import OMITTED, Id, Name, Strict, Tier

# Routing: how a team's new tickets are assigned to its agents
Assignment = Literal["none", "round_robin", "least_open"]


class TeamUpdate(Strict):
    # May be left out, not set to null: a team always has these.
    name: Name = OMITTED
    tier: Tier = OMITTED
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    supervisor_id: Id | None = Field(
        default=None, description="The agent hierarchical escalations of the team go to."
    )
    # How new tickets are assigned: none, round_robin or least_open.
    assignment: Assignment = OMITTED


class TeamCreate(TeamUpdate):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Service desk", "tier": 1, "description": "First line"}]
        },
    )
    name: Name
    tier: Tier = 1
    assignment: Assignment = "none"


class TeamOut(BaseModel):
    id: int
    name: str
    tier: int
    description: str | None
    supervisor_id: int | None
    assignment: str
    created_at: datetime
    updated_at: datetime
    version: int


class TeamListQuery(BaseModel):
    """The team list's query string."""

    tier: Tier | None = None
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )
