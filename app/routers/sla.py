"""/v1/calendars, /v1/sla-policies, /v1/priority-matrix: how urgent tickets are and when they are due."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.http.deps import (
    ConfigCall,
    IfMatch,
    PathId,
    ReadCall,
    SuperviseCall,
    expected_version,
    query,
    query_parameters,
)
from app.http.responses import json_body, written
from app.schemas import (
    CalendarCreate,
    CalendarOut,
    Page,
    PriorityMatrixIn,
    PriorityMatrixOut,
    SlaPolicyCreate,
    SlaPolicyOut,
)
from app.schemas.sla import CalendarListQuery, SlaPolicyListQuery
from app.schemas.sla_whatif import SlaWhatIfOut, SlaWhatIfRequest
from app.services import sla_whatif
from app.services.config import calendars, matrix, sla_policies

router = APIRouter(prefix="/v1", tags=["sla"])


@router.post(
    "/calendars", status_code=201, response_model=CalendarOut, operation_id="calendars_create"
)
async def create_calendar(call: ConfigCall, body: CalendarCreate) -> Response:
    return written(
        await calendars.create_calendar(call.desk, body, actor=call.caller, now=call.now)
    )


@router.get(
    "/calendars",
    response_model=Page[CalendarOut],
    operation_id="calendars_list",
    openapi_extra=query_parameters(CalendarListQuery),
)
async def list_calendars(
    call: ReadCall, q: Annotated[CalendarListQuery, query(CalendarListQuery)]
) -> Response:
    """In id order."""
    return json_body(await calendars.list_calendars(call.desk, q))


@router.get("/calendars/{calendar_id}", response_model=CalendarOut, operation_id="calendars_get")
async def get_calendar(calendar_id: PathId, call: ReadCall) -> Response:
    return json_body(await calendars.read_calendar(call.desk, calendar_id))


@router.put(
    "/calendars/{calendar_id}", response_model=CalendarOut, operation_id="calendars_replace"
)
async def replace_calendar(
    calendar_id: PathId, body: CalendarCreate, call: ConfigCall, if_match: IfMatch = None
) -> Response:
    """Replace a calendar; the clocks of every live ticket are recomputed from their history."""
    calendar = await calendars.replace_calendar(
        call.desk,
        calendar_id,
        body,
        expected_version=expected_version(if_match),
        actor=call.caller,
        now=call.now,
    )
    return json_body(calendar)


@router.post(
    "/sla-policies",
    status_code=201,
    response_model=SlaPolicyOut,
    operation_id="sla_policies_create",
)
async def create_policy(call: ConfigCall, body: SlaPolicyCreate) -> Response:
    return written(
        await sla_policies.create_policy(call.desk, body, actor=call.caller, now=call.now)
    )


@router.get(
    "/sla-policies",
    response_model=Page[SlaPolicyOut],
    operation_id="sla_policies_list",
    openapi_extra=query_parameters(SlaPolicyListQuery),
)
async def list_policies(
    call: ReadCall, q: Annotated[SlaPolicyListQuery, query(SlaPolicyListQuery)]
) -> Response:
    """In the order they are tried; the default policy last."""
    return json_body(await sla_policies.list_policies(call.desk, q))


@router.post(
    "/sla-policies/what-if", response_model=SlaWhatIfOut, operation_id="sla_policies_what_if"
)
async def what_if(call: SuperviseCall, body: SlaWhatIfRequest) -> Response:
    """What a draft policy and/or calendar would have meant for the tickets created in a
    period: each replayed from its stored status changes and replies under the current
    policies and under the draft, the figures side by side. Reads only: nothing is written,
    no timer armed, no event emitted. The tickets are those the caller sees."""
    return json_body(await sla_whatif.what_if(call.desk, body, visible=call.visible, now=call.now))


@router.get(
    "/sla-policies/{policy_id:int}", response_model=SlaPolicyOut, operation_id="sla_policies_get"
)
async def get_policy(policy_id: PathId, call: ReadCall) -> Response:
    return json_body(await sla_policies.read_policy(call.desk, policy_id))


@router.put(
    "/sla-policies/{policy_id:int}",
    response_model=SlaPolicyOut,
    operation_id="sla_policies_replace",
)
async def replace_policy(
    policy_id: PathId, body: SlaPolicyCreate, call: ConfigCall, if_match: IfMatch = None
) -> Response:
    """Replace a policy; the clocks of every live ticket are recomputed from their history."""
    policy = await sla_policies.replace_policy(
        call.desk,
        policy_id,
        body,
        expected_version=expected_version(if_match),
        actor=call.caller,
        now=call.now,
    )
    return json_body(policy)


@router.get(
    "/priority-matrix", response_model=PriorityMatrixOut, operation_id="priority_matrix_get"
)
async def get_matrix(call: ReadCall) -> Response:
    return json_body(await matrix.read_matrix(call.desk))


@router.put(
    "/priority-matrix", response_model=PriorityMatrixOut, operation_id="priority_matrix_replace"
)
async def replace_matrix(
    body: PriorityMatrixIn, call: ConfigCall, if_match: IfMatch = None
) -> Response:
    """Every impact × urgency cell must name a priority. Applies to tickets triaged from now on."""
    updated = await matrix.replace_matrix(
        call.desk,
        body,
        expected_version=expected_version(if_match),
        actor=call.caller,
        now=call.now,
    )
    return json_body(updated)
