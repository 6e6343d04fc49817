"""Fair samples (assignments): the population a draw reads, the sample and its items."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page, rows_of
from app.store.qa.sql import columns as _columns
from app.store.qa.sql import insert as _insert


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    id: int
    period: str
    period_start: date
    period_end: date
    per_agent: int
    filters: dict[str, Any]
    seed: int
    population: dict[str, list[int]]
    created_at: datetime
    created_by_key_id: int | None
    schedule_id: int | None


@dataclass(frozen=True, slots=True)
class AssignmentItemRow:
    ticket_id: int
    agent_id: int
    reviewed: bool


@dataclass(frozen=True)
class PopulationFilters:
    start: datetime
    end: datetime
    period: str
    period_start: date
    team_id: int | None = None
    channel: str | None = None
    category: str | None = None
    min_interactions: int = 0


async def population(conn: asyncpg.Connection, f: PopulationFilters) -> dict[int, list[int]]:
    """Per assignee, the tickets resolved in the period that match the filters and were not
    sampled in this period yet."""
    p = Params()
    where = [
        f"t.resolved_at >= {p(f.start, 'timestamptz')}",
        f"t.resolved_at < {p(f.end, 'timestamptz')}",
        "t.assignee_id IS NOT NULL",
        f"t.interaction_count >= {p(f.min_interactions, 'int')}",
        f"""NOT EXISTS (SELECT 1 FROM qa_assignment_items s WHERE s.ticket_id = t.id
              AND s.period = {p(f.period, "text")}
              AND s.period_start = {p(f.period_start, "date")})""",
    ]
    if f.team_id is not None:
        where.append(f"t.team_id = {p(f.team_id, 'bigint')}")
    if f.channel is not None:
        where.append(f"t.channel = {p(f.channel, 'text')}")
    if f.category is not None:
        where.append(f"t.category = {p(f.category, 'text')}")
    sql = f"""SELECT t.assignee_id, array_agg(t.id ORDER BY t.id) AS ids FROM tickets t
              WHERE {" AND ".join(where)} GROUP BY t.assignee_id"""
    return {r["assignee_id"]: list(r["ids"]) for r in await conn.fetch(sql, *p.values)}


_ASSIGNMENT_COLUMNS = _columns(AssignmentRow)


async def same_assignment(
    conn: asyncpg.Connection,
    *,
    period: str,
    period_start: date,
    per_agent: int,
    filters: dict[str, Any],
    seed: int,
) -> AssignmentRow | None:
    """An assignment made by this very request (a repeat returns it)."""
    sql = f"""SELECT {_ASSIGNMENT_COLUMNS} FROM qa_assignments
              WHERE period = $1 AND period_start = $2 AND per_agent = $3 AND filters = $4
                AND seed = $5 ORDER BY id LIMIT 1"""
    found = await conn.fetchrow(sql, period, period_start, per_agent, filters, seed)
    return None if found is None else AssignmentRow(**found)


async def insert_assignment(
    conn: asyncpg.Connection,
    *,
    period: str,
    period_start: date,
    period_end: date,
    per_agent: int,
    filters: dict[str, Any],
    seed: int,
    population: dict[str, list[int]],
    drawn: dict[int, list[int]],
    key_id: int | None,
    now: datetime,
    schedule_id: int | None = None,
) -> AssignmentRow | None:
    """The sample and its items; None when its schedule drew this period already."""
    sql, args = _insert(
        "qa_assignments",
        {
            "period": period,
            "period_start": period_start,
            "period_end": period_end,
            "per_agent": per_agent,
            "filters": filters,
            "seed": seed,
            "population": population,
            "created_at": now,
            "created_by_key_id": key_id,
            "schedule_id": schedule_id,
        },
        _ASSIGNMENT_COLUMNS,
    )
    sql = sql.replace(
        " RETURNING",
        " ON CONFLICT (schedule_id, period_start) WHERE schedule_id IS NOT NULL DO NOTHING"
        " RETURNING",
        1,
    )
    found = await conn.fetchrow(sql, *args)
    if found is None:
        return None
    row = AssignmentRow(**found)
    items = [(row.id, t, agent, period, period_start) for agent, ts in drawn.items() for t in ts]
    await conn.executemany(
        """INSERT INTO qa_assignment_items (assignment_id, ticket_id, agent_id, period,
                                            period_start) VALUES ($1, $2, $3, $4, $5)""",
        items,
    )
    return row


async def get_assignment(conn: asyncpg.Connection, assignment_id: int) -> AssignmentRow | None:
    sql = f"SELECT {_ASSIGNMENT_COLUMNS} FROM qa_assignments WHERE id = $1"
    found = await conn.fetchrow(sql, assignment_id)
    return None if found is None else AssignmentRow(**found)


async def assignment_items(conn: asyncpg.Connection, assignment_id: int) -> list[AssignmentItemRow]:
    return (await items_of(conn, [assignment_id])).get(assignment_id, [])


async def items_of(
    conn: asyncpg.Connection, assignment_ids: list[int]
) -> dict[int, list[AssignmentItemRow]]:
    """Each sample's items by sample id, in one statement: by agent, then ticket."""
    sql = """SELECT s.assignment_id, s.ticket_id, s.agent_id,
                    EXISTS (SELECT 1 FROM qa_reviews r WHERE r.ticket_id = s.ticket_id
                              AND r.calibration_id IS NULL) AS reviewed
             FROM qa_assignment_items s WHERE s.assignment_id = ANY($1::bigint[])
             ORDER BY s.agent_id, s.ticket_id"""
    found: dict[int, list[AssignmentItemRow]] = {i: [] for i in assignment_ids}
    for r in await conn.fetch(sql, assignment_ids):
        found[r["assignment_id"]].append(
            AssignmentItemRow(
                ticket_id=r["ticket_id"], agent_id=r["agent_id"], reviewed=r["reviewed"]
            )
        )
    return found


# ---- who reads which samples, and the list of them -------------------------------------------


@dataclass(frozen=True)
class SampleVisibility:
    """Whose samples a caller reads: all, or those drawn by one of `key_ids` (the caller's key
    and the keys it rotated) and those drawn for one of `team_ids`."""

    everything: bool = False
    key_ids: frozenset[int] = frozenset()
    team_ids: frozenset[int] = frozenset()


def _sample_limit(visible: SampleVisibility, p: Params) -> str | None:
    if visible.everything:
        return None
    alternatives = []
    if visible.key_ids:
        alternatives.append(f"created_by_key_id = ANY({p(sorted(visible.key_ids), 'bigint[]')})")
    if visible.team_ids:
        alternatives.append(
            f"(filters->>'team_id')::bigint = ANY({p(sorted(visible.team_ids), 'bigint[]')})"
        )
    return "(" + " OR ".join(alternatives) + ")" if alternatives else "false"


class Drawn(Protocol):
    """A sample, or a schedule that draws them: the key that asked for it and its filters."""

    @property
    def created_by_key_id(self) -> int | None: ...

    @property
    def filters(self) -> dict[str, Any]: ...


def sees_sample(visible: SampleVisibility, row: Drawn) -> bool:
    """What `_sample_limit` says in SQL, of one sample or schedule already read."""
    return (
        visible.everything
        or (row.created_by_key_id is not None and row.created_by_key_id in visible.key_ids)
        or row.filters.get("team_id") in visible.team_ids
    )


@dataclass(frozen=True)
class SampleFilters:
    period: str | None = None
    team_id: int | None = None
    schedule_id: int | None = None
    starts_from: date | None = None
    starts_before: date | None = None


SAMPLE_ORDER = Order("qa_assignments", (KeyColumn("id", int),), descending=True)


async def page_assignments(
    conn: asyncpg.Connection,
    filters: SampleFilters,
    visible: SampleVisibility,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[AssignmentRow], str | None]:
    """Newest first."""
    p = Params()
    where: list[str] = []
    if filters.period is not None:
        where.append(f"period = {p(filters.period, 'text')}")
    if filters.team_id is not None:
        where.append(f"(filters->>'team_id')::bigint = {p(filters.team_id, 'bigint')}")
    if filters.schedule_id is not None:
        where.append(f"schedule_id = {p(filters.schedule_id, 'bigint')}")
    if filters.starts_from is not None:
        where.append(f"period_start >= {p(filters.starts_from, 'date')}")
    if filters.starts_before is not None:
        where.append(f"period_start < {p(filters.starts_before, 'date')}")
    limit_to = _sample_limit(visible, p)
    if limit_to:
        where.append(limit_to)
    rows, next_cursor = await fetch_page(
        conn,
        columns=_ASSIGNMENT_COLUMNS,
        source="qa_assignments",
        where=where,
        params=p,
        order=SAMPLE_ORDER,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(AssignmentRow, rows), next_cursor
