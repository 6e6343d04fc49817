"""Routing rules, and what routing, assignment and escalation read of teams and agents."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page, rows_of


@dataclass(frozen=True, slots=True)
class RuleRow:
    id: int
    name: str
    position: int
    conditions: dict[str, Any]
    team_id: int
    tier: int | None
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


COLUMNS = tuple(f.name for f in fields(RuleRow))
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM routing_rules"
# The order rules are tried in.
_ACTIVE = f"{_SELECT} WHERE active ORDER BY position, id"
_GET = f"{_SELECT} WHERE id = $1"
_INSERT = f"""
    INSERT INTO routing_rules (name, position, conditions, team_id, tier, active, created_at,
                               updated_at, version)
    VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $7, 1)
    RETURNING {", ".join(COLUMNS)}
"""
_UPDATE = f"""
    UPDATE routing_rules SET name = $2, position = $3, conditions = $4::jsonb, team_id = $5,
        tier = $6, active = $7, updated_at = $8, version = version + 1
    WHERE id = $1
    RETURNING {", ".join(COLUMNS)}
"""
_DELETE = "DELETE FROM routing_rules WHERE id = $1"
LISTING = Order("routing-rules", (KeyColumn("position", int), KeyColumn("id", int)))


async def active_rules(conn: asyncpg.Connection) -> list[RuleRow]:
    """Every active rule, in the order they are tried."""
    return [RuleRow(**r) for r in await conn.fetch(_ACTIVE)]


async def get(conn: asyncpg.Connection, rule_id: int, *, lock: bool = False) -> RuleRow | None:
    found = await conn.fetchrow(_GET + (" FOR UPDATE" if lock else ""), rule_id)
    return None if found is None else RuleRow(**found)


async def insert(conn: asyncpg.Connection, rule: dict[str, Any], now: datetime) -> RuleRow:
    found = await conn.fetchrow(
        _INSERT,
        rule["name"],
        rule["position"],
        rule["conditions"],
        rule["team_id"],
        rule["tier"],
        rule["active"],
        now,
    )
    return RuleRow(**found)


async def update(conn: asyncpg.Connection, rule: RuleRow, now: datetime) -> RuleRow:
    found = await conn.fetchrow(
        _UPDATE,
        rule.id,
        rule.name,
        rule.position,
        rule.conditions,
        rule.team_id,
        rule.tier,
        rule.active,
        now,
    )
    return RuleRow(**found)


async def delete(conn: asyncpg.Connection, rule_id: int) -> None:
    # A ticket keeps the reason it was routed by; the rule it names is gone.
    await conn.execute(
        "UPDATE tickets SET routed_by_rule_id = NULL WHERE routed_by_rule_id = $1", rule_id
    )
    await conn.execute(_DELETE, rule_id)


async def page(
    conn: asyncpg.Connection, *, team_id: int | None, cursor: str | None, limit: int
) -> tuple[list[RuleRow], str | None]:
    """Rules in the order they are tried, after `cursor`."""
    p = Params()
    where = [] if team_id is None else [f"team_id = {p(team_id, 'bigint')}"]
    records, next_cursor = await fetch_page(
        conn,
        columns=", ".join(COLUMNS),
        source="routing_rules",
        where=where,
        params=p,
        order=LISTING,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(RuleRow, records), next_cursor


# ---- teams as routing and escalation see them ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamFacts:
    id: int
    name: str
    tier: int
    supervisor_id: int | None
    assignment: str
    last_assigned_id: int | None


_TEAM = (
    "SELECT id, name, tier, supervisor_id, assignment, last_assigned_id FROM teams WHERE id = $1"
)
_FIRST_OF_TIER = (
    "SELECT id, name, tier, supervisor_id, assignment, last_assigned_id FROM teams"
    " WHERE tier = $1 ORDER BY id LIMIT 1"
)


async def team(conn: asyncpg.Connection, team_id: int, *, lock: bool = False) -> TeamFacts | None:
    """The team; `lock`: held until the transaction ends, so assignments in one team take
    turns (each sees the one before it)."""
    found = await conn.fetchrow(_TEAM + (" FOR UPDATE" if lock else ""), team_id)
    return None if found is None else TeamFacts(**found)


async def first_team_of_tier(conn: asyncpg.Connection, tier: int) -> TeamFacts | None:
    found = await conn.fetchrow(_FIRST_OF_TIER, tier)
    return None if found is None else TeamFacts(**found)


_ASSIGNED = "UPDATE teams SET last_assigned_id = $2 WHERE id = $1"


async def assigned(conn: asyncpg.Connection, team_id: int, agent_id: int) -> None:
    await conn.execute(_ASSIGNED, team_id, agent_id)


# The team and its active agents (no counts), in one round trip: what routing needs to know
# whether and among whom to assign.
_TEAM_AND_AGENTS = """
    SELECT t.id, t.name, t.tier, t.supervisor_id, t.assignment, t.last_assigned_id,
        a.id AS agent_id, a.availability, a.capacity, a.languages
    FROM teams t LEFT JOIN agents a ON a.team_id = t.id AND a.active
    WHERE t.id = $1
    ORDER BY a.id
"""


@dataclass(frozen=True, slots=True)
class AgentFacts:
    id: int
    availability: str
    capacity: int | None
    languages: list[str]


async def team_and_agents(
    conn: asyncpg.Connection, team_id: int
) -> tuple[TeamFacts, list[AgentFacts]] | None:
    """The team and its active agents in id order."""
    rows = await conn.fetch(_TEAM_AND_AGENTS, team_id)
    if not rows:
        return None
    first = rows[0]
    team = TeamFacts(**{f.name: first[f.name] for f in fields(TeamFacts)})
    members = [
        AgentFacts(r["agent_id"], r["availability"], r["capacity"], r["languages"])
        for r in rows
        if r["agent_id"] is not None
    ]
    return team, members


# A round-robin team's next turn in one group of its tickets (migrations 0013, 0022): nextval of
# a sequence per team and group, so no row is locked and concurrent creates in one team never
# wait for each other; a create that rolls back only skips its turn.
_TAKE_TURN = "SELECT team_turn($1, $2)"


async def take_turn(conn: asyncpg.Connection, team_id: int, group: str) -> int:
    """The team's next turn (1, 2, …) in `group` ("": the team's own)."""
    turn: int = await conn.fetchval(_TAKE_TURN, team_id, group)
    return turn


# ---- agents as assignment sees them --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgentLoad:
    id: int
    role: str
    availability: str
    capacity: int | None
    languages: list[str]
    open_tickets: int


# Open: every status but resolved and closed. Counted per agent of the team, in one query.
_LOADS = """
    SELECT a.id, a.role, a.availability, a.capacity, a.languages,
        (SELECT count(*) FROM tickets t
         WHERE t.assignee_id = a.id AND t.status NOT IN ('resolved', 'closed')) AS open_tickets
    FROM agents a
    WHERE a.team_id = $1 AND a.active
    ORDER BY a.id
"""


async def loads(conn: asyncpg.Connection, team_id: int) -> list[AgentLoad]:
    return [AgentLoad(**r) for r in await conn.fetch(_LOADS, team_id)]


_AGENT = "SELECT id, role, active FROM agents WHERE id = $1"


async def agent_role(conn: asyncpg.Connection, agent_id: int) -> tuple[str, bool] | None:
    """(role, active) of the agent; None when there is no such agent."""
    found = await conn.fetchrow(_AGENT, agent_id)
    return None if found is None else (found["role"], found["active"])
