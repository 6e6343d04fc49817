"""Audit log shapes: AuditEntryOut, AuditLogQuery."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.domain import audit
from app.schemas.common import AwareDatetime, QueryIdValue

# One list each (app/domain/audit.py): what the log holds is what its filters accept.
AuditAction = Literal[audit.ACTIONS]  # type: ignore[valid-type]
# Audited tables, and the records whose reads and uses are recorded.
AuditResource = Literal[audit.RESOURCES]  # type: ignore[valid-type]
ActorType = Literal["key", "customer", "system", "database"]


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor_type: ActorType = Field(
        description="key: an API key (`actor_key_id`, and the agent it acts as); customer: a "
        "customer portal token; system: the service's own work (the worker); database: a "
        "change made outside the service (`actor_role` names the database role)."
    )
    actor_key_id: int | None
    actor_agent_id: int | None
    actor_customer_id: int | None
    actor_role: str | None
    action: AuditAction
    resource: str = Field(description="The table written, or the record family read.")
    resource_id: int | None = Field(description="The record's id; null for a list read.")
    ticket_id: int | None = Field(description="The ticket the record is (or belongs to).")
    fields: list[str] | None = Field(
        description="Writes: the names of the fields set or changed (never their values)."
    )
    request_id: str | None
    client_address: str | None


class AuditLogQuery(BaseModel):
    """The audit log's query string: newest entries first."""

    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )
    actor_key_id: QueryIdValue | None = Field(default=None, description="Entries of this API key.")
    resource: AuditResource | None = Field(
        default=None,
        description="Entries about this table (every write of it is recorded), or this record "
        "family read: `ticket_history` a ticket's history read, `webhook_deliveries` a delivery "
        "an admin had sent again.",
    )
    resource_id: QueryIdValue | None = None
    ticket_id: QueryIdValue | None = Field(
        default=None, description="Entries about this ticket or a record of it."
    )
    action: AuditAction | None = Field(
        default=None,
        description="create, update, delete: writes; read, list: reads of personal data; "
        "export: a customer's data export, or a bulk ticket export; erase: an erasure; "
        "redeliver: a webhook delivery sent again.",
    )
    since: AwareDatetime | None = Field(default=None, description="Entries at or after.")
    until: AwareDatetime | None = Field(default=None, description="Entries before.")
