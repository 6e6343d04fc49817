"""/v1/tickets: tickets, their interactions, history, links and splits."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.routers.deps import (
    Cursor,
    Db,
    IdempotencyKey,
    IfMatch,
    Limit,
    Now,
    PathId,
    ReadCall,
    Reader,
    WriteCall,
    Writer,
    expected_version,
    json_body,
    query_model,
    query_parameters,
    respond,
)
from app.schemas import (
    HistoryEntryOut,
    InteractionCreate,
    InteractionOut,
    LinkCreate,
    LinkOut,
    Page,
    TicketCreate,
    TicketListItem,
    TicketListQuery,
    TicketOut,
    TicketSlaDetail,
    TicketSplit,
    TicketUpdate,
)
from app.services import history, interactions, ticket_list, tickets

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

CREATED_OR_EXISTING = {
    200: {"description": "A ticket with this channel and external_id already existed: returned."},
    201: {"description": "Created."},
}


@router.post(
    "",
    status_code=201,
    response_model=TicketOut,
    operation_id="tickets_create",
    responses=CREATED_OR_EXISTING,
)
async def create_ticket(
    call: WriteCall, body: TicketCreate, key: IdempotencyKey = None
) -> Response:
    outcome = await tickets.create_ticket(
        call.engine, body, actor=call.who, now=call.now, idempotency_key=key
    )
    return respond(outcome)


@router.get(
    "",
    response_model=Page[TicketListItem],
    operation_id="tickets_list",
    openapi_extra=query_parameters(TicketListQuery),
    responses={422: {"description": "A query parameter is invalid (a problem naming it)."}},
)
async def list_tickets(
    call: ReadCall, query: Annotated[TicketListQuery, query_model(TicketListQuery)]
) -> Response:
    """Tickets, newest first by default. Each item's `sla` is a summary from the stored due times;
    the full clocks are on the ticket itself."""
    filters = ticket_list.TicketFilters(
        status=query.status or (),
        priority=query.priority or (),
        type=query.type or (),
        channel=query.channel or (),
        team_id=query.team_id,
        assignee_id=query.assignee_id,
        customer_id=query.customer_id,
        tag=query.tag,
        created_after=query.created_after,
        created_before=query.created_before,
        sla_state=query.sla_state or (),
    )
    page = await tickets.list_tickets(
        call.engine, filters, sort=query.sort, limit=query.limit, cursor=query.cursor, now=call.now
    )
    return json_body(page)


@router.get("/{ticket_id}", response_model=TicketOut, operation_id="tickets_get")
async def get_ticket(call: ReadCall, ticket_id: PathId) -> Response:
    ticket = await tickets.read_ticket(call.engine, ticket_id, now=call.now)
    return json_body(ticket, version=ticket["version"])


@router.get("/{ticket_id}/sla", response_model=TicketSlaDetail, operation_id="tickets_sla")
async def get_ticket_sla(call: ReadCall, ticket_id: PathId) -> TicketSlaDetail:
    """The ticket's SLA clocks with the policy, calendar and pauses behind each due time."""
    return await tickets.read_ticket_sla(call.engine, ticket_id, now=call.now)


@router.patch("/{ticket_id}", response_model=TicketOut, operation_id="tickets_update")
async def update_ticket(
    now: Now,
    ticket_id: PathId,
    body: TicketUpdate,
    db: Db,
    who: Writer,
    if_match: IfMatch = None,
) -> Response:
    ticket = await tickets.update_ticket(
        db, ticket_id, body, expected_version=expected_version(if_match), actor=who, now=now
    )
    return json_body(ticket, version=ticket["version"])


@router.post(
    "/{ticket_id}/split", status_code=201, response_model=TicketOut, operation_id="tickets_split"
)
async def split_ticket(
    now: Now,
    ticket_id: PathId,
    body: TicketSplit,
    db: Db,
    who: Writer,
    key: IdempotencyKey = None,
) -> Response:
    outcome = await tickets.split_ticket(
        db, ticket_id, body, actor=who, now=now, idempotency_key=key
    )
    return respond(outcome)


@router.post(
    "/{ticket_id}/links",
    status_code=201,
    response_model=LinkOut,
    operation_id="ticket_links_create",
)
async def link_ticket(
    now: Now,
    ticket_id: PathId,
    body: LinkCreate,
    db: Db,
    who: Writer,
    key: IdempotencyKey = None,
) -> Response:
    outcome = await tickets.link_tickets(
        db, ticket_id, body, actor=who, now=now, idempotency_key=key
    )
    return respond(outcome)


@router.get("/{ticket_id}/links", response_model=list[LinkOut], operation_id="ticket_links_list")
async def list_links(ticket_id: PathId, db: Db, who: Reader) -> list[LinkOut]:
    return await tickets.list_links(db, ticket_id)


@router.post(
    "/{ticket_id}/interactions",
    status_code=201,
    response_model=InteractionOut,
    operation_id="interactions_create",
)
async def log_interaction(
    now: Now,
    ticket_id: PathId,
    body: InteractionCreate,
    db: Db,
    who: Writer,
    key: IdempotencyKey = None,
) -> Response:
    outcome = await interactions.log_interaction(
        db, ticket_id, body, actor=who, now=now, idempotency_key=key
    )
    return respond(outcome)


@router.get(
    "/{ticket_id}/interactions",
    response_model=Page[InteractionOut],
    operation_id="interactions_list",
)
async def list_interactions(
    ticket_id: PathId,
    db: Db,
    who: Reader,
    public_only: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[InteractionOut]:
    return await interactions.list_interactions(
        db, ticket_id, limit=limit, cursor=cursor, public_only=public_only
    )


@router.get(
    "/{ticket_id}/history", response_model=Page[HistoryEntryOut], operation_id="ticket_history"
)
async def ticket_history(
    ticket_id: PathId, db: Db, who: Reader, limit: Limit = 100, cursor: Cursor = None
) -> Page[HistoryEntryOut]:
    return await history.list_history(db, ticket_id, limit=limit, cursor=cursor)
