"""Routing rule shapes: RoutingRuleCreate, RoutingRuleUpdate, RoutingRuleOut, the list query."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import (
    OMITTED,
    Channel,
    Id,
    LanguageTag,
    Name,
    Priority,
    QueryIdValue,
    ShortText,
    Strict,
    TicketType,
    Tier,
    no_default,
)
from app.schemas.tickets import Tag


class RoutingConditions(Strict):
    """Every condition given must hold; a list matches any of its values. None: a rule for
    every ticket (put it last)."""

    category_prefix: ShortText | None = Field(
        default=None, description="The category starts with this (case-insensitive)."
    )
    types: list[TicketType] | None = Field(default=None, max_length=10)
    channels: list[Channel] | None = Field(default=None, max_length=10)
    languages: list[LanguageTag] | None = Field(
        default=None, max_length=20, description='"nl" matches "nl-BE".'
    )
    organizations: list[ShortText] | None = Field(
        default=None, max_length=50, description="The customer's organization."
    )
    tags: list[Tag] | None = Field(default=None, max_length=50, description="Any of these.")
    priorities: list[Priority] | None = Field(default=None, max_length=4)


class RoutingRuleUpdate(Strict):
    # May be left out, not set to null: a rule always has these.
    name: Name = OMITTED
    position: int = Field(
        default=None, ge=0, le=1_000_000, json_schema_extra=no_default, description="Lowest first."
    )
    conditions: RoutingConditions = OMITTED
    team_id: Id = OMITTED
    tier: Tier | None = Field(
        default=None,
        description="The team's tier, and only that: a rule routing to a team places tickets at "
        "the team's tier, so another tier is refused (422 naming the field). Default: the "
        "team's tier.",
    )
    active: bool = OMITTED


class RoutingRuleCreate(RoutingRuleUpdate):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Dutch billing",
                    "position": 10,
                    "conditions": {"category_prefix": "billing", "languages": ["nl"]},
                    "team_id": 2,
                }
            ]
        },
    )
    name: Name
    position: int = Field(default=100, ge=0, le=1_000_000, description="Lowest first.")
    conditions: RoutingConditions = Field(default_factory=RoutingConditions)
    team_id: Id
    active: bool = True


class RoutingRuleOut(BaseModel):
    id: int
    name: str
    position: int
    conditions: RoutingConditions
    team_id: int
    tier: int | None
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


class RoutingRuleListQuery(BaseModel):
    """The routing rules in the order they are tried."""

    team_id: QueryIdValue | None = None
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )
