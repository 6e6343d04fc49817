"""Reading tickets: one with its clocks, its SLA detail, and keyset pages of them."""

from datetime import datetime
from typing import Any

from app.db import connection
from app.domain import search
from app.domain import sla as sla_rules
from app.domain.access import Principal, Visibility
from app.errors import UnprocessableEntity
from app.schemas import TicketListQuery, TicketSlaDetail
from app.services import audit, clocks
from app.services.desk import Desk
from app.services.tickets.shapes import LIST_COLUMNS, OUT_FIELDS, no_ticket, ticket_out
from app.store import tickets as store
from app.store.tickets import TicketFilters, TicketRow


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
    filters = TicketFilters(
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
    )
    sort = q.sort or ("relevance" if q.q else "-created_at")
    if sort == "relevance" and not q.q:
        raise UnprocessableEntity(
            "query.sort: relevance needs a text search (q)",
            errors=[{"field": "query.sort", "message": "relevance needs q"}],
        )
    async with connection(desk.db) as conn:
        rows, next_cursor = await store.page(
            conn,
            LIST_COLUMNS,
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
    return {"items": [_item(row) for row in rows], "next_cursor": next_cursor}


def _item(row: Any) -> dict[str, Any]:
    # zip stops at OUT_FIELDS' end: the summary's columns come after them.
    item = dict(zip(OUT_FIELDS, row))  # noqa: B905
    item["sla"] = clocks.summary(row)
    return item
