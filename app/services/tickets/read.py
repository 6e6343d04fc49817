"""Reading tickets: one with its clocks, its SLA detail, and keyset pages of them; and the
same as a customer's portal token sees them (CustomerTicketOut)."""

from datetime import datetime
from typing import Any

from app.db import connection
from app.domain import search
from app.domain import sla as sla_rules
from app.domain.access import Principal, Visibility
from app.errors import Forbidden, UnprocessableEntity
from app.schemas import TicketListQuery, TicketSlaDetail
from app.schemas.portal import CUSTOMER_LIST_PARAMETERS, CUSTOMER_SORTS
from app.services import audit, clocks
from app.services.context import Desk
from app.services.tickets.shapes import (
    CUSTOMER_FIELDS,
    CUSTOMER_LIST_COLUMNS,
    LIST_COLUMNS,
    OUT_FIELDS,
    customer_ticket_out,
    no_ticket,
    ticket_out,
)
from app.store import ticket_search
from app.store import tickets as store
from app.store.ticket_search import TicketFilters
from app.store.tickets import TicketRow


async def _row(desk: Desk, ticket_id: int, visible: Visibility) -> TicketRow:
    async with connection(desk.db) as conn:
        ticket = await store.get(conn, ticket_id, visible, audit.reader(desk))
    if ticket is None:
        raise no_ticket(ticket_id)
    return ticket


async def read_ticket(
    desk: Desk, ticket_id: int, *, visible: Visibility, now: datetime
) -> dict[str, Any]:
    ticket = await _row(desk, ticket_id, visible)
    return ticket_out(ticket, clocks.view(ticket, await desk.policies.for_reading(desk.db), now))


async def read_ticket_sla(
    desk: Desk, ticket_id: int, *, visible: Visibility, now: datetime
) -> TicketSlaDetail:
    ticket = await _row(desk, ticket_id, visible)
    return clocks.detail(ticket, await desk.policies.for_reading(desk.db), now)


async def read_customer_ticket(
    desk: Desk, ticket_id: int, *, visible: Visibility
) -> dict[str, Any]:
    """The ticket as its customer sees it (CustomerTicketOut)."""
    async with connection(desk.db) as conn:
        ticket = await store.get(conn, ticket_id, visible, audit.reader(desk))
        if ticket is None:
            raise no_ticket(ticket_id)
        last_activity_at = await store.last_public_activity(conn, ticket.id)
    assert last_activity_at is not None  # the ticket was just read: tickets are not deleted
    return customer_ticket_out(ticket, last_activity_at)


async def list_tickets(
    desk: Desk,
    q: TicketListQuery,
    *,
    caller: Principal,
    visible: Visibility,
    now: datetime,
) -> dict[str, Any]:
    """A page of tickets (TicketListItem: `sla` summarised from the stored due times)."""
    assignee_id = q.assignee_id
    if q.assignee == "me":
        if caller.agent_id is None:
            raise UnprocessableEntity(
                "query.assignee: 'me' needs an API key tied to an agent",
                errors=[{"field": "query.assignee", "message": "the key is tied to no agent"}],
            )
        assignee_id = caller.agent_id
    rows, next_cursor = await _page(
        desk, q, LIST_COLUMNS, _filters(q, assignee_id), _sort(q), visible, now
    )
    return {"items": [_item(row) for row in rows], "next_cursor": next_cursor}


async def list_customer_tickets(
    desk: Desk, q: TicketListQuery, *, visible: Visibility, now: datetime
) -> dict[str, Any]:
    """A page of a customer's tickets as they see them (CustomerTicketOut). A customer filters
    and sorts only by what their shape shows (CUSTOMER_LIST_PARAMETERS, CUSTOMER_SORTS) and
    their text search matches public interactions only: anything else would let them probe
    what agents wrote or decided. Refused parameters are a 403 naming them."""
    refused = sorted(set(q.model_fields_set) - CUSTOMER_LIST_PARAMETERS)
    sort = _sort(q)
    if sort not in CUSTOMER_SORTS:
        refused.append("sort")
    if refused:
        raise Forbidden(
            "a customer token lists its tickets by status, channel, creation time and text "
            f"only; it may not use {', '.join(refused)}",
            errors=[
                {
                    "field": f"query.{name}",
                    "message": "not for a customer token"
                    if name != "sort"
                    else f"a customer sorts by {', '.join(sorted(CUSTOMER_SORTS))}",
                }
                for name in refused
            ],
        )
    filters = _filters(q, None, public_text_only=True)
    rows, next_cursor = await _page(desk, q, CUSTOMER_LIST_COLUMNS, filters, sort, visible, now)
    # zip stops at CUSTOMER_FIELDS' end: the page adds the SLA state after them.
    items = [dict(zip(CUSTOMER_FIELDS, row)) for row in rows]  # noqa: B905
    return {"items": items, "next_cursor": next_cursor}


def _filters(
    q: TicketListQuery, assignee_id: int | None, *, public_text_only: bool = False
) -> TicketFilters:
    return TicketFilters(
        status=q.status or (),
        priority=q.priority or (),
        type=q.type or (),
        channel=q.channel or (),
        team_id=q.team_id,
        assignee_id=assignee_id,
        escalated_to_id=q.escalated_to_id,
        unassigned=q.assignee == "none",
        customer_id=q.customer_id,
        external_id=q.external_id,
        tag=q.tag,
        created_after=q.created_after,
        created_before=q.created_before,
        sla_state=q.sla_state or (),
        text=q.q,
        public_text_only=public_text_only,
    )


def _sort(q: TicketListQuery) -> str:
    sort = q.sort or ("relevance" if q.q else "-created_at")
    if sort == "relevance" and not q.q:
        raise UnprocessableEntity(
            "query.sort: relevance needs a text search (q)",
            errors=[{"field": "query.sort", "message": "relevance needs q"}],
        )
    return sort


async def _page(
    desk: Desk,
    q: TicketListQuery,
    columns: tuple[str, ...],
    filters: TicketFilters,
    sort: str,
    visible: Visibility,
    now: datetime,
) -> tuple[list[Any], str | None]:
    async with connection(desk.db) as conn:
        return await ticket_search.page(
            conn,
            columns,
            filters,
            visible,
            state_order=sla_rules.STATE_ORDER,
            search_configs=search.configs_in_use(),
            sort=sort,
            limit=q.limit,
            cursor=q.cursor,
            now=now,
            reader=audit.reader(desk),
        )


def _item(row: Any) -> dict[str, Any]:
    # zip stops at OUT_FIELDS' end: the summary's columns come after them.
    item = dict(zip(OUT_FIELDS, row))  # noqa: B905
    item["sla"] = clocks.summary(row)
    return item
