"""Escalations (with transfers and de-escalations), their acknowledgement reminders, and the
escalation matrix row."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from app.domain.access import EVERYTHING, Visibility
from app.store.paging import KeyColumn, Order, Params, fetch_feed, fetch_page, rows_of
from app.store.tickets import SELECT as SELECT_TICKETS
from app.store.tickets import TicketRow
from app.store.visibility import visible_sql


@dataclass(frozen=True, slots=True)
class NewEscalation:
    ticket_id: int
    kind: str
    from_team_id: int | None
    to_team_id: int | None
    from_tier: int
    to_tier: int
    from_agent_id: int | None
    to_agent_id: int | None
    reason: str
    trigger: str
    actor_key_id: int | None
    actor_agent_id: int | None
    actor_name: str | None
    created_at: datetime
    ack_remind_at: datetime | None = None
    ack_due_at: datetime | None = None
    sla_event_id: int | None = None
    overdue_escalation_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationRow(NewEscalation):
    id: int
    acknowledged_at: datetime | None
    acknowledged_by_key_id: int | None
    acknowledged_by_name: str | None


_NEW = tuple(f.name for f in fields(NewEscalation))
COLUMNS = tuple(f.name for f in fields(EscalationRow))
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM escalations"
# An automatic escalation is once per cause (sla_event_id, overdue_escalation_id are unique):
# a replayed or concurrently fired timer inserts nothing and gets no row back.
_INSERT = f"""
    INSERT INTO escalations ({", ".join(_NEW)})
    VALUES ({", ".join(f"${i}" for i in range(1, len(_NEW) + 1))})
    ON CONFLICT DO NOTHING
    RETURNING {", ".join(COLUMNS)}
"""


async def insert(conn: asyncpg.Connection, new: NewEscalation) -> EscalationRow | None:
    found = await conn.fetchrow(_INSERT, *(getattr(new, name) for name in _NEW))
    return None if found is None else EscalationRow(**found)


_LOCK = f"{_SELECT} WHERE id = $1 FOR UPDATE"


async def lock(conn: asyncpg.Connection, escalation_id: int) -> EscalationRow | None:
    found = await conn.fetchrow(_LOCK, escalation_id)
    return None if found is None else EscalationRow(**found)


_ACKNOWLEDGE = f"""
    UPDATE escalations SET acknowledged_at = $2, acknowledged_by_key_id = $3,
        acknowledged_by_name = $4
    WHERE id = $1
    RETURNING {", ".join(COLUMNS)}
"""


async def acknowledge(
    conn: asyncpg.Connection, escalation_id: int, at: datetime, key_id: int | None, name: str
) -> EscalationRow:
    return EscalationRow(**await conn.fetchrow(_ACKNOWLEDGE, escalation_id, at, key_id, name))


# The escalations a reminder or overdue timer of a ticket is for: still unacknowledged.
_WAITING = f"""
    {_SELECT}
    WHERE ticket_id = ANY($1::bigint[]) AND acknowledged_at IS NULL
      AND (CASE WHEN $2 THEN ack_remind_at ELSE ack_due_at END) = ANY($3::timestamptz[])
    ORDER BY id
"""


async def waiting(
    conn: asyncpg.Connection, ticket_ids: Sequence[int], due: Sequence[datetime], *, remind: bool
) -> list[EscalationRow]:
    """Unacknowledged escalations of these tickets whose reminder (or, `remind` false, whose
    acknowledgement deadline) is one of `due`."""
    rows = await conn.fetch(_WAITING, sorted(set(ticket_ids)), remind, list(due))
    return [EscalationRow(**r) for r in rows]


# One reminder per escalation (reminders_once_key: ticket, kind, due moment).
_REMIND = """
    INSERT INTO reminders (ticket_id, kind, assignee_id, team_id, due_at, status, created_at,
                           version)
    SELECT x.ticket_id, 'escalation_ack', x.assignee_id, x.team_id, x.due_at, 'open', $5, 1
    FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[])
        AS x(ticket_id, assignee_id, team_id, due_at)
    ON CONFLICT ON CONSTRAINT reminders_once_key DO NOTHING
    RETURNING ticket_id
"""


async def remind(
    conn: asyncpg.Connection, escalations: Sequence[EscalationRow], now: datetime
) -> list[int]:
    """An `escalation_ack` reminder for whoever receives each escalation; the tickets raised on."""
    rows = await conn.fetch(
        _REMIND,
        [e.ticket_id for e in escalations],
        [e.to_agent_id for e in escalations],
        [e.to_team_id for e in escalations],
        [e.ack_due_at for e in escalations],
        now,
    )
    return [r["ticket_id"] for r in rows]


# Several worker loops escalate at once: each takes its tickets' locks together, in id order,
# so two of them never wait on each other.
_LOCK_TICKETS = f"{SELECT_TICKETS} WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE"


async def lock_tickets(conn: asyncpg.Connection, ticket_ids: Sequence[int]) -> dict[int, TicketRow]:
    rows = await conn.fetch(_LOCK_TICKETS, sorted(set(ticket_ids)))
    return {r["id"]: TicketRow(**r) for r in rows}


# ---- lists -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationFilters:
    ticket_id: int | None = None
    kind: str | None = None
    trigger: str | None = None
    team_id: int | None = None  # from or to
    to_agent_id: int | None = None
    acknowledged: bool | None = None
    since: datetime | None = None
    until: datetime | None = None


ORDER = Order("escalations", (KeyColumn("id", int),), descending=True)
ORDER_OF_TICKET = Order("ticket-escalations", (KeyColumn("id", int),))


def _where(f: EscalationFilters, p: Params, visible: Visibility) -> list[str]:
    where = [
        f"{column} = {p(value, cast)}"
        for column, value, cast in (
            ("ticket_id", f.ticket_id, "bigint"),
            ("kind", f.kind, "text"),
            ("trigger", f.trigger, "text"),
            ("to_agent_id", f.to_agent_id, "bigint"),
        )
        if value is not None
    ]
    if f.team_id is not None:
        team = p(f.team_id, "bigint")
        where.append(f"(from_team_id = {team} OR to_team_id = {team})")
    if f.acknowledged is not None:
        where.append(f"acknowledged_at IS {'NOT ' if f.acknowledged else ''}NULL")
    if f.since is not None:
        where.append(f"created_at >= {p(f.since, 'timestamptz')}")
    if f.until is not None:
        where.append(f"created_at < {p(f.until, 'timestamptz')}")
    # An escalation is seen by whoever sees its ticket.
    limit = visible_sql(visible, p)
    if limit:
        where.append(f"ticket_id IN (SELECT id FROM tickets WHERE {limit})")
    return where


async def page(
    conn: asyncpg.Connection,
    filters: EscalationFilters,
    *,
    limit: int,
    cursor: str | None,
    visible: Visibility = EVERYTHING,
    oldest_first: bool = False,
) -> tuple[list[EscalationRow], str | None]:
    """Newest first (a ticket's trail: oldest first) after `cursor`."""
    p = Params()
    rows, next_cursor = await fetch_page(
        conn,
        columns=", ".join(COLUMNS),
        source="escalations",
        where=_where(filters, p, visible),
        params=p,
        order=ORDER_OF_TICKET if oldest_first else ORDER,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(EscalationRow, rows), next_cursor


async def feed(
    conn: asyncpg.Connection,
    filters: EscalationFilters,
    *,
    limit: int,
    cursor: str | None,
    visible: Visibility = EVERYTHING,
) -> tuple[list[EscalationRow], str]:
    """Escalations in the order they were committed, after `cursor` (`paging.fetch_feed`)."""
    p = Params()
    rows, next_cursor = await fetch_feed(
        conn,
        columns=", ".join(COLUMNS),
        source="escalations",
        where=_where(filters, p, visible),
        params=p,
        listing="escalations-feed",
        cursor=cursor,
        limit=limit,
    )
    return rows_of(EscalationRow, rows), next_cursor


# ---- the escalation matrix ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatrixRow:
    rules: list[dict[str, Any]]
    updated_at: datetime
    version: int


_MATRIX = "SELECT rules, updated_at, version FROM escalation_matrix WHERE id = 1"
_REPLACE_MATRIX = """
    UPDATE escalation_matrix SET rules = $1::jsonb, updated_at = $2, version = version + 1
    WHERE id = 1 RETURNING rules, updated_at, version
"""


async def matrix(conn: asyncpg.Connection, *, lock: bool = False) -> MatrixRow:
    return MatrixRow(**await conn.fetchrow(_MATRIX + (" FOR UPDATE" if lock else "")))


async def replace_matrix(
    conn: asyncpg.Connection, rules: list[dict[str, Any]], now: datetime
) -> MatrixRow:
    return MatrixRow(**await conn.fetchrow(_REPLACE_MATRIX, rules, now))


# ---- erasure -------------------------------------------------------------------------------

_REASONS_OF = "SELECT reason FROM escalations WHERE ticket_id = ANY($1::bigint[]) ORDER BY id"
_REDACT = """
    UPDATE escalations SET reason = $2
    WHERE ticket_id = ANY($1::bigint[]) AND reason <> $2
"""


async def reasons_of(conn: asyncpg.Connection, ticket_ids: Sequence[int]) -> list[str]:
    """The reasons typed for the tickets' escalations and transfers."""
    return [r["reason"] for r in await conn.fetch(_REASONS_OF, list(ticket_ids))]


async def redact_reasons(conn: asyncpg.Connection, ticket_ids: Sequence[int], marker: str) -> None:
    """The tickets' escalation reasons replaced by `marker` (an erasure: typed about the person)."""
    await conn.execute(_REDACT, list(ticket_ids), marker)
