"""Merging tickets: what moves from the merged tickets to the target (interactions, the mail
threaded through them, links, held mail), and the target's counts worked out again from the
interactions it then holds."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

# Interactions keep their occurred_at, so the target lists them in the order they happened. A
# gateway's message id is unique per ticket: one the target (or an earlier merged ticket)
# already holds is kept qualified by the ticket it came from, so the two stay apart.
_MOVE_INTERACTIONS = """
    WITH moving AS (
        SELECT id, ticket_id, external_id,
               row_number() OVER (PARTITION BY external_id ORDER BY ticket_id, id) AS n
        FROM interactions WHERE ticket_id = ANY($1::bigint[])
    )
    UPDATE interactions i
    SET ticket_id = $2,
        external_id = CASE
            WHEN m.external_id IS NOT NULL AND (m.n > 1 OR EXISTS (
                SELECT 1 FROM interactions o WHERE o.ticket_id = $2 AND o.external_id = m.external_id))
            THEN left('merged-' || m.ticket_id || ':' || m.external_id, 300)
            ELSE m.external_id END
    FROM moving m
    WHERE i.id = m.id
"""
# The mail received and sent through them follows: the target's replies then reference the
# whole thread, and a Message-ID of it finds the target. Held mail waits on the target. Files
# follow the interactions they came with (their visibility is the target's now).
_MOVE_MAIL = (
    "UPDATE attachments SET ticket_id = $2 WHERE ticket_id = ANY($1::bigint[])",
    "UPDATE outbound_emails SET ticket_id = $2 WHERE ticket_id = ANY($1::bigint[])",
    "UPDATE inbound_emails SET ticket_id = $2 WHERE ticket_id = ANY($1::bigint[])",
    "UPDATE inbound_emails SET held_ticket_id = $2 WHERE held_ticket_id = ANY($1::bigint[])",
)
# Links from and to the merged tickets become the target's, once each; links between the
# tickets merged together go (they would link the target to itself). A `merged` link stays
# where it is: it says which ticket a ticket was merged into.
_MOVE_LINKS = """
    WITH gone AS (
        DELETE FROM ticket_links
        WHERE (ticket_id = ANY($1::bigint[]) OR linked_ticket_id = ANY($1::bigint[]))
          AND kind <> 'merged'
        RETURNING *
    ), moved AS (
        SELECT CASE WHEN ticket_id = ANY($1::bigint[]) THEN $2 ELSE ticket_id END AS ticket_id,
               CASE WHEN linked_ticket_id = ANY($1::bigint[]) THEN $2 ELSE linked_ticket_id END
                   AS linked_ticket_id,
               kind, created_at, created_by_key_id
        FROM gone
    )
    INSERT INTO ticket_links (ticket_id, linked_ticket_id, kind, created_at, created_by_key_id)
    SELECT DISTINCT ON (ticket_id, linked_ticket_id, kind) *
    FROM moved WHERE ticket_id <> linked_ticket_id
    ORDER BY ticket_id, linked_ticket_id, kind, created_at
    ON CONFLICT ON CONSTRAINT ticket_links_unique DO NOTHING
"""


async def move(conn: asyncpg.Connection, from_ids: Sequence[int], to_id: int) -> None:
    """Move the interactions, mail and links of `from_ids` to `to_id`."""
    ids = list(from_ids)
    await conn.execute(_MOVE_INTERACTIONS, ids, to_id)
    for statement in _MOVE_MAIL:
        await conn.execute(statement, ids, to_id)
    await conn.execute(_MOVE_LINKS, ids, to_id)


@dataclass(frozen=True, slots=True)
class Counts:
    """A ticket's counts and reply instants, from the interactions it holds."""

    interaction_count: int
    agent_reply_count: int
    customer_reply_count: int
    first_responded_at: datetime | None
    last_public_reply_at: datetime | None


# The same rules an interaction's logging applies one at a time (services/interactions.py):
# a public agent reply is outbound; the customer speaks inbound (a call an agent logs, too).
_AGENT_REPLY = "author_type = 'agent' AND public AND direction = 'outbound'"
_COUNTS = f"""
    SELECT count(*) AS interaction_count,
           count(*) FILTER (WHERE {_AGENT_REPLY}) AS agent_reply_count,
           count(*) FILTER (WHERE author_type IN ('customer', 'agent') AND direction = 'inbound')
               AS customer_reply_count,
           min(occurred_at) FILTER (WHERE {_AGENT_REPLY}) AS first_responded_at,
           max(occurred_at) FILTER (WHERE {_AGENT_REPLY}) AS last_public_reply_at
    FROM interactions WHERE ticket_id = $1
"""


async def counts(conn: asyncpg.Connection, ticket_id: int) -> Counts:
    return Counts(**await conn.fetchrow(_COUNTS, ticket_id))


# A split takes interactions of a ticket to the new one, with the files they carry and the mail
# sent and received through them (their visibility is the new ticket's from then on).
_OF_TICKET = """
    SELECT id FROM interactions WHERE id = ANY($1::bigint[]) AND ticket_id = $2 FOR UPDATE
"""
_SPLIT_OFF = (
    "UPDATE interactions SET ticket_id = $3 WHERE id = ANY($1::bigint[]) AND ticket_id = $2",
    "UPDATE attachments SET ticket_id = $3"
    " WHERE interaction_id = ANY($1::bigint[]) AND ticket_id = $2",
    "UPDATE outbound_emails SET ticket_id = $3"
    " WHERE interaction_id = ANY($1::bigint[]) AND ticket_id = $2",
    "UPDATE inbound_emails SET ticket_id = $3"
    " WHERE interaction_id = ANY($1::bigint[]) AND ticket_id = $2",
)


async def interactions_of(
    conn: asyncpg.Connection, interaction_ids: Sequence[int], ticket_id: int
) -> set[int]:
    """Of `interaction_ids`, those on the ticket (locked)."""
    return {r["id"] for r in await conn.fetch(_OF_TICKET, list(interaction_ids), ticket_id)}


async def split_off(
    conn: asyncpg.Connection, interaction_ids: Sequence[int], from_id: int, to_id: int
) -> None:
    """Move these interactions of `from_id`, their files and mail, to `to_id`."""
    for statement in _SPLIT_OFF:
        await conn.execute(statement, list(interaction_ids), from_id, to_id)
