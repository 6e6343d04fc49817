"""Personal data: everything held about a customer, read in one snapshot; its redaction, table
by table; the register of erasures; and the closed tickets retention erases."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from app.domain.access import Visibility
from app.domain.privacy import ERASED
from app.store.callbacks import COLUMNS as CALLBACK_COLUMNS
from app.store.callbacks import CallbackRow
from app.store.history import HistoryRow
from app.store.interactions import InteractionRow
from app.store.paging import Params
from app.store.tickets import SELECT as SELECT_TICKETS
from app.store.tickets import TicketRow
from app.store.visibility import visible_sql

_INTERACTION_COLUMNS = (
    "ticket_id, kind, direction, public, author_type, author_agent_id, author_customer_id,"
    " author_name, body, occurred_at, duration_seconds, external_id, created_at,"
    " created_by_key_id, id"
)
_HISTORY_COLUMNS = (
    "ticket_id, at, action, field, old_value, new_value, actor_type, actor_key_id, actor_name,"
    " interaction_id, note, id"
)


@dataclass(frozen=True, slots=True)
class ErasureRow:
    id: int
    customer_id: int | None
    ticket_id: int | None
    reason: str
    erased_at: datetime


_ERASURE_COLUMNS = "id, customer_id, ticket_id, reason, erased_at"


def snapshot(conn: asyncpg.Connection) -> Any:
    """A transaction that sees one moment of the database however many statements it runs:
    an export never shows an interaction of a ticket it does not list."""
    return conn.transaction(isolation="repeatable_read")


# ---- reading what is held about a customer -----------------------------------------------------


async def tickets_of(
    conn: asyncpg.Connection, customer_id: int, visible: Visibility, *, lock: bool = False
) -> list[TicketRow]:
    """The customer's tickets in id order (locked in that order: two erasures never deadlock)."""
    p = Params(customer_id)
    limit = visible_sql(visible, p)
    sql = f"{SELECT_TICKETS} WHERE customer_id = $1{' AND ' + limit if limit else ''} ORDER BY id"
    return [
        TicketRow(**r) for r in await conn.fetch(sql + (" FOR UPDATE" if lock else ""), *p.values)
    ]


# The interactions on the customer's tickets, and any the customer wrote on another's.
_INTERACTIONS = f"""
    SELECT {_INTERACTION_COLUMNS} FROM interactions
    WHERE ticket_id = ANY($1::bigint[]) OR author_customer_id = $2
    ORDER BY ticket_id, occurred_at, id
"""


async def interactions_of(
    conn: asyncpg.Connection, ticket_ids: Sequence[int], customer_id: int
) -> list[InteractionRow]:
    return [
        InteractionRow(**r) for r in await conn.fetch(_INTERACTIONS, list(ticket_ids), customer_id)
    ]


_CALLBACKS = f"""
    SELECT {", ".join(CALLBACK_COLUMNS)} FROM callbacks
    WHERE ticket_id = ANY($1::bigint[]) ORDER BY ticket_id, id
"""


async def callbacks_of(conn: asyncpg.Connection, ticket_ids: Sequence[int]) -> list[CallbackRow]:
    return [CallbackRow(**r) for r in await conn.fetch(_CALLBACKS, list(ticket_ids))]


_HISTORY = f"""
    SELECT {_HISTORY_COLUMNS} FROM ticket_history
    WHERE ticket_id = ANY($1::bigint[]) ORDER BY ticket_id, id
"""


async def history_of(conn: asyncpg.Connection, ticket_ids: Sequence[int]) -> list[HistoryRow]:
    return [HistoryRow(**r) for r in await conn.fetch(_HISTORY, list(ticket_ids))]


# ---- the register of erasures ------------------------------------------------------------------

_CUSTOMER_ERASURE = f"""
    SELECT {_ERASURE_COLUMNS} FROM personal_data_erasures
    WHERE customer_id = $1 AND ticket_id IS NULL
"""
_TICKET_ERASURES = f"""
    SELECT {_ERASURE_COLUMNS} FROM personal_data_erasures
    WHERE ticket_id = ANY($1::bigint[]) ORDER BY ticket_id
"""
_RECORD_CUSTOMER = f"""
    INSERT INTO personal_data_erasures (customer_id, ticket_id, reason, erased_at)
    VALUES ($1, NULL, $2, $3)
    ON CONFLICT (customer_id) WHERE ticket_id IS NULL DO NOTHING
    RETURNING {_ERASURE_COLUMNS}
"""
_RECORD_TICKETS = """
    INSERT INTO personal_data_erasures (customer_id, ticket_id, reason, erased_at)
    SELECT $1, t, $3, $4 FROM unnest($2::bigint[]) AS t
    ON CONFLICT (ticket_id) WHERE ticket_id IS NOT NULL DO NOTHING
"""


async def customer_erasure(conn: asyncpg.Connection, customer_id: int) -> ErasureRow | None:
    found = await conn.fetchrow(_CUSTOMER_ERASURE, customer_id)
    return None if found is None else ErasureRow(**found)


async def ticket_erasures(conn: asyncpg.Connection, ticket_ids: Sequence[int]) -> list[ErasureRow]:
    return [ErasureRow(**r) for r in await conn.fetch(_TICKET_ERASURES, list(ticket_ids))]


async def record_customer_erasure(
    conn: asyncpg.Connection, customer_id: int, reason: str, at: datetime
) -> ErasureRow | None:
    """The new entry; None if the customer was erased already."""
    found = await conn.fetchrow(_RECORD_CUSTOMER, customer_id, reason, at)
    return None if found is None else ErasureRow(**found)


async def record_ticket_erasures(
    conn: asyncpg.Connection,
    customer_id: int | None,
    ticket_ids: Sequence[int],
    reason: str,
    at: datetime,
) -> None:
    if ticket_ids:
        await conn.execute(_RECORD_TICKETS, customer_id, list(ticket_ids), reason, at)


# ---- redaction -----------------------------------------------------------------------------------

# Only what still holds something: a repeated erasure changes nothing, not even the version.
_REDACT_CUSTOMER = """
    UPDATE customers
    SET name = $2, email = NULL, phone = NULL, organization = NULL, account_number = NULL,
        language = NULL, time_zone = NULL,
        updated_at = greatest(updated_at, $3), version = version + 1
    WHERE id = $1
      AND (name <> $2 OR email IS NOT NULL OR phone IS NOT NULL OR organization IS NOT NULL
           OR account_number IS NOT NULL OR language IS NOT NULL OR time_zone IS NOT NULL)
"""


async def redact_customer(
    conn: asyncpg.Connection, customer_id: int, name: str, at: datetime
) -> None:
    await conn.execute(_REDACT_CUSTOMER, customer_id, name, at)


@dataclass(frozen=True, slots=True)
class TicketRedaction:
    """What a ticket keeps of the values that may mention a person (computed by the caller)."""

    id: int
    tags: list[str]
    category: str | None
    priority_override_reason: str | None
    priority_reason: str
    routing_reason: str | None
    external_id: str | None


# Status, priority, team, counts, SLA columns and instants stay: the metrics hold.
_REDACT_TICKET = f"""
    UPDATE tickets
    SET subject = '{ERASED}', description = NULL, product = NULL, model_number = NULL,
        serial_number = NULL, account_number = NULL, equipment_location = NULL,
        tags = $2, category = $3, priority_override_reason = $4, external_id = $5,
        priority_reason = $7, routing_reason = $8,
        updated_at = greatest(updated_at, $6), version = version + 1
    WHERE id = $1
"""


async def redact_tickets(
    conn: asyncpg.Connection, redactions: Sequence[TicketRedaction], at: datetime
) -> None:
    if redactions:
        await conn.executemany(
            _REDACT_TICKET,
            [
                (
                    r.id,
                    r.tags,
                    r.category,
                    r.priority_override_reason,
                    r.external_id,
                    at,
                    r.priority_reason,
                    r.routing_reason,
                )
                for r in redactions
            ],
        )


_REDACT_INTERACTION = f"""
    UPDATE interactions SET body = '{ERASED}', author_name = $2, external_id = $3 WHERE id = $1
"""


async def redact_interactions(
    conn: asyncpg.Connection, redactions: Sequence[tuple[int, str | None, str | None]]
) -> None:
    """(id, author name, external id) each: the body goes whatever it said."""
    if redactions:
        await conn.executemany(_REDACT_INTERACTION, list(redactions))


_REDACT_CALLBACKS = """
    UPDATE callbacks SET phone = NULL, note = NULL
    WHERE ticket_id = ANY($1::bigint[]) AND (phone IS NOT NULL OR note IS NOT NULL)
"""


async def redact_callbacks(conn: asyncpg.Connection, ticket_ids: Sequence[int]) -> None:
    await conn.execute(_REDACT_CALLBACKS, list(ticket_ids))


# A survey's score stays (the metrics need it); its comment is the customer's own words.
_REDACT_SURVEYS = """
    UPDATE survey_responses SET comment = NULL
    WHERE ticket_id = ANY($1::bigint[]) AND comment IS NOT NULL
"""


async def redact_surveys(conn: asyncpg.Connection, ticket_ids: Sequence[int]) -> None:
    await conn.execute(_REDACT_SURVEYS, list(ticket_ids))


_REWRITE_HISTORY = """
    UPDATE ticket_history SET old_value = $2, new_value = $3, actor_name = $4, note = $5
    WHERE id = $1
"""


async def rewrite_history(conn: asyncpg.Connection, lines: Sequence[HistoryRow]) -> None:
    """Store the lines' values, actor names and notes as given (the history is otherwise
    append-only: this is erasure's one exception)."""
    if lines:
        await conn.executemany(
            _REWRITE_HISTORY,
            [(h.id, h.old_value, h.new_value, h.actor_name, h.note) for h in lines],
        )


# A stored response is about the customer if it is their record, one of their tickets or
# something of one (by the operation's ticket id or the body's), or names them.
_RESPONSES_ABOUT = """
    SELECT api_key_id, key, response_body FROM idempotent_requests
    WHERE response_body IS NOT NULL
      AND (response_body ->> 'customer_id' = $1::text
       OR response_body ->> 'ticket_id' = ANY($2::text[])
       OR (operation = 'tickets.create' AND response_body ->> 'id' = ANY($2::text[]))
       OR (operation LIKE '%:%' AND split_part(operation, ':', 2) = ANY($2::text[]))
       OR EXISTS (SELECT 1 FROM unnest($3::text[]) AS m
                  WHERE strpos(lower(response_body::text), m) > 0
                     OR strpos(lower(key), m) > 0))
    ORDER BY api_key_id, key
"""
_REWRITE_RESPONSE = """
    UPDATE idempotent_requests SET response_body = $3 WHERE api_key_id = $1 AND key = $2
"""
_FORGET_RESPONSE = "DELETE FROM idempotent_requests WHERE api_key_id = $1 AND key = $2"


@dataclass(frozen=True, slots=True)
class StoredResponse:
    api_key_id: int
    key: str
    response_body: Any


async def responses_about(
    conn: asyncpg.Connection,
    customer_id: int | None,
    ticket_ids: Sequence[int],
    mentions: Sequence[str],
) -> list[StoredResponse]:
    """The stored idempotent responses about the customer or their tickets, or whose JSON text
    or key holds one of `mentions` (lower-cased, JSON-escaped)."""
    rows = await conn.fetch(
        _RESPONSES_ABOUT,
        None if customer_id is None else str(customer_id),
        [str(t) for t in ticket_ids],
        list(mentions),
    )
    return [StoredResponse(**r) for r in rows]


async def rewrite_responses(conn: asyncpg.Connection, responses: Sequence[StoredResponse]) -> None:
    """Store the responses' bodies as given: a retry with their key replays the redacted
    resource (never runs the request again)."""
    if responses:
        await conn.executemany(
            _REWRITE_RESPONSE, [(r.api_key_id, r.key, r.response_body) for r in responses]
        )


async def forget_responses(conn: asyncpg.Connection, responses: Sequence[StoredResponse]) -> None:
    """Delete stored requests whose very key names the person."""
    if responses:
        await conn.executemany(_FORGET_RESPONSE, [(r.api_key_id, r.key) for r in responses])


# The events of the tickets, and any other naming the person.
_EVENTS_ABOUT = """
    SELECT id, payload FROM events
    WHERE ticket_id = ANY($1::bigint[])
       OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS m WHERE strpos(lower(payload::text), m) > 0)
    ORDER BY id
"""
_REWRITE_EVENT = "UPDATE events SET payload = $2 WHERE id = $1"


async def events_about(
    conn: asyncpg.Connection, ticket_ids: Sequence[int], mentions: Sequence[str]
) -> list[tuple[int, Any]]:
    """(id, payload) of the tickets' events and of those whose payload holds a mention."""
    rows = await conn.fetch(_EVENTS_ABOUT, list(ticket_ids), list(mentions))
    return [(r["id"], r["payload"]) for r in rows]


async def rewrite_events(conn: asyncpg.Connection, events: Sequence[tuple[int, Any]]) -> None:
    if events:
        await conn.executemany(_REWRITE_EVENT, list(events))


# A receiver's error text may quote what it was sent; an import's key may name the person.
_SCRUB_DELIVERIES = f"""
    UPDATE webhook_deliveries SET last_error = '{ERASED}'
    WHERE last_error IS NOT NULL AND last_error <> '{ERASED}'
      AND (ticket_id = ANY($1::bigint[])
           OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS m WHERE strpos(lower(last_error), m) > 0))
"""
_SCRUB_IMPORTS = f"""
    UPDATE ticket_imports SET external_id = '{ERASED} ' || ticket_id
    WHERE ticket_id = ANY($1::bigint[])
      AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS m WHERE strpos(lower(external_id), m) > 0)
"""


async def scrub_deliveries_and_imports(
    conn: asyncpg.Connection, ticket_ids: Sequence[int], mentions: Sequence[str]
) -> None:
    """Webhook delivery errors of the tickets, and import references naming the person
    (lower-cased `mentions`), redacted."""
    await conn.execute(_SCRUB_DELIVERIES, list(ticket_ids), list(mentions))
    await conn.execute(_SCRUB_IMPORTS, list(ticket_ids), list(mentions))


_REDACT_QA = f"""
    WITH reviews AS (
        UPDATE qa_reviews
        SET comment = CASE WHEN comment IS NULL THEN NULL ELSE '{ERASED}' END,
            suggestions = '[]'::jsonb
        WHERE ticket_id = ANY($1::bigint[])
          AND (comment IS NOT NULL OR suggestions <> '[]'::jsonb)
    )
    UPDATE qa_disputes
    SET reason = CASE WHEN reason IS NULL THEN NULL ELSE '{ERASED}' END,
        decision_comment = CASE WHEN decision_comment IS NULL THEN NULL ELSE '{ERASED}' END
    WHERE ticket_id = ANY($1::bigint[])
      AND (reason IS NOT NULL OR decision_comment IS NOT NULL)
"""


_REDACT_KB_SEARCHES = f"""
    UPDATE kb_searches SET query = '{ERASED}'
    WHERE (ticket_id = ANY($1::bigint[]) OR customer_id = $2) AND query <> '{ERASED}'
"""


async def redact_searches(
    conn: asyncpg.Connection, ticket_ids: Sequence[int], customer_id: int | None
) -> None:
    """What the customer searched the knowledge base for, and the searches their tickets'
    text made (the suggestions)."""
    await conn.execute(_REDACT_KB_SEARCHES, list(ticket_ids), customer_id)


async def redact_quality_reviews(conn: asyncpg.Connection, ticket_ids: Sequence[int]) -> None:
    """The reviewers' words on the tickets' quality reviews and disputes (scores stay)."""
    await conn.execute(_REDACT_QA, list(ticket_ids))


# ---- retention -----------------------------------------------------------------------------------

_CLOSED_NOT_ERASED = f"""
    {SELECT_TICKETS}
    WHERE id = ANY($1::bigint[]) AND status = 'closed' AND closed_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM personal_data_erasures e WHERE e.ticket_id = tickets.id)
    ORDER BY id
    FOR UPDATE
"""


async def lock_closed_not_erased(
    conn: asyncpg.Connection, ticket_ids: Sequence[int]
) -> list[TicketRow]:
    return [TicketRow(**r) for r in await conn.fetch(_CLOSED_NOT_ERASED, list(ticket_ids))]


_INTERACTIONS_OF_TICKETS = f"""
    SELECT {_INTERACTION_COLUMNS} FROM interactions
    WHERE ticket_id = ANY($1::bigint[]) ORDER BY ticket_id, occurred_at, id
"""


async def interactions_of_tickets(
    conn: asyncpg.Connection, ticket_ids: Sequence[int]
) -> list[InteractionRow]:
    return [
        InteractionRow(**r) for r in await conn.fetch(_INTERACTIONS_OF_TICKETS, list(ticket_ids))
    ]


_CUSTOMERS_OF_TICKETS = """
    SELECT DISTINCT customer_id FROM tickets
    WHERE id = ANY($1::bigint[]) AND customer_id IS NOT NULL
    ORDER BY customer_id
"""


async def customers_of_tickets(conn: asyncpg.Connection, ticket_ids: Sequence[int]) -> list[int]:
    return [r["customer_id"] for r in await conn.fetch(_CUSTOMERS_OF_TICKETS, list(ticket_ids))]


# Customers with nothing left but erased tickets, and not erased themselves.
_CUSTOMERS_LEFT_WITHOUT_DATA = """
    SELECT c.id FROM customers c
    WHERE c.id = ANY($1::bigint[])
      AND NOT EXISTS (SELECT 1 FROM personal_data_erasures e
                      WHERE e.customer_id = c.id AND e.ticket_id IS NULL)
      AND NOT EXISTS (SELECT 1 FROM tickets t
                      WHERE t.customer_id = c.id
                        AND NOT EXISTS (SELECT 1 FROM personal_data_erasures e
                                        WHERE e.ticket_id = t.id))
    ORDER BY c.id
"""


async def customers_left_without_data(
    conn: asyncpg.Connection, customer_ids: Sequence[int]
) -> list[int]:
    return [r["id"] for r in await conn.fetch(_CUSTOMERS_LEFT_WITHOUT_DATA, list(customer_ids))]


# Closed tickets not erased and with no retention timer pending: one set-based statement. One
# overdue is due now (not at a moment a timer of it may already have fired at, and been kept).
_ARM_BACKLOG = """
    INSERT INTO timers (ticket_id, kind, due_at, created_at)
    SELECT t.id, $1::text, greatest(t.closed_at + make_interval(days => $2::int), $3), $3
    FROM tickets t
    WHERE t.status = 'closed' AND t.closed_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM personal_data_erasures e WHERE e.ticket_id = t.id)
      AND NOT EXISTS (SELECT 1 FROM timers x
                      WHERE x.ticket_id = t.id AND x.kind = $1::text AND x.fired_at IS NULL)
    ON CONFLICT ON CONSTRAINT timers_ticket_kind_due_key DO NOTHING
"""


async def arm_backlog(conn: asyncpg.Connection, kind: str, days: int, now: datetime) -> int:
    """Arm a `kind` timer, due `days` after closing, for every closed ticket without one;
    how many were armed."""
    result = await conn.execute(_ARM_BACKLOG, kind, days, now)
    return int(result.split()[-1])
