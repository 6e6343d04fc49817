"""Inbound email rows, the desk's outbound mail headers, and the look-ups that thread a reply."""

import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from app.domain.privacy import ERASED


@dataclass(frozen=True, slots=True)
class NewInboundEmail:
    message_id: str
    kind: str
    outcome: str
    threaded_by: str | None
    ticket_id: int | None
    interaction_id: int | None
    followed_ticket_id: int | None
    sender_email: str | None
    sender_name: str | None
    subject: str
    thread_ids: list[str]
    text: str
    quoted: str
    attachments: list[dict[str, Any]]
    automatic_reason: str | None
    sent_at: datetime | None
    received_at: datetime
    created_by_key_id: int | None


@dataclass(frozen=True, slots=True)
class InboundEmailRow(NewInboundEmail):
    id: int


_NEW = tuple(f.name for f in fields(NewInboundEmail))
_COLUMNS = ", ".join((*_NEW, "id"))
_CLAIM = f"""
    INSERT INTO inbound_emails ({", ".join(_NEW)})
    VALUES ({", ".join(f"${i}" for i in range(1, len(_NEW) + 1))})
    ON CONFLICT (message_id) DO NOTHING
    RETURNING id
"""
_BY_MESSAGE_ID = f"SELECT {_COLUMNS} FROM inbound_emails WHERE message_id = $1"
_SETTLE = """
    UPDATE inbound_emails
    SET outcome = $2, threaded_by = $3, ticket_id = $4, interaction_id = $5,
        followed_ticket_id = $6
    WHERE id = $1
"""


def _row(record: asyncpg.Record) -> InboundEmailRow:
    values = dict(record)
    if isinstance(values["attachments"], str):
        values["attachments"] = json.loads(values["attachments"])
    return InboundEmailRow(**values)


async def claim(conn: asyncpg.Connection, new: NewInboundEmail) -> int | None:
    """Insert the message; None when its Message-ID was received before. A concurrent
    receipt of the same message waits here until the first commits (or rolls back)."""
    values = [getattr(new, name) for name in _NEW]
    values[_NEW.index("attachments")] = json.dumps(new.attachments)
    claimed: int | None = await conn.fetchval(_CLAIM, *values)
    return claimed


async def by_message_id(conn: asyncpg.Connection, message_id: str) -> InboundEmailRow | None:
    found = await conn.fetchrow(_BY_MESSAGE_ID, message_id)
    return None if found is None else _row(found)


async def settle(
    conn: asyncpg.Connection,
    email_id: int,
    *,
    outcome: str,
    threaded_by: str | None,
    ticket_id: int | None,
    interaction_id: int | None,
    followed_ticket_id: int | None,
) -> None:
    await conn.execute(
        _SETTLE, email_id, outcome, threaded_by, ticket_id, interaction_id, followed_ticket_id
    )


# The tickets that stored messages with these ids belong to: interactions logged with the id
# as their external id (inbound mail, or a gateway's own), and the desk's outbound mail.
_TICKETS_OF_IDS = """
    SELECT i.external_id AS message_id, min(i.ticket_id) AS ticket_id
    FROM interactions i WHERE i.external_id = ANY($1::text[]) GROUP BY i.external_id
    UNION ALL
    SELECT o.message_id, o.ticket_id FROM outbound_emails o WHERE o.message_id = ANY($1::text[])
"""


async def tickets_of_message_ids(conn: asyncpg.Connection, ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for record in await conn.fetch(_TICKETS_OF_IDS, ids):
        found.setdefault(record["message_id"], record["ticket_id"])
    return found


_IS_PARTICIPANT = """
    SELECT EXISTS (
        SELECT 1 FROM tickets t JOIN customers c ON c.id = t.customer_id
        WHERE t.id = $1 AND lower(c.email) = lower($2)
    ) OR EXISTS (
        SELECT 1 FROM interactions i JOIN customers c ON c.id = i.author_customer_id
        WHERE i.ticket_id = $1 AND lower(c.email) = lower($2)
    )
"""


async def is_participant(conn: asyncpg.Connection, ticket_id: int, email: str) -> bool:
    """Whether `email` is the ticket's customer's, or a customer's who wrote on it."""
    return bool(await conn.fetchval(_IS_PARTICIPANT, ticket_id, email))


# The thread so far, newest first: messages received on the ticket and the desk's replies.
_THREAD = """
    SELECT message_id, inbound FROM (
        SELECT message_id, received_at AS at, id AS n, true AS inbound FROM inbound_emails
        WHERE ticket_id = $1 AND interaction_id IS NOT NULL
        UNION ALL
        SELECT message_id, created_at, interaction_id, false FROM outbound_emails
        WHERE ticket_id = $1
    ) m
    ORDER BY at DESC, n DESC
    LIMIT 20
"""


async def thread_of(conn: asyncpg.Connection, ticket_id: int) -> list[tuple[str, bool]]:
    """(message id, received?) of the ticket's mail, newest first (at most 20)."""
    return [(r["message_id"], r["inbound"]) for r in await conn.fetch(_THREAD, ticket_id)]


@dataclass(frozen=True, slots=True)
class OutboundEmailRow:
    interaction_id: int
    ticket_id: int
    message_id: str
    in_reply_to: str | None
    references: list[str]
    reference_token: str
    subject: str
    created_at: datetime


_OUTBOUND = tuple(f.name for f in fields(OutboundEmailRow))
_QUOTED = ", ".join(f'"{name}"' for name in _OUTBOUND)
_INSERT_OUTBOUND = f"""
    INSERT INTO outbound_emails ({_QUOTED})
    VALUES ({", ".join(f"${i}" for i in range(1, len(_OUTBOUND) + 1))})
"""
_OUTBOUND_OF = f"SELECT {_QUOTED} FROM outbound_emails WHERE interaction_id = ANY($1::bigint[])"


async def insert_outbound(conn: asyncpg.Connection, row: OutboundEmailRow) -> None:
    await conn.execute(_INSERT_OUTBOUND, *(getattr(row, name) for name in _OUTBOUND))


async def outbound_of(
    conn: asyncpg.Connection, interaction_ids: list[int]
) -> dict[int, OutboundEmailRow]:
    """The outbound headers of those of these interactions that are agent email replies."""
    if not interaction_ids:
        return {}
    records = await conn.fetch(_OUTBOUND_OF, interaction_ids)
    return {r["interaction_id"]: OutboundEmailRow(**r) for r in records}


# An erasure: what received mail said and who sent it goes; the Message-ID (what keeps a
# retry from making a second ticket) and the outcome stay.
# What erasure redacts (below), read for the customer's export: the mail on their tickets, and
# all mail from their address.
_RECEIVED_FROM = f"""
    SELECT {", ".join(f.name for f in fields(InboundEmailRow))} FROM inbound_emails
    WHERE ticket_id = ANY($1::bigint[]) OR followed_ticket_id = ANY($1::bigint[])
       OR ($2::text IS NOT NULL AND lower(sender_email) = lower($2::text))
    ORDER BY id
"""


async def received_from(
    conn: asyncpg.Connection, ticket_ids: list[int], sender_email: str | None
) -> list[InboundEmailRow]:
    return [_row(r) for r in await conn.fetch(_RECEIVED_FROM, ticket_ids, sender_email)]


_REDACT_RECEIVED = f"""
    UPDATE inbound_emails
    SET sender_email = NULL, sender_name = NULL, subject = '{ERASED}', text = '{ERASED}',
        quoted = '', attachments = '[]'::jsonb, thread_ids = '{{}}', automatic_reason = NULL
    WHERE ticket_id = ANY($1::bigint[]) OR followed_ticket_id = ANY($1::bigint[])
       OR ($2::text IS NOT NULL AND lower(sender_email) = lower($2::text))
"""
_REDACT_SENT = (
    f"UPDATE outbound_emails SET subject = '{ERASED}' WHERE ticket_id = ANY($1::bigint[])"
)


async def redact_mail(
    conn: asyncpg.Connection, ticket_ids: list[int], sender_email: str | None
) -> None:
    """Erase the mail received on these tickets (and, for a customer erased whole, all mail
    they sent), and the subjects of the desk's replies on them."""
    await conn.execute(_REDACT_RECEIVED, ticket_ids, sender_email)
    if ticket_ids:
        await conn.execute(_REDACT_SENT, ticket_ids)
