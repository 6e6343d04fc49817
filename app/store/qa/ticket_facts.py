"""What a review reads of its ticket: the facts the pre-checks judge, its public replies, the
author of an interaction under review."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True, slots=True)
class ReviewedTicket:
    id: int
    status: str
    channel: str
    category: str | None
    tags: list[str]
    language: str | None
    team_id: int | None
    assignee_id: int | None
    assignee_team_id: int | None
    customer_name: str | None
    created_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    first_responded_at: datetime | None
    first_response_due_at: datetime | None
    agent_reply_count: int
    reopen_count: int
    escalations: int
    transfers: int
    linked_articles: list[int]


_REVIEWED_TICKET = """
    SELECT t.id, t.status, t.channel, t.category, t.tags, t.language, t.team_id, t.assignee_id,
           a.team_id AS assignee_team_id, c.name AS customer_name, t.created_at, t.resolved_at,
           t.closed_at, t.first_responded_at, t.first_response_due_at, t.agent_reply_count,
           t.reopen_count,
           (SELECT count(*) FROM escalations e
             WHERE e.ticket_id = t.id AND e.kind NOT IN ('transfer', 'deescalation'))::int
             AS escalations,
           (SELECT count(*) FROM escalations e
             WHERE e.ticket_id = t.id AND e.kind = 'transfer')::int AS transfers,
           ARRAY(SELECT k.article_id FROM kb_links k WHERE k.ticket_id = t.id ORDER BY k.id)
             AS linked_articles
    FROM tickets t
    LEFT JOIN agents a ON a.id = t.assignee_id
    LEFT JOIN customers c ON c.id = t.customer_id
    WHERE t.id = $1
"""


async def reviewed_ticket(conn: asyncpg.Connection, ticket_id: int) -> ReviewedTicket | None:
    found = await conn.fetchrow(_REVIEWED_TICKET, ticket_id)
    return None if found is None else ReviewedTicket(**found)


@dataclass(frozen=True, slots=True)
class PublicReply:
    id: int
    occurred_at: datetime
    body: str
    author_agent_id: int | None


_PUBLIC_REPLIES = """
    SELECT id, occurred_at, body, author_agent_id FROM interactions
    WHERE ticket_id = $1 AND public AND direction = 'outbound' AND author_type = 'agent'
    ORDER BY occurred_at, id
"""


async def public_replies(conn: asyncpg.Connection, ticket_id: int) -> list[PublicReply]:
    """The ticket's public outbound interactions by agents, in order."""
    return [PublicReply(**r) for r in await conn.fetch(_PUBLIC_REPLIES, ticket_id)]


@dataclass(frozen=True, slots=True)
class InteractionAuthor:
    id: int
    author_agent_id: int | None
    author_team_id: int | None


async def interaction_of(
    conn: asyncpg.Connection, ticket_id: int, interaction_id: int
) -> InteractionAuthor | None:
    found = await conn.fetchrow(
        """SELECT i.id, i.author_agent_id, a.team_id AS author_team_id FROM interactions i
           LEFT JOIN agents a ON a.id = i.author_agent_id
           WHERE i.ticket_id = $1 AND i.id = $2""",
        ticket_id,
        interaction_id,
    )
    return None if found is None else InteractionAuthor(**found)
