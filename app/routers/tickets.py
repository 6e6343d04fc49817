"""/v1/tickets: tickets, their interactions, history, links and splits."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.domain.lifecycle import Status
from app.routers.deps import (
    Cursor,
    Db,
    Engine,
    IdempotencyKey,
    IfMatch,
    Limit,
    Now,
    PathId,
    QueryId,
    QueryInstant,
    QueryText,
    Reader,
    Writer,
    expected_version,
    json_body,
    respond,
)
from app.schemas import (
    Channel,
    HistoryEntryOut,
    InteractionCreate,
    InteractionOut,
    LinkCreate,
    LinkOut,
    Page,
    Priority,
    SlaState,
    TicketCreate,
    TicketListItem,
    TicketOut,
    TicketSlaDetail,
    TicketSplit,
    TicketType,
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
    now: Now,
    body: TicketCreate,
    db: Db,
    who: Writer,
    key: IdempotencyKey = None,
) -> Response:
    outcome = await tickets.create_ticket(db, body, actor=who, now=now, idempotency_key=key)
    return respond(outcome)


@router.get("", response_model=Page[TicketListItem], operation_id="tickets_list")
async def list_tickets(
    now: Now,
    engine: Engine,
    who: Reader,
    status: Annotated[list[Status] | None, Query()] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
    type: Annotated[list[TicketType] | None, Query()] = None,
    channel: Annotated[list[Channel] | None, Query()] = None,
    team_id: QueryId = None,
    assignee_id: QueryId = None,
    customer_id: QueryId = None,
    tag: QueryText = None,
    created_after: QueryInstant = None,
    created_before: QueryInstant = None,
    sla_state: Annotated[list[SlaState] | None, Query()] = None,
    sort: Annotated[
        Literal["created_at", "-created_at", "updated_at", "-updated_at", "sla_due_at"],
        Query(description="`sla_due_at`: nearest running SLA deadline first."),
    ] = "-created_at",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """Tickets, newest first by default. Each item's `sla` is a summary from the stored due times;
    the full clocks are on the ticket itself."""
    filters = ticket_list.TicketFilters(
        status=status or (),
        priority=priority or (),
        type=type or (),
        channel=channel or (),
        team_id=team_id,
        assignee_id=assignee_id,
        customer_id=customer_id,
        tag=tag,
        created_after=created_after,
        created_before=created_before,
        sla_state=sla_state or (),
    )
    page = await tickets.list_tickets(
        engine, filters, sort=sort, limit=limit, cursor=cursor, now=now
    )
    return json_body(page)


@router.get("/{ticket_id}", response_model=TicketOut, operation_id="tickets_get")
async def get_ticket(now: Now, ticket_id: PathId, engine: Engine, who: Reader) -> Response:
    ticket = await tickets.read_ticket(engine, ticket_id, now=now)
    return json_body(ticket, version=ticket["version"])


@router.get("/{ticket_id}/sla", response_model=TicketSlaDetail, operation_id="tickets_sla")
async def get_ticket_sla(
    now: Now, ticket_id: PathId, engine: Engine, who: Reader
) -> TicketSlaDetail:
    """The ticket's SLA clocks with the policy, calendar and pauses behind each due time."""
    return await tickets.read_ticket_sla(engine, ticket_id, now=now)


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
