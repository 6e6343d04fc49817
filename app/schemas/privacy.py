"""Personal data and backup shapes: CustomerExport, ErasureOut, BackupOut."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.audit import AuditEntryOut
from app.schemas.customers import CustomerOut
from app.schemas.followups import CallbackOut
from app.schemas.history import HistoryEntryOut
from app.schemas.inbound import InboundEmailOut
from app.schemas.interactions import InteractionOut
from app.schemas.surveys import SurveyOut
from app.schemas.tickets import TicketOut

ErasureReason = Literal["request", "retention"]


class ErasureOut(BaseModel):
    """A customer's erasure: when, why, and the tickets whose personal data went with it."""

    attachment_ids: list[int] = Field(
        default_factory=list,
        description="The files on those tickets whose name and content were erased (the "
        "content deleted from the storage backend holding it, unless a file of someone not "
        "erased has the same content).",
    )
    customer_id: int
    erased_at: datetime
    reason: ErasureReason = Field(
        description="request: `POST /v1/customers/{id}/erase`; retention: the worker, once the "
        "last of the customer's tickets had been closed for HELPDESK_RETENTION_DAYS."
    )
    ticket_ids: list[int] = Field(
        description="The customer's tickets whose personal data is erased (subject, "
        "description, asset fields, interaction bodies, callbacks, history values); their "
        "status, priority, SLA and timestamps are kept for the metrics."
    )


class TicketErasureOut(BaseModel):
    ticket_id: int
    erased_at: datetime
    reason: ErasureReason


class ExportedTicket(BaseModel):
    ticket: TicketOut
    interactions: list[InteractionOut] = Field(description="Public and internal, in order.")
    callbacks: list[CallbackOut]
    history: list[HistoryEntryOut]


class CustomerExport(BaseModel):
    """Everything the help desk holds about one customer, as of `exported_at` (one snapshot)."""

    exported_at: datetime
    customer: CustomerOut
    tickets: list[ExportedTicket]
    interactions_elsewhere: list[InteractionOut] = Field(
        description="Interactions the customer wrote on tickets that are not theirs."
    )
    audit: list[AuditEntryOut] = Field(
        description="Audit log entries about the customer's record and tickets, oldest first."
    )
    erasure: ErasureOut | None = Field(description="The customer's erasure, if erased.")
    erased_tickets: list[TicketErasureOut]
    surveys: list[SurveyOut] = Field(
        description="The customer's survey answers, and those about their tickets."
    )
    received_emails: list[InboundEmailOut] = Field(
        description="Mail received on their tickets or from their address (auto-replies and "
        "bounces included, which are on no ticket's interactions)."
    )
    participating_ticket_ids: list[int] = Field(
        default_factory=list,
        description="Tickets not theirs they are a participant of (copied, following).",
    )


class BackupTable(BaseModel):
    rows: int
    checksum: str = Field(description="Order-independent checksum of the table's rows.")


class BackupOut(BaseModel):
    """A successful backup (`helpdesk backup`), and when `--verify` last restored it."""

    id: int
    taken_at: datetime
    file: str = Field(description="The dump's path on the machine that took it.")
    bytes: int
    sha256: str
    schema_revision: str | None
    tables: dict[str, BackupTable]
    verified_at: datetime | None
