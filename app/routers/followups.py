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
)
from app.http.responses import json_body
from app.http.routes import creates, lists
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
from app.services.idempotency import Written

router = APIRouter(tags=["follow-ups"])


@creates(router, "/v1/tickets/{ticket_id}/callbacks", CallbackOut, operation_id="callbacks_create")
async def schedule_callback(
    ticket_id: PathId, body: CallbackCreate, call: WriteCall, key: IdempotencyKey = None
) -> Written[CallbackOut]:
    """The worker raises a reminder at `requested_at` and records `callback_missed` if no
    outbound call is logged by `missed_at`."""
    return await callbacks.schedule(
        call.desk,
        ticket_id,
        body,
        actor=call.caller,
        visible=call.visible,
        now=call.now,
        idempotency_key=key,
    )


@lists(
    router,
    "/v1/tickets/{ticket_id}/callbacks",
    CallbackOut,
    CallbackListQuery,
    operation_id="callbacks_list",
)
async def list_callbacks(
    ticket_id: PathId, call: ReadCall, q: Annotated[CallbackListQuery, query(CallbackListQuery)]
) -> Page[CallbackOut]:
    """Oldest first."""
    return await callbacks.list_for_ticket(call.desk, ticket_id, q, visible=call.visible)


@lists(router, "/v1/reminders", ReminderOut, ReminderListQuery, operation_id="reminders_list")
async def list_reminders(
    call: ReadCall, q: Annotated[ReminderListQuery, query(ReminderListQuery)]
) -> Page[ReminderOut]:
    """Soonest due first; `order=commit` is the feed of reminders as they are raised."""
    return await reminders.list_reminders(call.desk, q, visible=call.visible)


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


@lists(router, "/v1/sla-events", SlaEventOut, SlaEventListQuery, operation_id="sla_events_list")
async def list_sla_events(
    call: ReadCall, q: Annotated[SlaEventListQuery, query(SlaEventListQuery)]
) -> Page[SlaEventOut]:
    """Newest first; `order=commit` is the feed to follow, which never misses an event."""
    return await sla_events.list_events(call.desk, q, visible=call.visible)


@router.get("/v1/worker/status", response_model=WorkerStatus, operation_id="worker_status")
async def get_worker_status(call: ReadCall) -> Response:
    return json_body(await timer_workers.status(call.desk, call.now))
