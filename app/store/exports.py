"""The ticket export: tickets in the order of the transaction that last wrote them."""

from typing import Any

import asyncpg

from app.domain.access import Visibility
from app.store.paging import Params, fetch_feed
from app.store.tickets import WITH_KEYS
from app.store.visibility import visible_sql

# What a BI tool reads of a ticket: its classification, people by id, instants and counts; not
# its words (subject, description), which are personal data read through the API itself.
EXPORTED = (
    "id",
    "status",
    "priority",
    "type",
    "category",
    "tags",
    "channel",
    "customer_id",
    "team_id",
    "assignee_id",
    "tier",
    "language",
    "created_at",
    "updated_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "reopen_count",
    "agent_reply_count",
    "customer_reply_count",
    "interaction_count",
    "sla_policy_id",
    "first_response_due_at",
    "resolution_due_at",
    "sla_breached",
    "version",
)


async def changed_tickets(
    conn: asyncpg.Connection, visible: Visibility, *, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str]:
    """Tickets written after `cursor` (see `paging.fetch_feed`): a ticket changed again
    comes again, later."""
    p = Params()
    limit_to = visible_sql(visible, p)
    rows, next_cursor = await fetch_feed(
        conn,
        columns=", ".join(EXPORTED),
        # Its last write's position (ticket_keys) leads: the feed walks its (txid, id) index.
        source=WITH_KEYS,
        where=[limit_to] if limit_to else [],
        params=p,
        listing="tickets-export",
        cursor=cursor,
        limit=limit,
    )
    return [{name: r[name] for name in EXPORTED} for r in rows], next_cursor
