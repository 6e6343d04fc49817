"""The records tickets refer to: customers, teams (service centres) and agents."""

from dataclasses import replace
from datetime import datetime

from app.db import Connection, connection, transaction
from app.domain.access import Principal
from app.errors import Conflict, NotFound, UnprocessableEntity
from app.schemas import Page
from app.schemas.agents import AgentCreate, AgentListQuery, AgentOut, AgentUpdate
from app.schemas.customers import CustomerCreate, CustomerListQuery, CustomerOut, CustomerUpdate
from app.schemas.teams import TeamCreate, TeamListQuery, TeamOut, TeamUpdate
from app.services import audit, if_match
from app.services.context import Desk
from app.services.idempotency import Written
from app.store import agents, customers, teams
from app.store import privacy as erasures
from app.store.agents import AgentRow
from app.store.customers import CustomerRow
from app.store.teams import TeamRow

# Fields an update may leave out but not clear: their columns hold a value on every row.
# Writes take the actor, as every use case does; records keep no account of who changed them yet.


# ---- customers -------------------------------------------------------------------------------


async def create_customer(
    desk: Desk, data: CustomerCreate, *, actor: Principal, now: datetime
) -> Written[CustomerOut]:
    async with transaction(desk.db) as conn:
        row = await customers.insert(conn, **data.model_dump(), now=now)
    if row is None:
        raise _taken("customer", "email")
    return Written(_customer(row))


async def get_customer(desk: Desk, customer_id: int) -> CustomerOut:
    async with connection(desk.db) as conn:
        row = await customers.get(conn, customer_id, audit.reader(desk))
    if row is None:
        raise NotFound(f"customer {customer_id} does not exist")
    return _customer(row)


async def list_customers(desk: Desk, query: CustomerListQuery) -> Page[CustomerOut]:
    async with connection(desk.db) as conn:
        rows, next_cursor = await customers.page(
            conn,
            email=query.email,
            organization=query.organization,
            cursor=query.cursor,
            limit=query.limit,
        )
        await audit.listed(desk, conn, "customers")
    return Page(items=[_customer(r) for r in rows], next_cursor=next_cursor)


async def update_customer(
    desk: Desk,
    customer_id: int,
    data: CustomerUpdate,
    *,
    expected_version: int,
    actor: Principal,
    now: datetime,
) -> CustomerOut:
    changes = data.model_dump(exclude_unset=True)
    async with transaction(desk.db) as conn:
        current = await customers.lock(conn, customer_id)
        if current is None:
            raise NotFound(f"customer {customer_id} does not exist")
        # The request's own precondition first: a stale If-Match is a 412 whatever the state.
        if_match.check(f"customer {customer_id}", current.version, expected_version)
        if await erasures.customer_erasure(conn, customer_id) is not None:
            # Its name, address and number were taken back on request: none may come back.
            raise Conflict(
                f"customer {customer_id} was erased: an erased customer stays erased",
                reason="customer_erased",
            )
        if not changes:
            return _customer(current)
        row = await customers.update(conn, replace(current, **changes), _after(now, current))
        if row is None:
            raise _taken("customer", "email")
    return _customer(row)


# ---- teams -----------------------------------------------------------------------------------


async def create_team(
    desk: Desk, data: TeamCreate, *, actor: Principal, now: datetime
) -> Written[TeamOut]:
    async with transaction(desk.db) as conn:
        await _supervisor_must_exist(conn, data.supervisor_id)
        row = await teams.insert(conn, **data.model_dump(), now=now)
    if row is None:
        raise _taken("team", "name")
    return Written(_team(row))


async def get_team(desk: Desk, team_id: int) -> TeamOut:
    async with connection(desk.db) as conn:
        row = await teams.get(conn, team_id)
    if row is None:
        raise NotFound(f"team {team_id} does not exist")
    return _team(row)


async def list_teams(desk: Desk, query: TeamListQuery) -> Page[TeamOut]:
    async with connection(desk.db) as conn:
        rows, next_cursor = await teams.page(
            conn, tier=query.tier, cursor=query.cursor, limit=query.limit
        )
    return Page(items=[_team(r) for r in rows], next_cursor=next_cursor)


async def update_team(
    desk: Desk,
    team_id: int,
    data: TeamUpdate,
    *,
    expected_version: int,
    actor: Principal,
    now: datetime,
) -> TeamOut:
    changes = data.model_dump(exclude_unset=True)
    async with transaction(desk.db) as conn:
        current = await teams.lock(conn, team_id)
        if current is None:
            raise NotFound(f"team {team_id} does not exist")
        if_match.check(f"team {team_id}", current.version, expected_version)
        if not changes:
            return _team(current)
        await _supervisor_must_exist(conn, changes.get("supervisor_id"))
        row = await teams.update(conn, replace(current, **changes), _after(now, current))
        if row is None:
            raise _taken("team", "name")
    return _team(row)


# ---- agents ----------------------------------------------------------------------------------


async def create_agent(
    desk: Desk, data: AgentCreate, *, actor: Principal, now: datetime
) -> Written[AgentOut]:
    async with transaction(desk.db) as conn:
        await _team_must_exist(conn, data.team_id)
        row = await agents.insert(conn, **data.model_dump(), now=now)
    if row is None:
        raise _taken("agent", "email")
    return Written(_agent(row))


async def get_agent(desk: Desk, agent_id: int) -> AgentOut:
    async with connection(desk.db) as conn:
        row = await agents.get(conn, agent_id)
    if row is None:
        raise NotFound(f"agent {agent_id} does not exist")
    return _agent(row)


async def list_agents(desk: Desk, query: AgentListQuery) -> Page[AgentOut]:
    async with connection(desk.db) as conn:
        rows, next_cursor = await agents.page(
            conn,
            team_id=query.team_id,
            active=query.active,
            cursor=query.cursor,
            limit=query.limit,
        )
    return Page(items=[_agent(r) for r in rows], next_cursor=next_cursor)


async def update_agent(
    desk: Desk,
    agent_id: int,
    data: AgentUpdate,
    *,
    expected_version: int,
    actor: Principal,
    now: datetime,
) -> AgentOut:
    changes = data.model_dump(exclude_unset=True)
    async with transaction(desk.db) as conn:
        current = await agents.lock(conn, agent_id)
        if current is None:
            raise NotFound(f"agent {agent_id} does not exist")
        if_match.check(f"agent {agent_id}", current.version, expected_version)
        if not changes:
            return _agent(current)
        await _team_must_exist(conn, changes.get("team_id"))
        row = await agents.update(conn, replace(current, **changes), _after(now, current))
        if row is None:
            raise _taken("agent", "email")
    # Keys remember their agent's team and whether it is active: a change applies at once.
    desk.keys.clear()
    return _agent(row)


# ---- what they share -------------------------------------------------------------------------


def _after(now: datetime, current: CustomerRow | TeamRow | AgentRow) -> datetime:
    # A request whose clock reading is older than the change it waited for is stamped after it:
    # updated_at never goes backwards.
    return max(now, current.updated_at)


async def _team_must_exist(conn: Connection, team_id: int | None) -> None:
    if team_id is not None and await teams.tier_of(conn, team_id) is None:
        raise UnprocessableEntity(
            f"team {team_id} does not exist",
            errors=[{"field": "team_id", "message": "unknown id"}],
        )


async def _supervisor_must_exist(conn: Connection, agent_id: int | None) -> None:
    # Routing: hierarchical escalations of the team go to its supervisor.
    if agent_id is not None and await agents.is_active(conn, agent_id) is None:
        raise UnprocessableEntity(
            f"agent {agent_id} does not exist",
            errors=[{"field": "supervisor_id", "message": "unknown id"}],
        )


def _taken(what: str, field: str) -> Conflict:
    return Conflict(f"another {what} already has this {field}", field=field)


def _customer(row: CustomerRow) -> CustomerOut:
    return CustomerOut.model_validate(row, from_attributes=True)


def _team(row: TeamRow) -> TeamOut:
    return TeamOut.model_validate(row, from_attributes=True)


def _agent(row: AgentRow) -> AgentOut:
    return AgentOut.model_validate(row, from_attributes=True)
