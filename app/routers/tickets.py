"""/v1/tickets: tickets, their interactions, history, links and splits."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.http.deps import (
    IdempotencyKey,
    IfMatch,
    PathId,
    ReadCall,
    WriteCall,
    expected_version,
    query,
    query_parameters,
)
from app.http.responses import json_body, written
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
from app.schemas.history import HistoryListQuery
from app.schemas.interactions import InteractionListQuery
from app.schemas.portal import CustomerInteractionOut, CustomerTicketOut
from app.schemas.tickets import LinkListQuery
from app.services import interactions, portal
from app.services.tickets import create, links, read, split, update

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

CREATED_OR_EXISTING = {
    200: {
        "description": "A ticket with this channel and external_id already existed: returned.",
        "model": TicketOut,
    },
    201: {"description": "Created."},
}


@router.post(
    "",
    status_code=201,
    response_model=TicketOut,
    operation_id="tickets_create",
    responses=CREATED_OR_EXISTING,  # type: ignore[arg-type]
)
async def create_ticket(
    call: WriteCall, body: TicketCreate, key: IdempotencyKey = None
) -> Response:
    result = await create.create_ticket(
        call.desk, body, actor=call.caller, visible=call.visible, now=call.now, idempotency_key=key
    )
    return written(result)


@router.get(
    "",
    response_model=Page[TicketListItem] | Page[CustomerTicketOut],
    operation_id="tickets_list",
    openapi_extra=query_parameters(TicketListQuery),
)
async def list_tickets(
    call: ReadCall, q: Annotated[TicketListQuery, query(TicketListQuery)]
) -> Response:
    """Tickets, newest first by default. Each item's `sla` is a summary from the stored due times;
    the full clocks are on the ticket itself.

    A customer's portal token gets its customer's tickets as `CustomerTicketOut`; it may send
    `status`, `channel`, `customer_id`, `created_after`, `created_before`, `q`, `sort`
    (`created_at`, `-created_at`, `relevance`), `limit` and `cursor`, any other is a 403 naming
    it; its `q` searches the subject, the description and the public interactions only."""
    if call.caller.customer_id is not None:
        return json_body(
            await read.list_customer_tickets(call.desk, q, visible=call.visible, now=call.now)
        )
    page = await read.list_tickets(
        call.desk, q, caller=call.caller, visible=call.visible, now=call.now
    )
    return json_body(page)


@router.get(
    "/{ticket_id}", response_model=TicketOut | CustomerTicketOut, operation_id="tickets_get"
)
async def get_ticket(call: ReadCall, ticket_id: PathId) -> Response:
    """The ticket with its SLA clocks (`TicketOut`, with an ETag for `If-Match`); to its
    customer's portal token, `CustomerTicketOut` (no version, no ETag: a customer changes
    nothing that needs one, and a version counts internal changes too)."""
    if call.caller.customer_id is not None:
        return json_body(
            await read.read_customer_ticket(call.desk, ticket_id, visible=call.visible)
        )
    return json_body(
        await read.read_ticket(call.desk, ticket_id, visible=call.visible, now=call.now)
    )


@router.get("/{ticket_id}/sla", response_model=TicketSlaDetail, operation_id="tickets_sla")
async def get_ticket_sla(call: ReadCall, ticket_id: PathId) -> TicketSlaDetail:
    """The ticket's SLA clocks with the policy, calendar and pauses behind each due time."""
    return await read.read_ticket_sla(call.desk, ticket_id, visible=call.visible, now=call.now)


@router.patch("/{ticket_id}", response_model=TicketOut, operation_id="tickets_update")
async def update_ticket(
    call: WriteCall, ticket_id: PathId, body: TicketUpdate, if_match: IfMatch = None
) -> Response:
    ticket = await update.update_ticket(
        call.desk,
        ticket_id,
        body,
        expected_version=expected_version(if_match),
        actor=call.caller,
        visible=call.visible,
        now=call.now,
    )
    return json_body(ticket)


@router.post(
    "/{ticket_id}/split", status_code=201, response_model=TicketOut, operation_id="tickets_split"
)
async def split_ticket(
    call: WriteCall, ticket_id: PathId, body: TicketSplit, key: IdempotencyKey = None
) -> Response:
    """One caller, another problem: a new ticket with the contact and context (language,
    product, asset and account fields), linked `split_from` this one. Category, type and team
    are the new problem's own, or none."""
    result = await split.split_ticket(
        call.desk,
        ticket_id,
        body,
        actor=call.caller,
        visible=call.visible,
        now=call.now,
        idempotency_key=key,
    )
    return written(result)


@router.post(
    "/{ticket_id}/links",
    status_code=201,
    response_model=LinkOut,
    operation_id="ticket_links_create",
)
async def link_ticket(
    call: WriteCall, ticket_id: PathId, body: LinkCreate, key: IdempotencyKey = None
) -> Response:
    result = await links.link_tickets(
        call.desk,
        ticket_id,
        body,
        actor=call.caller,
        visible=call.visible,
        now=call.now,
        idempotency_key=key,
    )
    return written(result)


@router.get(
    "/{ticket_id}/links",
    response_model=Page[LinkOut],
    operation_id="ticket_links_list",
    openapi_extra=query_parameters(LinkListQuery),
)
async def list_links(
    call: ReadCall, ticket_id: PathId, q: Annotated[LinkListQuery, query(LinkListQuery)]
) -> Page[LinkOut]:
    """Links from and to the ticket, oldest first."""
    return await links.list_links(call.desk, ticket_id, q, visible=call.visible)


@router.post(
    "/{ticket_id}/interactions",
    status_code=201,
    response_model=InteractionOut | CustomerInteractionOut,
    operation_id="interactions_create",
    responses={
        200: {
            "description": "The ticket already had an interaction with this external_id: "
            "returned (a gateway's retry).",
            "model": InteractionOut | CustomerInteractionOut,  # type: ignore[dict-item]
        },
        201: {"description": "Logged."},
    },
)
async def log_interaction(
    call: WriteCall, ticket_id: PathId, body: InteractionCreate, key: IdempotencyKey = None
) -> Response:
    """Log a call, email, chat, note or callback. A customer's portal token adds the customer's
    own public reply and gets it back as `CustomerInteractionOut`; its `external_id` returns
    only the customer's own earlier reply (a retry), any other use of a known one is a 409."""
    if call.caller.customer_id is not None:
        reply = await portal.reply(
            call.desk, ticket_id, body, actor=call.caller, visible=call.visible, now=call.now
        )
        return written(reply)
    result = await interactions.log_interaction(
        call.desk,
        ticket_id,
        body,
        actor=call.caller,
        visible=call.visible,
        now=call.now,
        idempotency_key=key,
    )
    return written(result)


@router.get(
    "/{ticket_id}/interactions",
    response_model=Page[InteractionOut] | Page[CustomerInteractionOut],
    operation_id="interactions_list",
    openapi_extra=query_parameters(InteractionListQuery),
)
async def list_interactions(
    call: ReadCall,
    ticket_id: PathId,
    q: Annotated[InteractionListQuery, query(InteractionListQuery)],
) -> Response:
    """The ticket's interactions in the order they happened. A customer's portal token lists
    the public ones (`public_only=true`) as `CustomerInteractionOut`."""
    if call.caller.customer_id is not None:
        return json_body(
            await portal.list_public_interactions(
                call.desk, ticket_id, visible=call.visible, limit=q.limit, cursor=q.cursor
            )
        )
    page = await interactions.list_interactions(
        call.desk,
        ticket_id,
        visible=call.visible,
        public_only=q.public_only,
        limit=q.limit,
        cursor=q.cursor,
    )
    return json_body(page)


@router.get(
    "/{ticket_id}/history",
    response_model=Page[HistoryEntryOut],
    operation_id="ticket_history",
    openapi_extra=query_parameters(HistoryListQuery),
)
async def ticket_history(
    call: ReadCall, ticket_id: PathId, q: Annotated[HistoryListQuery, query(HistoryListQuery)]
) -> Page[HistoryEntryOut]:
    return await interactions.list_history(
        call.desk, ticket_id, visible=call.visible, limit=q.limit, cursor=q.cursor
    )
