"""Timers: every future moment the system must act on, one row each; claimed exactly once."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    ticket_id: int | None  # None: a timer about its kind's `subject_id`, not a ticket
    kind: str
    due_at: datetime
    subject_id: int | None = None


# One statement, `now` bound: any number of replicas may run it, each timer goes to exactly one.
# A pass first takes the tickets of the earliest due timers (locked, as a change to a ticket
# locks it; those another transaction holds, a pass or a change being written, are skipped
# until a later pass; FOR NO KEY UPDATE, not FOR UPDATE, so that a row being written that only
# refers to the ticket, whose foreign key holds the ticket's KEY SHARE lock, does not hide the
# ticket from the pass), then claims only timers of the tickets it holds: a ticket's due timers
# go to one pass at a time, whose handlers never wait on another pass for that ticket or its
# timer rows (two passes each holding what the other's handlers wanted deadlocked). The
# window of due timers looked at is four batches, so replicas side by side each find tickets.
# RETURNING gives the rows in whatever order the update met them, not the subquery's: the outer
# SELECT puts them back in due order.
_CLAIM = """
    WITH due AS (
        SELECT ticket_id, due_at FROM timers
        WHERE fired_at IS NULL AND due_at <= $1 AND ticket_id IS NOT NULL
        ORDER BY due_at
        LIMIT $2 * 4
    ),
    held AS (
        SELECT t.id FROM tickets t
        JOIN (SELECT ticket_id, min(due_at) AS first_due FROM due GROUP BY ticket_id) d
            ON d.ticket_id = t.id
        ORDER BY d.first_due, t.id
        LIMIT $2
        FOR NO KEY UPDATE OF t SKIP LOCKED
    ),
    claimed AS (
        UPDATE timers SET fired_at = $1
        WHERE id IN (
            SELECT id FROM timers
            WHERE fired_at IS NULL AND due_at <= $1
                AND (ticket_id IN (SELECT id FROM held) OR ticket_id IS NULL)
            ORDER BY due_at
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id, ticket_id, kind, due_at, subject_id
    )
    SELECT id, ticket_id, kind, due_at, subject_id FROM claimed ORDER BY due_at, id
"""


async def claim_due(conn: asyncpg.Connection, now: datetime, batch: int) -> list[Claimed]:
    """Up to `batch` due timers, marked fired, in (due_at, id) order."""
    return [Claimed(**r) for r in await conn.fetch(_CLAIM, now, batch)]


_ARM = """
    INSERT INTO timers (ticket_id, kind, due_at, created_at)
    SELECT $1, x.kind, x.due_at, now()
    FROM unnest($2::text[], $3::timestamptz[]) AS x(kind, due_at)
    ON CONFLICT ON CONSTRAINT timers_ticket_kind_due_key DO NOTHING
"""


async def arm(
    conn: asyncpg.Connection, ticket_id: int, timers: Sequence[tuple[str, datetime]]
) -> None:
    """Add timers; one already there for the same ticket, kind and moment is kept as it is."""
    if timers:
        await conn.execute(_ARM, ticket_id, [k for k, _ in timers], [d for _, d in timers])


_ARM_SUBJECT = """
    INSERT INTO timers (subject_id, kind, due_at, created_at) VALUES ($1, $2, $3, now())
    ON CONFLICT (kind, subject_id, due_at) WHERE ticket_id IS NULL DO NOTHING
"""


async def arm_subject(
    conn: asyncpg.Connection, kind: str, subject_id: int, due_at: datetime
) -> None:
    """Add a timer about `subject_id` of its kind; one already there for the same moment stays."""
    await conn.execute(_ARM_SUBJECT, subject_id, kind, due_at)


# A ticket's pending timers of some kinds made exactly the wanted ones, as parts (CTEs) of a
# statement (no read first): the pending ones not wanted are deleted, never fired; the wanted ones
# are armed unless there already, pending or fired (the unique key). The keys deleted and the
# keys armed never meet. When one armed now is due before a moment, the workers on a channel are
# woken (pg_notify, delivered at commit) with its instant. Part of a ticket change's one
# statement (store/tickets.write_change).
def sync_sql(ticket: str, first: int) -> tuple[list[str], str]:
    """The CTEs syncing `ticket`'s (SQL) timers and the expression waking the workers, over
    parameters `first`…`first + 4`: the wanted kinds and due times, the kinds synced, the
    channel and the moment before which an armed timer wakes them (`Sync.parameters`)."""
    kinds, due, synced, channel, before = (f"${first + i}" for i in range(5))
    ctes = [
        f"wanted AS (SELECT x.kind, x.due_at FROM unnest({kinds}::text[], {due}::timestamptz[])"
        " AS x(kind, due_at))",
        f"""stale AS (
            DELETE FROM timers t
            WHERE t.ticket_id = {ticket} AND t.fired_at IS NULL AND t.kind = ANY({synced}::text[])
              AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.kind = t.kind AND w.due_at = t.due_at)
        )""",
        f"""armed AS (
            INSERT INTO timers (ticket_id, kind, due_at, created_at)
            SELECT {ticket}, w.kind, w.due_at, now() FROM wanted w
            ON CONFLICT ON CONSTRAINT timers_ticket_kind_due_key DO NOTHING
            RETURNING due_at
        )""",
    ]
    wake = (
        f"(SELECT CASE WHEN min(due_at) < {before}"
        f" THEN pg_notify({channel}, to_json(min(due_at)) #>> '{{}}') END FROM armed)"
    )
    return ctes, wake


@dataclass(frozen=True, slots=True)
class Sync:
    """What a sync makes of a ticket's pending timers of `kinds`: exactly `wanted` (kind, due
    time); `wake` = (channel, before): NOTIFY the channel when one armed is due before `before`."""

    kinds: Sequence[str]
    wanted: Sequence[tuple[str, datetime]]
    wake: tuple[str, datetime]

    @property
    def parameters(self) -> list[object]:
        return [
            [k for k, _ in self.wanted],
            [d for _, d in self.wanted],
            list(self.kinds),
            *self.wake,
        ]


_CANCEL = """
    DELETE FROM timers WHERE ticket_id = $1 AND kind = ANY($2::text[]) AND fired_at IS NULL
"""


async def cancel(conn: asyncpg.Connection, ticket_id: int, kinds: Sequence[str]) -> None:
    await conn.execute(_CANCEL, ticket_id, list(kinds))


_CANCEL_SUBJECT = """
    DELETE FROM timers
    WHERE ticket_id IS NULL AND kind = $1 AND subject_id = $2 AND fired_at IS NULL
"""


async def cancel_subject(conn: asyncpg.Connection, kind: str, subject_id: int) -> None:
    await conn.execute(_CANCEL_SUBJECT, kind, subject_id)


_NEXT_DUE = "SELECT min(due_at) FROM timers WHERE fired_at IS NULL"


async def next_due(conn: asyncpg.Connection) -> datetime | None:
    due: datetime | None = await conn.fetchval(_NEXT_DUE)
    return due


async def notify(conn: asyncpg.Connection, channel: str, payload: str) -> None:
    """Wake the workers LISTENing on `channel` (delivered when the transaction commits)."""
    await conn.execute("SELECT pg_notify($1, $2)", channel, payload)


_COUNTS = """
    SELECT count(*) AS pending,
           count(*) FILTER (WHERE due_at <= $1) AS overdue,
           min(due_at) FILTER (WHERE due_at <= $1) AS oldest_overdue
    FROM timers WHERE fired_at IS NULL
"""


async def counts(conn: asyncpg.Connection, now: datetime) -> tuple[int, int, datetime | None]:
    r = await conn.fetchrow(_COUNTS, now)
    return r["pending"], r["overdue"], r["oldest_overdue"]
