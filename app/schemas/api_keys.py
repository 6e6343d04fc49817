"""API key shapes: ApiKeyCreate, ApiKeyRotate, ApiKeyOut, ApiKeyCreated (the secret, once),
ApiKeyListQuery; CustomerTokenOut, a customer portal's token, and CustomerTokensRevoked."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import AwareDatetime, Channel, Id, Name, Strict

Role = Literal["admin", "supervisor", "agent", "integration", "viewer"]
ScopeItem = Channel | Literal["own"]


class ApiKeyCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "email gateway", "role": "integration", "scope": ["email", "own"]}
            ]
        },
    )
    name: Name
    role: Role
    agent_id: Id | None = Field(
        default=None,
        description="The agent this key acts as: it authors its interactions and history "
        "under the agent's name, and an agent or supervisor key sees the agent's team's tickets "
        "and those assigned to the agent.",
    )
    expires_at: AwareDatetime | None = Field(
        default=None,
        description="When the key stops working (a 401 after); must be in the future; none: never.",
    )
    scope: Annotated[list[ScopeItem], Field(min_length=1, max_length=10)] | None = Field(
        default=None,
        description="Integration keys only: the tickets the key sees and changes, those of "
        "these channels and/or `own` (those it created, or a key it rotated created); none: "
        "every ticket.",
    )


class ApiKeyRotate(Strict):
    """A rotation's options: the successor's own expiry."""

    model_config = ConfigDict(extra="forbid")
    expires_at: AwareDatetime | None = Field(
        default=None,
        description="When the new key stops working; must be in the future; none: never.",
    )


class ApiKeyOut(BaseModel):
    id: int
    name: str
    role: str
    prefix: str = Field(description="The first characters of the key, to recognise it by.")
    agent_id: int | None
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = Field(
        default=None,
        description="When the key stops working; a rotated key's is the end of its grace period.",
    )
    last_used_at: datetime | None = Field(
        default=None, description="The last request made with it (to the minute)."
    )
    replaces_id: int | None = Field(default=None, description="The key this one rotated.")
    scope: list[str] | None = None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret itself. Shown once: only its hash is stored.")


class ApiKeyListQuery(BaseModel):
    """The API key list's query string: keys in id order, revoked ones too."""

    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


class CustomerTokenOut(BaseModel):
    """A short-lived token for one customer's portal: `Authorization: Bearer <token>` lists and
    reads that customer's tickets, their public interactions, and adds the customer's reply."""

    token: str
    token_id: int = Field(
        description="The token's id: revoke it with DELETE /v1/customers/{id}/tokens/{token_id}."
    )
    customer_id: int
    expires_at: datetime


class CustomerTokensRevoked(BaseModel):
    """The customer's tokens a revocation stopped (none when they were revoked or expired
    already)."""

    customer_id: int
    revoked_token_ids: list[int]
    revoked_at: datetime
