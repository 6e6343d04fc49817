"""/v1/routing-rules: where new tickets without a team go (admins, and supervisors for their
own teams, edit them)."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.http.deps import (
    IfMatch,
    PathId,
    ReadCall,
    SuperviseCall,
    expected_version,
    query,
    query_parameters,
)
from app.http.responses import json_body, written
from app.schemas import Page
from app.schemas.routing import (
    RoutingRuleCreate,
    RoutingRuleListQuery,
    RoutingRuleOut,
    RoutingRuleUpdate,
)
from app.services import routing_rules

router = APIRouter(prefix="/v1/routing-rules", tags=["routing"])


@router.post(
    "", status_code=201, response_model=RoutingRuleOut, operation_id="routing_rules_create"
)
async def create_rule(body: RoutingRuleCreate, call: SuperviseCall) -> Response:
    """Rules are tried by `position` (then id); the first whose conditions all hold routes a
    new ticket that names no team."""
    return written(
        await routing_rules.create_rule(call.desk, body, actor=call.caller, now=call.now)
    )


@router.get(
    "",
    response_model=Page[RoutingRuleOut],
    operation_id="routing_rules_list",
    openapi_extra=query_parameters(RoutingRuleListQuery),
)
async def list_rules(
    call: ReadCall, q: Annotated[RoutingRuleListQuery, query(RoutingRuleListQuery)]
) -> Page[RoutingRuleOut]:
    """In the order they are tried."""
    return await routing_rules.list_rules(call.desk, q)


@router.get("/{rule_id}", response_model=RoutingRuleOut, operation_id="routing_rules_get")
async def get_rule(call: ReadCall, rule_id: PathId) -> Response:
    return json_body(await routing_rules.get_rule(call.desk, rule_id))


@router.patch("/{rule_id}", response_model=RoutingRuleOut, operation_id="routing_rules_update")
async def update_rule(
    rule_id: PathId, body: RoutingRuleUpdate, call: SuperviseCall, if_match: IfMatch = None
) -> Response:
    rule = await routing_rules.update_rule(
        call.desk,
        rule_id,
        body,
        expected_version=expected_version(if_match),
        actor=call.caller,
        now=call.now,
    )
    return json_body(rule)


@router.delete("/{rule_id}", status_code=204, operation_id="routing_rules_delete")
async def delete_rule(rule_id: PathId, call: SuperviseCall) -> Response:
    await routing_rules.delete_rule(call.desk, rule_id, actor=call.caller)
    return Response(status_code=204)
