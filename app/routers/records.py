"""/v1/customers, /v1/teams, /v1/agents: the records tickets refer to."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.routers.deps import (
    Admin,
    Cursor,
    Db,
    IfMatch,
    Limit,
    Now,
    PathId,
    QueryId,
    QueryText,
    Reader,
    Writer,
    expected_version,
    with_etag,
)
from app.schemas import (
    AgentCreate,
    AgentOut,
    AgentUpdate,
    CustomerCreate,
    CustomerOut,
    CustomerUpdate,
    Page,
    TeamCreate,
    TeamOut,
    TeamUpdate,
)
from app.services import records

customers = APIRouter(prefix="/v1/customers", tags=["customers"])
teams = APIRouter(prefix="/v1/teams", tags=["teams"])
agents = APIRouter(prefix="/v1/agents", tags=["agents"])


def _tagged(response: Response, record: Any) -> Any:
    with_etag(response, record.version)
    return record


# ---- customers: any writer may record a caller -----------------------------------------------


@customers.post("", status_code=201, response_model=CustomerOut, operation_id="customers_create")
async def create_customer(
    now: Now, body: CustomerCreate, db: Db, who: Writer, response: Response
) -> Any:
    return _tagged(response, await records.create(db, "customer", body, now=now))


@customers.get("", response_model=Page[CustomerOut], operation_id="customers_list")
async def list_customers(
    db: Db,
    who: Reader,
    email: QueryText = None,
    organization: QueryText = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[Any]:
    filters = {"email": email, "organization": organization}
    return await records.listing(db, "customer", filters=filters, limit=limit, cursor=cursor)


@customers.get("/{customer_id}", response_model=CustomerOut, operation_id="customers_get")
async def get_customer(customer_id: PathId, db: Db, who: Reader, response: Response) -> Any:
    return _tagged(response, await records.read(db, "customer", customer_id))


@customers.patch("/{customer_id}", response_model=CustomerOut, operation_id="customers_update")
async def update_customer(
    now: Now,
    customer_id: PathId,
    body: CustomerUpdate,
    db: Db,
    who: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    version = expected_version(if_match)
    record = await records.update(
        db, "customer", customer_id, body, expected_version=version, now=now
    )
    return _tagged(response, record)


# ---- teams: admin only -----------------------------------------------------------------------


@teams.post("", status_code=201, response_model=TeamOut, operation_id="teams_create")
async def create_team(now: Now, body: TeamCreate, db: Db, who: Admin, response: Response) -> Any:
    return _tagged(response, await records.create(db, "team", body, now=now))


@teams.get("", response_model=Page[TeamOut], operation_id="teams_list")
async def list_teams(
    db: Db,
    who: Reader,
    tier: Annotated[int | None, Query(ge=1, le=3)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[Any]:
    return await records.listing(db, "team", filters={"tier": tier}, limit=limit, cursor=cursor)


@teams.get("/{team_id}", response_model=TeamOut, operation_id="teams_get")
async def get_team(team_id: PathId, db: Db, who: Reader, response: Response) -> Any:
    return _tagged(response, await records.read(db, "team", team_id))


@teams.patch("/{team_id}", response_model=TeamOut, operation_id="teams_update")
async def update_team(
    now: Now,
    team_id: PathId,
    body: TeamUpdate,
    db: Db,
    who: Admin,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    version = expected_version(if_match)
    record = await records.update(db, "team", team_id, body, expected_version=version, now=now)
    return _tagged(response, record)


# ---- agents: admin only ----------------------------------------------------------------------


@agents.post("", status_code=201, response_model=AgentOut, operation_id="agents_create")
async def create_agent(now: Now, body: AgentCreate, db: Db, who: Admin, response: Response) -> Any:
    return _tagged(response, await records.create(db, "agent", body, now=now))


@agents.get("", response_model=Page[AgentOut], operation_id="agents_list")
async def list_agents(
    db: Db,
    who: Reader,
    team_id: QueryId = None,
    active: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[Any]:
    filters = {"team_id": team_id, "active": active}
    return await records.listing(db, "agent", filters=filters, limit=limit, cursor=cursor)


@agents.get("/{agent_id}", response_model=AgentOut, operation_id="agents_get")
async def get_agent(agent_id: PathId, db: Db, who: Reader, response: Response) -> Any:
    return _tagged(response, await records.read(db, "agent", agent_id))


@agents.patch("/{agent_id}", response_model=AgentOut, operation_id="agents_update")
async def update_agent(
    now: Now,
    agent_id: PathId,
    body: AgentUpdate,
    db: Db,
    who: Admin,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    version = expected_version(if_match)
    record = await records.update(db, "agent", agent_id, body, expected_version=version, now=now)
    return _tagged(response, record)
