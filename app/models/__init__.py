"""The tables (SQLModel), one module per family. The schema itself only ever changes through an
Alembic migration; importing this package registers every table on `SQLModel.metadata`."""

from sqlmodel import SQLModel

from app.models.attachments import Attachment, AttachmentChunk
from app.models.events import OutboxEvent, WebhookDelivery, WebhookSubscription
from app.models.inbound import InboundEmail, OutboundEmail, TicketImport
from app.models.kb import KbArticle, KbLink, KbRevision, KbSearch, KbWord
from app.models.metrics import SurveyResponse, TicketKeys
from app.models.people import Agent, ApiKey, Customer, CustomerToken, Team
from app.models.qa import (
    QaAssignment,
    QaAssignmentItem,
    QaCalibration,
    QaDispute,
    QaReview,
    QaScorecard,
    QaScorecardVersion,
)
from app.models.reports import AuditReport
from app.models.rollups import MetricFeed, MetricRollup, MetricTicket
from app.models.routing import Escalation, EscalationMatrixRow, RoutingRule
from app.models.sla import (
    BusinessCalendarRow,
    Callback,
    ConfigRevision,
    PriorityMatrixRow,
    Reminder,
    SlaEvent,
    SlaPolicy,
    Timer,
)
from app.models.system import (
    AuditEntry,
    Backup,
    IdempotentRequest,
    PersonalDataErasure,
    ServiceSecret,
    WorkerReplica,
)
from app.models.tickets import Interaction, Ticket, TicketEvent, TicketLink, TicketParticipant

__all__ = [
    "Agent",
    "ApiKey",
    "Attachment",
    "AttachmentChunk",
    "AuditEntry",
    "AuditReport",
    "Backup",
    "BusinessCalendarRow",
    "Callback",
    "ConfigRevision",
    "Customer",
    "CustomerToken",
    "Escalation",
    "EscalationMatrixRow",
    "IdempotentRequest",
    "InboundEmail",
    "Interaction",
    "KbArticle",
    "KbLink",
    "KbRevision",
    "KbSearch",
    "KbWord",
    "MetricFeed",
    "MetricRollup",
    "MetricTicket",
    "OutboundEmail",
    "OutboxEvent",
    "PersonalDataErasure",
    "PriorityMatrixRow",
    "QaAssignment",
    "QaAssignmentItem",
    "QaCalibration",
    "QaDispute",
    "QaReview",
    "QaScorecard",
    "QaScorecardVersion",
    "Reminder",
    "RoutingRule",
    "ServiceSecret",
    "SlaEvent",
    "SlaPolicy",
    "SurveyResponse",
    "Team",
    "Ticket",
    "TicketEvent",
    "TicketImport",
    "TicketKeys",
    "TicketLink",
    "TicketParticipant",
    "Timer",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkerReplica",
]

# Configuration the migrations seed (built-in calendar, default policy, default matrix): not
# truncated between tests.
CONFIG_TABLES = ("calendars", "sla_policies", "priority_matrix", "escalation_matrix")
# Kept across tests too: the service's own secrets and the configuration's revision counter.
KEPT_TABLES = ("service_secrets", "config_revision")


def data_tables() -> tuple[str, ...]:
    """Every table but the configuration and the kept ones: what a test starts without."""
    kept = {*CONFIG_TABLES, *KEPT_TABLES}
    return tuple(t.name for t in SQLModel.metadata.sorted_tables if t.name not in kept)
