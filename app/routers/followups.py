"""Callbacks on tickets, reminders, SLA events and the deadline worker's status."""

from typing import Literal

from fastapi import APIRouter, Response

from app.routers.deps import (
    Cursor,
    Db,
    IdempotencyKey,
    IfMatch,
    Limit,
    Now,
    PathId,
    QueryId,
    QueryInstant,
    Reader,
    Writer,
    expected_version,
    respond,
    with_etag,
)
from app.schemas import (
    CallbackCreate,
    CallbackOut,
    Page,
    ReminderOut,
    ReminderUpdate,
    SlaEventOut,
    WorkerStatus,
)
from app.services import followups, worker_status

router = APIRouter(tags=["deadlines"])


@router.post(
    "/v1/tickets/{ticket_id}/callbacks",
    status_code=201,
    response_model=CallbackOut,
    operation_id="callbacks_create",
)
async def schedule_callback(
    now: Now,
    ticket_id: PathId,
    body: CallbackCreate,
    db: Db,
    who: Writer,
    key: IdempotencyKey = None,
) -> Response:
    """The worker raises a reminder at `requested_at` and records `callback_missed` if no
    outbound call is logged by `missed_at`."""
    outcome = await followups.schedule_callback(
        db, ticket_id, body, actor=who, now=now, idempotency_key=key
    )
    return respond(outcome)


@router.get(
    "/v1/tickets/{ticket_id}/callbacks",
    response_model=list[CallbackOut],
    operation_id="callbacks_list",
)
async def list_callbacks(ticket_id: PathId, db: Db, who: Reader) -> list[CallbackOut]:
    return await followups.list_callbacks(db, ticket_id)


@router.get("/v1/reminders", response_model=Page[ReminderOut], operation_id="reminders_list")
async def list_reminders(
    db: Db,
    who: Reader,
    assignee_id: QueryId = None,
    team_id: QueryId = None,
    status: Literal["open", "done", "dismissed"] | None = None,
    due_before: QueryInstant = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReminderOut]:
    return await followups.list_reminders(
        db,
        assignee_id=assignee_id,
        team_id=team_id,
        status=status,
        due_before=due_before,
        limit=limit,
        cursor=cursor,
    )


@router.patch(
    "/v1/reminders/{reminder_id}", response_model=ReminderOut, operation_id="reminders_update"
)
async def update_reminder(
    now: Now,
    reminder_id: PathId,
    body: ReminderUpdate,
    db: Db,
    who: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> ReminderOut:
    reminder = await followups.update_reminder(
        db, reminder_id, body, expected_version=expected_version(if_match), now=now
    )
    with_etag(response, reminder.version)
    return reminder


@router.get("/v1/sla-events", response_model=Page[SlaEventOut], operation_id="sla_events_list")
async def list_sla_events(
    db: Db,
    who: Reader,
    ticket_id: QueryId = None,
    metric: Literal["first_response", "next_update", "resolution", "callback"] | None = None,
    kind: Literal["warning", "breach", "missed"] | None = None,
    team_id: QueryId = None,
    since: QueryInstant = None,
    until: QueryInstant = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SlaEventOut]:
    """Newest first."""
    return await followups.list_sla_events(
        db,
        ticket_id=ticket_id,
        metric=metric,
        kind=kind,
        team_id=team_id,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )


@router.get("/v1/worker/status", response_model=WorkerStatus, operation_id="worker_status")
async def get_worker_status(now: Now, db: Db, who: Reader) -> WorkerStatus:
    return await worker_status.status(db, now)
