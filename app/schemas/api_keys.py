"""API key shapes: ApiKeyCreate, ApiKeyOut, ApiKeyCreated (the secret, once), ApiKeyListQuery."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import Id, Name, Strict

Role = Literal["admin", "supervisor", "agent", "integration", "viewer"]


class ApiKeyCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "email gateway", "role": "integration"}]},
    )
    name: Name
    role: Role
    agent_id: Id | None = Field(
        default=None, description="The agent this key acts as (authors its interactions)."
    )


class ApiKeyOut(BaseModel):
    id: int
    name: str
    role: str
    prefix: str = Field(description="The first characters of the key, to recognise it by.")
    agent_id: int | None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret itself. Shown once: only its hash is stored.")


class ApiKeyListQuery(BaseModel):
    """The API key list's query string: keys in id order, revoked ones too."""

    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )
