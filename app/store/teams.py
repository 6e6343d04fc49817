"""Teams: the service centres tickets are routed to, each of a tier."""

from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: int
    name: str
    tier: int
    description: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    # Routing: the team's supervisor and how its new tickets are assigned
    supervisor_id: int | None
    assignment: str


COLUMNS = "id, name, tier, description, created_at, updated_at, version, supervisor_id, assignment"
_TIER = "SELECT tier FROM teams WHERE id = $1"
_GET = f"SELECT {COLUMNS} FROM teams WHERE id = $1"
_LOCK = f"{_GET} FOR UPDATE"
# Team names are unique (teams_name_key): a name already taken inserts nothing, and returns no row.
_INSERT = f"""
    INSERT INTO teams (name, tier, description, created_at, updated_at, version, supervisor_id,
                       assignment)
    VALUES ($1, $2, $3, $4, $4, 1, $5, $6)
    ON CONFLICT DO NOTHING
    RETURNING {COLUMNS}
"""
_UPDATE = f"""
    UPDATE teams SET name = $2, tier = $3, description = $4, updated_at = $5, version = version + 1,
        supervisor_id = $6, assignment = $7
    WHERE id = $1
    RETURNING {COLUMNS}
"""
LISTING = Order("teams", (KeyColumn("id", int),))
_ROW_FIELDS = tuple(f.name for f in fields(TeamRow))


def _row(record: asyncpg.Record) -> TeamRow:
    # A page's records carry its key columns too: take the team's own.
    return TeamRow(**{name: record[name] for name in _ROW_FIELDS})


async def tier_of(conn: asyncpg.Connection, team_id: int) -> int | None:
    """The team's tier; None when there is no such team."""
    tier: int | None = await conn.fetchval(_TIER, team_id)
    return tier


async def get(conn: asyncpg.Connection, team_id: int) -> TeamRow | None:
    found = await conn.fetchrow(_GET, team_id)
    return None if found is None else _row(found)


async def lock(conn: asyncpg.Connection, team_id: int) -> TeamRow | None:
    """The team, locked until the transaction ends (waits at most the lock timeout)."""
    found = await conn.fetchrow(_LOCK, team_id)
    return None if found is None else _row(found)


async def insert(
    conn: asyncpg.Connection,
    *,
    name: str,
    tier: int,
    description: str | None,
    now: datetime,
    supervisor_id: int | None = None,
    assignment: str = "none",
) -> TeamRow | None:
    """The new team; None when another already has this name."""
    found = await conn.fetchrow(_INSERT, name, tier, description, now, supervisor_id, assignment)
    return None if found is None else _row(found)


async def update(conn: asyncpg.Connection, team: TeamRow, now: datetime) -> TeamRow | None:
    """Store `team`'s fields as its new version; None when another team has its name (nothing
    is changed, and the caller's transaction goes on)."""
    try:
        # A savepoint: a unique violation undoes this statement only.
        async with conn.transaction():
            found = await conn.fetchrow(
                _UPDATE,
                team.id,
                team.name,
                team.tier,
                team.description,
                now,
                team.supervisor_id,
                team.assignment,
            )
    except asyncpg.UniqueViolationError:
        return None
    return None if found is None else _row(found)


async def page(
    conn: asyncpg.Connection, *, tier: int | None, cursor: str | None, limit: int
) -> tuple[list[TeamRow], str | None]:
    """Teams in id order after `cursor`."""
    p = Params()
    where = [] if tier is None else [f"tier = {p(tier)}"]
    records, next_cursor = await fetch_page(
        conn,
        columns=COLUMNS,
        source="teams",
        where=where,
        params=p,
        order=LISTING,
        cursor=cursor,
        limit=limit,
    )
    return [_row(r) for r in records], next_cursor
