"""/v1/tickets/{id}/escalations, /v1/tickets/{id}/deescalate, /v1/escalations and
/v1/escalation-matrix: how tickets climb tiers and reach supervisors."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.http.deps import (
    ConfigCall,
    IdempotencyKey,
    IfMatch,
    PathId,
    ReadCall,
    SuperviseCall,
    WriteCall,
    expected_version,
    query,
)
from app.http.responses import json_body
from app.http.routes import creates, lists
from app.schemas import Page
from app.schemas.escalations import (
    DeescalationCreate,
    EscalationCreate,
    EscalationListQuery,
    EscalationMatrixIn,
    EscalationMatrixOut,
    EscalationOut,
    TicketEscalationListQuery,
)
from app.services import escalation_matrix, escalations
from app.services.idempotency import Written

router = APIRouter(prefix="/v1", tags=["escalations"])


@creates(
    router, "/tickets/{ticket_id}/escalations", EscalationOut, operation_id="escalations_create"
)
async def escalate(
    call: WriteCall, ticket_id: PathId, body: EscalationCreate, key: IdempotencyKey = None
) -> Written[EscalationOut]:
    """Functional (next tier, or a named team of a higher tier), hierarchical (a supervisor) or
    a transfer (a team of the same tier). 409 past the top tier or on a closed ticket."""
    return await escalations.escalate(
        call.desk,
        ticket_id,
        body,
        actor=call.caller,
        visible=call.visible,
        now=call.now,
        idempotency_key=key,
    )


@lists(
    router,
    "/tickets/{ticket_id}/escalations",
    EscalationOut,
    TicketEscalationListQuery,
    operation_id="ticket_escalations_list",
)
async def ticket_escalations(
    call: ReadCall,
    ticket_id: PathId,
    q: Annotated[TicketEscalationListQuery, query(TicketEscalationListQuery)],
) -> Page[EscalationOut]:
    """The ticket's trail: escalations, transfers and de-escalations, oldest first."""
    return await escalations.list_for_ticket(call.desk, ticket_id, q, visible=call.visible)


@creates(
    router, "/tickets/{ticket_id}/deescalate", EscalationOut, operation_id="tickets_deescalate"
)
async def deescalate(
    call: SuperviseCall, ticket_id: PathId, body: DeescalationCreate, key: IdempotencyKey = None
) -> Written[EscalationOut]:
    """Back to a lower tier (supervisors and admins): the team named, else the one it was
    escalated from."""
    return await escalations.deescalate(
        call.desk,
        ticket_id,
        body,
        actor=call.caller,
        visible=call.visible,
        now=call.now,
        idempotency_key=key,
    )


@lists(router, "/escalations", EscalationOut, EscalationListQuery, operation_id="escalations_list")
async def list_escalations(
    call: ReadCall, q: Annotated[EscalationListQuery, query(EscalationListQuery)]
) -> Page[EscalationOut]:
    return await escalations.list_escalations(call.desk, q, visible=call.visible)


@router.post(
    "/escalations/{escalation_id}/acknowledge",
    response_model=EscalationOut,
    operation_id="escalations_acknowledge",
)
async def acknowledge(call: WriteCall, escalation_id: PathId) -> EscalationOut:
    """The receiving side takes the escalation over; hierarchical ones by supervisors (or
    admins) only. 409 when acknowledged already, or for a transfer or de-escalation."""
    return await escalations.acknowledge(
        call.desk, escalation_id, actor=call.caller, visible=call.visible, now=call.now
    )


@router.get(
    "/escalation-matrix", response_model=EscalationMatrixOut, operation_id="escalation_matrix_get"
)
async def get_matrix(call: ReadCall) -> Response:
    return json_body(await escalation_matrix.read_matrix(call.desk))


@router.put(
    "/escalation-matrix",
    response_model=EscalationMatrixOut,
    operation_id="escalation_matrix_replace",
)
async def replace_matrix(
    body: EscalationMatrixIn, call: ConfigCall, if_match: IfMatch = None
) -> Response:
    """Per priority and SLA metric, what a warning or breach triggers; the worker applies it to
    warnings and breaches it records from now on."""
    updated = await escalation_matrix.replace_matrix(
        call.desk,
        body,
        expected_version=expected_version(if_match),
        actor=call.caller,
        now=call.now,
    )
    return json_body(updated)
