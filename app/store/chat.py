"""Chat conversations: what a later post needs to know of the messages logged before it."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True, slots=True)
class SubjectSource:
    """The logged message a chat ticket's subject comes from."""

    body: str
    from_customer: bool
    occurred_at: datetime


# A chat ticket's subject comes from its earliest customer message (its earliest message when
# the customer has written none).
_SUBJECT_SOURCE = """
    SELECT body, author_type = 'customer' AS from_customer, occurred_at FROM interactions
    WHERE ticket_id = $1 AND kind = 'chat'
    ORDER BY author_type <> 'customer', occurred_at, id
    LIMIT 1
"""


async def subject_source(conn: asyncpg.Connection, ticket_id: int) -> SubjectSource | None:
    """The logged message the ticket's subject was taken from; None: no chat message yet."""
    found = await conn.fetchrow(_SUBJECT_SOURCE, ticket_id)
    return None if found is None else SubjectSource(**dict(found))
