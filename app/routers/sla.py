"""/v1/calendars, /v1/sla-policies, /v1/priority-matrix: how urgent tickets are and when they are due."""

from fastapi import APIRouter, Response

from app.routers.deps import (
    Configurer,
    Db,
    IfMatch,
    Now,
    PathId,
    Reader,
    expected_version,
    with_etag,
)
from app.schemas import (
    CalendarCreate,
    CalendarOut,
    PriorityMatrixIn,
    PriorityMatrixOut,
    SlaPolicyCreate,
    SlaPolicyOut,
)
from app.services import config

router = APIRouter(prefix="/v1", tags=["sla"])


@router.post(
    "/calendars", status_code=201, response_model=CalendarOut, operation_id="calendars_create"
)
async def create_calendar(
    now: Now, body: CalendarCreate, db: Db, who: Configurer, response: Response
) -> CalendarOut:
    calendar = await config.create_calendar(db, body, now=now)
    with_etag(response, calendar.version)
    return calendar


@router.get("/calendars", response_model=list[CalendarOut], operation_id="calendars_list")
async def list_calendars(db: Db, who: Reader) -> list[CalendarOut]:
    return await config.list_calendars(db)


@router.get("/calendars/{calendar_id}", response_model=CalendarOut, operation_id="calendars_get")
async def get_calendar(calendar_id: PathId, db: Db, who: Reader, response: Response) -> CalendarOut:
    calendar = await config.read_calendar(db, calendar_id)
    with_etag(response, calendar.version)
    return calendar


@router.put(
    "/calendars/{calendar_id}", response_model=CalendarOut, operation_id="calendars_replace"
)
async def replace_calendar(
    now: Now,
    calendar_id: PathId,
    body: CalendarCreate,
    db: Db,
    who: Configurer,
    response: Response,
    if_match: IfMatch = None,
) -> CalendarOut:
    """Replace a calendar; the clocks of every live ticket are recomputed from their history."""
    version = expected_version(if_match)
    calendar = await config.replace_calendar(
        db, calendar_id, body, expected_version=version, now=now
    )
    with_etag(response, calendar.version)
    return calendar


@router.post(
    "/sla-policies",
    status_code=201,
    response_model=SlaPolicyOut,
    operation_id="sla_policies_create",
)
async def create_policy(
    now: Now, body: SlaPolicyCreate, db: Db, who: Configurer, response: Response
) -> SlaPolicyOut:
    policy = await config.create_policy(db, body, now=now)
    with_etag(response, policy.version)
    return policy


@router.get("/sla-policies", response_model=list[SlaPolicyOut], operation_id="sla_policies_list")
async def list_policies(db: Db, who: Reader) -> list[SlaPolicyOut]:
    """In the order they are tried; the default policy last."""
    return await config.list_policies(db)


@router.get(
    "/sla-policies/{policy_id}", response_model=SlaPolicyOut, operation_id="sla_policies_get"
)
async def get_policy(policy_id: PathId, db: Db, who: Reader, response: Response) -> SlaPolicyOut:
    policy = await config.read_policy(db, policy_id)
    with_etag(response, policy.version)
    return policy


@router.put(
    "/sla-policies/{policy_id}", response_model=SlaPolicyOut, operation_id="sla_policies_replace"
)
async def replace_policy(
    now: Now,
    policy_id: PathId,
    body: SlaPolicyCreate,
    db: Db,
    who: Configurer,
    response: Response,
    if_match: IfMatch = None,
) -> SlaPolicyOut:
    """Replace a policy; the clocks of every live ticket are recomputed from their history."""
    version = expected_version(if_match)
    policy = await config.replace_policy(db, policy_id, body, expected_version=version, now=now)
    with_etag(response, policy.version)
    return policy


@router.get(
    "/priority-matrix", response_model=PriorityMatrixOut, operation_id="priority_matrix_get"
)
async def get_matrix(db: Db, who: Reader, response: Response) -> PriorityMatrixOut:
    matrix = await config.read_matrix(db)
    with_etag(response, matrix.version)
    return matrix


@router.put(
    "/priority-matrix", response_model=PriorityMatrixOut, operation_id="priority_matrix_replace"
)
async def replace_matrix(
    now: Now,
    body: PriorityMatrixIn,
    db: Db,
    who: Configurer,
    response: Response,
    if_match: IfMatch = None,
) -> PriorityMatrixOut:
    """Every impact × urgency cell must name a priority. Applies to tickets triaged from now on."""
    version = expected_version(if_match)
    matrix = await config.replace_matrix(db, body, expected_version=version, now=now)
    with_etag(response, matrix.version)
    return matrix
