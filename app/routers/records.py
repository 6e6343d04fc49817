"""/v1/customers, /v1/teams, /v1/agents: the records tickets refer to."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.http.deps import (
    AdminCall,
    IfMatch,
    PathId,
    ReadCall,
    WriteCall,
    expected_version,
    query,
    query_parameters,
)
from app.http.responses import json_body, written
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
from app.schemas.agents import AgentListQuery
from app.schemas.customers import CustomerListQuery
from app.schemas.teams import TeamListQuery
from app.services import records

customers = APIRouter(prefix="/v1/customers", tags=["customers"])
teams = APIRouter(prefix="/v1/teams", tags=["teams"])
agents = APIRouter(prefix="/v1/agents", tags=["agents"])


# ---- customers: any writer may record a caller -----------------------------------------------


@customers.post("", status_code=201, response_model=CustomerOut, operation_id="customers_create")
async def create_customer(body: CustomerCreate, call: WriteCall) -> Response:
    return written(await records.create_customer(call.desk, body, actor=call.caller, now=call.now))


@customers.get(
    "",
    response_model=Page[CustomerOut],
    operation_id="customers_list",
    openapi_extra=query_parameters(CustomerListQuery),
)
async def list_customers(
    call: ReadCall, filters: Annotated[CustomerListQuery, query(CustomerListQuery)]
) -> Response:
    return json_body(await records.list_customers(call.desk, filters))


@customers.get("/{customer_id}", response_model=CustomerOut, operation_id="customers_get")
async def get_customer(customer_id: PathId, call: ReadCall) -> Response:
    return json_body(await records.get_customer(call.desk, customer_id))


@customers.patch("/{customer_id}", response_model=CustomerOut, operation_id="customers_update")
async def update_customer(
    customer_id: PathId, body: CustomerUpdate, call: WriteCall, if_match: IfMatch = None
) -> Response:
    """Change a customer; 409 (`reason: customer_erased`) for an erased customer, who stays
    erased."""
    version = expected_version(if_match)
    customer = await records.update_customer(
        call.desk, customer_id, body, expected_version=version, actor=call.caller, now=call.now
    )
    return json_body(customer)


# ---- teams: admin only -----------------------------------------------------------------------


@teams.post("", status_code=201, response_model=TeamOut, operation_id="teams_create")
async def create_team(body: TeamCreate, call: AdminCall) -> Response:
    return written(await records.create_team(call.desk, body, actor=call.caller, now=call.now))


@teams.get(
    "",
    response_model=Page[TeamOut],
    operation_id="teams_list",
    openapi_extra=query_parameters(TeamListQuery),
)
async def list_teams(
    call: ReadCall, filters: Annotated[TeamListQuery, query(TeamListQuery)]
) -> Response:
    return json_body(await records.list_teams(call.desk, filters))


@teams.get("/{team_id}", response_model=TeamOut, operation_id="teams_get")
async def get_team(team_id: PathId, call: ReadCall) -> Response:
    return json_body(await records.get_team(call.desk, team_id))


@teams.patch("/{team_id}", response_model=TeamOut, operation_id="teams_update")
async def update_team(
    team_id: PathId, body: TeamUpdate, call: AdminCall, if_match: IfMatch = None
) -> Response:
    version = expected_version(if_match)
    team = await records.update_team(
        call.desk, team_id, body, expected_version=version, actor=call.caller, now=call.now
    )
    return json_body(team)


# ---- agents: admin only ----------------------------------------------------------------------


@agents.post("", status_code=201, response_model=AgentOut, operation_id="agents_create")
async def create_agent(body: AgentCreate, call: AdminCall) -> Response:
    return written(await records.create_agent(call.desk, body, actor=call.caller, now=call.now))


@agents.get(
    "",
    response_model=Page[AgentOut],
    operation_id="agents_list",
    openapi_extra=query_parameters(AgentListQuery),
)
async def list_agents(
    call: ReadCall, filters: Annotated[AgentListQuery, query(AgentListQuery)]
) -> Response:
    return json_body(await records.list_agents(call.desk, filters))


@agents.get("/{agent_id}", response_model=AgentOut, operation_id="agents_get")
async def get_agent(agent_id: PathId, call: ReadCall) -> Response:
    return json_body(await records.get_agent(call.desk, agent_id))


@agents.patch("/{agent_id}", response_model=AgentOut, operation_id="agents_update")
async def update_agent(
    agent_id: PathId, body: AgentUpdate, call: AdminCall, if_match: IfMatch = None
) -> Response:
    version = expected_version(if_match)
    agent = await records.update_agent(
        call.desk, agent_id, body, expected_version=version, actor=call.caller, now=call.now
    )
    return json_body(agent)
