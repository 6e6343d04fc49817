"""Inbound email rows, the desk's outbound mail headers, and the look-ups that thread a reply."""

import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from app.domain.access import Visibility
from app.domain.privacy import ERASED
from app.store import interactions, participants
from app.store.interactions import InteractionRow
from app.store.paging import KeyColumn, Order, Params, fetch_page
from app.store.visibility import visible_sql


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
    held_ticket_id: int | None
    decided_at: datetime | None
    decided_by_key_id: int | None


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
        followed_ticket_id = $6, held_ticket_id = $7
    WHERE id = $1
"""


def _row(record: asyncpg.Record) -> InboundEmailRow:
    values = {f.name: record[f.name] for f in fields(InboundEmailRow)}
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
    held_ticket_id: int | None = None,
) -> None:
    await conn.execute(
        _SETTLE,
        email_id,
        outcome,
        threaded_by,
        ticket_id,
        interaction_id,
        followed_ticket_id,
        held_ticket_id,
    )


# ---- held mail: a message answering a ticket its sender is not on, until a person decides --

HELD_ORDER = Order("inbound-held", (KeyColumn("id", int),))


def _held_visible(visible: Visibility, p: Params) -> list[str]:
    limit_to = visible_sql(visible, p)
    if limit_to is None:
        return []
    return [f"held_ticket_id IN (SELECT id FROM tickets WHERE {limit_to})"]


async def held_page(
    conn: asyncpg.Connection, visible: Visibility, *, limit: int, cursor: str | None
) -> tuple[list[InboundEmailRow], str | None]:
    """The messages still held, oldest first: those that would join a ticket the caller sees."""
    p = Params()
    rows, next_cursor = await fetch_page(
        conn,
        columns=_COLUMNS,
        source="inbound_emails",
        where=["outcome = 'held'", *_held_visible(visible, p)],
        params=p,
        order=HELD_ORDER,
        cursor=cursor,
        limit=limit,
    )
    return [_row(r) for r in rows], next_cursor


async def lock_held(
    conn: asyncpg.Connection, email_id: int, visible: Visibility
) -> InboundEmailRow | None:
    """A message that was held (decided since, or not), locked; None when there is no such
    message or it would join a ticket the caller does not see."""
    p = Params(email_id)
    where = ["id = $1", "held_ticket_id IS NOT NULL", *_held_visible(visible, p)]
    found = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM inbound_emails WHERE {' AND '.join(where)} FOR UPDATE",
        *p.values,
    )
    return None if found is None else _row(found)


_ACCEPT = f"""
    UPDATE inbound_emails
    SET outcome = $2, ticket_id = $3, interaction_id = $4, followed_ticket_id = $5,
        decided_at = $6, decided_by_key_id = $7
    WHERE id = $1
    RETURNING {_COLUMNS}
"""


async def accept(
    conn: asyncpg.Connection,
    email_id: int,
    *,
    outcome: str,
    ticket_id: int,
    interaction_id: int | None,
    followed_ticket_id: int | None,
    now: datetime,
    key_id: int | None,
) -> InboundEmailRow:
    found = await conn.fetchrow(
        _ACCEPT, email_id, outcome, ticket_id, interaction_id, followed_ticket_id, now, key_id
    )
    return _row(found)


# A rejected message keeps what makes a retry of it harmless (its Message-ID) and the record
# of the decision; what it said and who sent it go at once.
_REJECT = f"""
    UPDATE inbound_emails
    SET outcome = 'rejected', decided_at = $2, decided_by_key_id = $3,
        sender_email = NULL, sender_name = NULL, subject = '{ERASED}', text = '{ERASED}',
        quoted = '', attachments = '[]'::jsonb, thread_ids = '{{}}', automatic_reason = NULL
    WHERE id = $1
    RETURNING {_COLUMNS}
"""


async def reject(
    conn: asyncpg.Connection, email_id: int, *, now: datetime, key_id: int | None
) -> InboundEmailRow:
    return _row(await conn.fetchrow(_REJECT, email_id, now, key_id))


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


# The people on a ticket: its customer and its participants. Having written on it does not
# count: a stranger's mail that got onto the ticket must not let the stranger's next mail in.
_IS_ON_TICKET = """
    SELECT EXISTS (
        SELECT 1 FROM tickets t JOIN customers c ON c.id = t.customer_id
        WHERE t.id = $1 AND lower(c.email) = lower($2)
    ) OR EXISTS (
        SELECT 1 FROM ticket_participants p JOIN customers c ON c.id = p.customer_id
        WHERE p.ticket_id = $1 AND lower(c.email) = lower($2)
    )
"""


async def is_on_ticket(conn: asyncpg.Connection, ticket_id: int, email: str) -> bool:
    """Whether `email` is the address of someone on the ticket (its customer, a participant)."""
    return bool(await conn.fetchval(_IS_ON_TICKET, ticket_id, email))


# The thread so far, newest first (at most 20): messages received on the ticket and the desk's
# replies, with the order they sort in. Each side is read backwards along its thread index
# (ticket, time, id), 20 rows at most, whatever the thread's length.
_THREAD = """
    SELECT message_id, inbound, at, n FROM (
        (SELECT message_id, received_at AS at, id AS n, true AS inbound FROM inbound_emails
         WHERE ticket_id = $1 AND interaction_id IS NOT NULL
         ORDER BY received_at DESC, id DESC LIMIT 20)
        UNION ALL
        (SELECT message_id, created_at, interaction_id, false FROM outbound_emails
         WHERE ticket_id = $1
         ORDER BY created_at DESC, interaction_id DESC LIMIT 20)
    ) m
    ORDER BY at DESC, n DESC
    LIMIT 20
"""


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
    cc: list[str]


_OUTBOUND = tuple(f.name for f in fields(OutboundEmailRow))
_QUOTED = ", ".join(f'"{name}"' for name in _OUTBOUND)
_OUTBOUND_OF = f"SELECT {_QUOTED} FROM outbound_emails WHERE interaction_id = ANY($1::bigint[])"


@dataclass(frozen=True, slots=True)
class ReplyMarks:
    """What the desk writes on a reply's mail that needs no read: the marks it signs (with the
    interaction's reserved id) and the subject."""

    message_id: str
    reference_token: str
    subject: str


# A public agent email reply (its id reserved by the ticket's lock) stored with its headers, in
# one statement (one round trip): the interaction; its headers, made of the ticket's mail as it
# was before the reply (every part of a statement reads one snapshot), answering the customer's
# latest message among the thread's newest 20 (else the newest message), referencing them oldest
# first and copied to the ticket's `cc` participants; and the ticket's open reminders of one kind
# closed, at the reply's moment: the reply is the follow-up they asked for. The outbound row's
# foreign key to the interaction is checked at the statement's end, when both are written.
# $1 the ticket's id, $2… the interaction (`interactions.values_with_id`), then the marks.
_MARKS = 2 + interactions.WITH_ID_PARAMETERS
_REPLY = f"""
    WITH i AS ({interactions.insert_with_id_sql(2)}),
    m AS MATERIALIZED ({_THREAD}),
    closed AS (
        UPDATE reminders SET status = 'done', done_at = ${_MARKS + 3}, version = version + 1
        WHERE ticket_id = $1 AND kind = ${_MARKS + 4} AND status = 'open'
    )
    INSERT INTO outbound_emails ({_QUOTED})
    SELECT $2, $1, ${_MARKS},
           coalesce((SELECT message_id FROM m WHERE inbound ORDER BY at DESC, n DESC LIMIT 1),
                    (SELECT message_id FROM m ORDER BY at DESC, n DESC LIMIT 1)),
           ARRAY(SELECT message_id FROM m ORDER BY at, n),
           ${_MARKS + 1}, ${_MARKS + 2}, ${_MARKS + 3}, ARRAY({participants.COPIED})
    RETURNING {_QUOTED}
"""


async def insert_reply(
    conn: asyncpg.Connection, interaction: InteractionRow, marks: ReplyMarks, *, closing: str
) -> OutboundEmailRow:
    """Store `interaction`, a public agent email reply whose id was reserved, with its headers
    (`marks` and the thread it answers), closing the ticket's open reminders of kind `closing`."""
    r = await conn.fetchrow(
        _REPLY,
        interaction.ticket_id,
        *interactions.values_with_id(interaction),
        marks.message_id,
        marks.reference_token,
        marks.subject,
        interaction.created_at,
        closing,
    )
    return OutboundEmailRow(*r)


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


# Held mail that would join the tickets goes too: it may quote what the customer wrote.
_REDACT_RECEIVED = f"""
    UPDATE inbound_emails
    SET sender_email = NULL, sender_name = NULL, subject = '{ERASED}', text = '{ERASED}',
        quoted = '', attachments = '[]'::jsonb, thread_ids = '{{}}', automatic_reason = NULL
    WHERE ticket_id = ANY($1::bigint[]) OR followed_ticket_id = ANY($1::bigint[])
       OR held_ticket_id = ANY($1::bigint[])
       OR ($2::text IS NOT NULL AND lower(sender_email) = lower($2::text))
"""
_REDACT_SENT = f"""
    UPDATE outbound_emails SET subject = '{ERASED}', cc = '{{}}' WHERE ticket_id = ANY($1::bigint[])
"""
# An erased person's address goes from the copies of every reply, whoever's ticket it is on.
_UNCOPY = """
    UPDATE outbound_emails
    SET cc = ARRAY(SELECT a FROM unnest(cc) AS a WHERE lower(a) <> lower($1))
    WHERE EXISTS (SELECT 1 FROM unnest(cc) AS a WHERE lower(a) = lower($1))
"""


async def redact_mail(
    conn: asyncpg.Connection, ticket_ids: list[int], sender_email: str | None
) -> None:
    """Erase the mail received on these tickets (and, for a customer erased whole, all mail
    they sent), and the subjects of the desk's replies on them."""
    await conn.execute(_REDACT_RECEIVED, ticket_ids, sender_email)
    if ticket_ids:
        await conn.execute(_REDACT_SENT, ticket_ids)
    if sender_email is not None:
        await conn.execute(_UNCOPY, sender_email)
