"""Callbacks on tickets, reminders, SLA events and the timer worker's status."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.http.deps import (
    IdempotencyKey,
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
    CallbackCreate,
    CallbackOut,
    Page,
    ReminderOut,
    ReminderUpdate,
    SlaEventOut,
    WorkerStatus,
)
from app.schemas.followups import CallbackListQuery, ReminderListQuery, SlaEventListQuery
from app.services import callbacks, reminders, sla_events, timer_workers

router = APIRouter(tags=["follow-ups"])


@router.post(
    "/v1/tickets/{ticket_id}/callbacks",
    status_code=201,
    response_model=CallbackOut,
    operation_id="callbacks_create",
)
async def schedule_callback(
    ticket_id: PathId, body: CallbackCreate, call: WriteCall, key: IdempotencyKey = None
) -> Response:
    """The worker raises a reminder at `requested_at` and records `callback_missed` if no
    outbound call is logged by `missed_at`."""
    result = await callbacks.schedule(
        call.desk,
        ticket_id,
        body,
        actor=call.caller,
        visible=call.visible,
        now=call.now,
        idempotency_key=key,
    )
    return written(result)


@router.get(
    "/v1/tickets/{ticket_id}/callbacks",
    response_model=Page[CallbackOut],
    operation_id="callbacks_list",
    openapi_extra=query_parameters(CallbackListQuery),
)
async def list_callbacks(
    ticket_id: PathId, call: ReadCall, q: Annotated[CallbackListQuery, query(CallbackListQuery)]
) -> Response:
    """Oldest first."""
    return json_body(await callbacks.list_for_ticket(call.desk, ticket_id, q, visible=call.visible))


@router.get(
    "/v1/reminders",
    response_model=Page[ReminderOut],
    operation_id="reminders_list",
    openapi_extra=query_parameters(ReminderListQuery),
)
async def list_reminders(
    call: ReadCall, q: Annotated[ReminderListQuery, query(ReminderListQuery)]
) -> Response:
    """Soonest due first; `order=commit` is the feed of reminders as they are raised."""
    return json_body(await reminders.list_reminders(call.desk, q, visible=call.visible))


@router.get("/v1/reminders/{reminder_id}", response_model=ReminderOut, operation_id="reminders_get")
async def get_reminder(reminder_id: PathId, call: ReadCall) -> Response:
    return json_body(await reminders.get_reminder(call.desk, reminder_id, visible=call.visible))


@router.patch(
    "/v1/reminders/{reminder_id}", response_model=ReminderOut, operation_id="reminders_update"
)
async def update_reminder(
    reminder_id: PathId, body: ReminderUpdate, call: WriteCall, if_match: IfMatch = None
) -> Response:
    reminder = await reminders.update(
        call.desk,
        reminder_id,
        body,
        expected_version=expected_version(if_match),
        now=call.now,
        visible=call.visible,
    )
    return json_body(reminder)


@router.get(
    "/v1/sla-events",
    response_model=Page[SlaEventOut],
    operation_id="sla_events_list",
    openapi_extra=query_parameters(SlaEventListQuery),
)
async def list_sla_events(
    call: ReadCall, q: Annotated[SlaEventListQuery, query(SlaEventListQuery)]
) -> Response:
    """Newest first; `order=commit` is the feed to follow, which never misses an event."""
    return json_body(await sla_events.list_events(call.desk, q, visible=call.visible))


@router.get("/v1/worker/status", response_model=WorkerStatus, operation_id="worker_status")
async def get_worker_status(call: ReadCall) -> Response:
    return json_body(await timer_workers.status(call.desk, call.now))
