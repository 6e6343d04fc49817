"""/v1/tickets: tickets, their interactions, history, links, participants, splits and merges."""

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
from app.http.interaction_body import JSON_OR_FORM, InteractionSent
from app.http.responses import json_body, written
from app.http.routes import DirectRoute, creates, lists
from app.schemas import (
    HistoryEntryOut,
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
from app.schemas.participants import ParticipantCreate, ParticipantListQuery, ParticipantOut
from app.schemas.portal import CustomerInteractionOut, CustomerTicketOut
from app.schemas.tickets import LinkListQuery, TicketMerge, TicketMergeOut
from app.services import interactions, participants, portal
from app.services.idempotency import Written
from app.services.tickets import create, links, merge, read, split, update

router = APIRouter(prefix="/v1/tickets", tags=["tickets"], route_class=DirectRoute)

CREATED_OR_EXISTING = {
    200: {
        "description": "A ticket with this channel and external_id already existed: returned.",
        "model": TicketOut,
    },
    201: {"description": "Created."},
}


@creates(router, "", TicketOut, operation_id="tickets_create", responses=CREATED_OR_EXISTING)
async def create_ticket(
    call: WriteCall, body: TicketCreate, key: IdempotencyKey = None
) -> Written[TicketOut]:
    return await create.create_ticket(
        call.desk, body, actor=call.caller, visible=call.visible, now=call.now, idempotency_key=key
    )


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


@router.post("/{ticket_id}/merge", response_model=TicketMergeOut, operation_id="tickets_merge")
async def merge_tickets(call: WriteCall, ticket_id: PathId, body: TicketMerge) -> Response:
    """Merge the listed tickets into this one. **Not reversible.** In one transaction: their
    interactions (keeping when they happened), the mail threaded through them, their
    participants and their links move to this ticket; a merged ticket whose customer is
    another than this ticket's brings that customer along as a `cc` participant. Each merged
    ticket is closed with `merged_into_id` set and a `merged` link to this ticket, its SLA
    timers cancelled, a history line and a `ticket.merged` event; this ticket's counts, first
    response (the earliest public agent reply of any of them, not before this ticket was
    opened) and clocks are worked out again from the combined interactions. Afterwards every
    write to a merged ticket is a 409 naming this one (`merged_into_id`), and a gateway's
    mail or chat for it threads onto this one.

    Every listed ticket must be one the caller sees (else 404), not this ticket (422), and
    not closed or merged already (409)."""
    result = await merge.merge_tickets(
        call.desk, ticket_id, body, actor=call.caller, visible=call.visible, now=call.now
    )
    return json_body(result)


@router.post(
    "/{ticket_id}/participants",
    status_code=201,
    response_model=ParticipantOut,
    operation_id="ticket_participants_create",
)
async def add_participant(
    call: WriteCall, ticket_id: PathId, body: ParticipantCreate
) -> ParticipantOut:
    """Put someone on the ticket besides its customer: `cc` (copied on its public email
    replies) or `follower`. Their mail threads onto the ticket as its customer's does. A
    customer already on it is a 409."""
    return await participants.add_participant(
        call.desk, ticket_id, body, actor=call.caller, visible=call.visible, now=call.now
    )


@lists(
    router,
    "/{ticket_id}/participants",
    ParticipantOut,
    ParticipantListQuery,
    operation_id="ticket_participants_list",
)
async def list_participants(
    call: ReadCall,
    ticket_id: PathId,
    q: Annotated[ParticipantListQuery, query(ParticipantListQuery)],
) -> Page[ParticipantOut]:
    """The people on the ticket besides its customer, in the order they were added."""
    return await participants.list_participants(call.desk, ticket_id, q, visible=call.visible)


@router.delete(
    "/{ticket_id}/participants/{customer_id}",
    status_code=204,
    operation_id="ticket_participants_delete",
)
async def remove_participant(call: WriteCall, ticket_id: PathId, customer_id: PathId) -> Response:
    """Take someone off the ticket: they are no longer copied, and their mail is held."""
    await participants.remove_participant(
        call.desk, ticket_id, customer_id, actor=call.caller, visible=call.visible, now=call.now
    )
    return Response(status_code=204)


@creates(router, "/{ticket_id}/links", LinkOut, operation_id="ticket_links_create")
async def link_ticket(
    call: WriteCall, ticket_id: PathId, body: LinkCreate, key: IdempotencyKey = None
) -> Written[LinkOut]:
    return await links.link_tickets(
        call.desk,
        ticket_id,
        body,
        actor=call.caller,
        visible=call.visible,
        now=call.now,
        idempotency_key=key,
    )


@lists(router, "/{ticket_id}/links", LinkOut, LinkListQuery, operation_id="ticket_links_list")
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
        413: {
            "description": "A file, or all of them, over its limit (the problem's `limit` "
            "names the setting, its `errors` the part).",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        },
    },
    openapi_extra=JSON_OR_FORM,
)
async def log_interaction(
    call: WriteCall, ticket_id: PathId, body: InteractionSent, key: IdempotencyKey = None
) -> Response:
    """Log a call, email, chat, note or callback. A customer's portal token adds the customer's
    own public reply and gets it back as `CustomerInteractionOut`; its `external_id` returns
    only the customer's own earlier reply (a retry), any other use of a known one is a 409.
    Files come with it as `multipart/form-data` (the JSON in an `interaction` part, each file
    in a `files` part), stored in the same transaction: a file over its limit is a 413 naming
    its part and nothing is written."""
    async with body.read(call) as sent:
        if call.caller.customer_id is not None:
            reply = await portal.reply(
                call.desk,
                ticket_id,
                sent.data,
                actor=call.caller,
                visible=call.visible,
                now=call.now,
                files=sent.files,
            )
            return written(reply)
        result = await interactions.log_interaction(
            call.desk,
            ticket_id,
            sent.data,
            actor=call.caller,
            visible=call.visible,
            now=call.now,
            idempotency_key=key,
            files=sent.files,
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


@lists(
    router,
    "/{ticket_id}/history",
    HistoryEntryOut,
    HistoryListQuery,
    operation_id="ticket_history",
)
async def ticket_history(
    call: ReadCall, ticket_id: PathId, q: Annotated[HistoryListQuery, query(HistoryListQuery)]
) -> Page[HistoryEntryOut]:
    return await interactions.list_history(
        call.desk, ticket_id, visible=call.visible, limit=q.limit, cursor=q.cursor
    )
