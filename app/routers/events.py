"""/v1/events (the event feed) and /v1/webhooks (subscriptions and their deliveries)."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from app.http import event_stream as sse
from app.http.deps import (
    AdminCall,
    IdempotencyKey,
    IfMatch,
    PathId,
    ReadCall,
    expected_version,
    query,
    query_parameters,
)
from app.http.responses import json_body, written
from app.schemas import Page
from app.schemas.events import (
    DeliveryListQuery,
    DeliveryOut,
    EventListQuery,
    EventOut,
    EventStreamQuery,
    WebhookCreate,
    WebhookCreated,
    WebhookListQuery,
    WebhookOut,
    WebhookUpdate,
)
from app.services import outbox, webhooks
from app.services.event_stream import Audience, EventStreams, StreamLimits, Wire

# The stream's frames as Server-Sent Events.
WIRE = Wire(event=sse.event, last_id=sse.last_id, heartbeat=sse.HEARTBEAT)

router = APIRouter(tags=["events"])


@router.get(
    "/v1/events",
    response_model=Page[EventOut],
    operation_id="events_list",
    openapi_extra=query_parameters(EventListQuery),
)
async def list_events(
    call: ReadCall, q: Annotated[EventListQuery, query(EventListQuery)]
) -> Response:
    """The events of the tickets you see, oldest first in commit order, with a `next_cursor`
    also at the end: polling with it never misses nor repeats an event (an event is served
    once every transaction older than the one that wrote it has ended)."""
    return json_body(await outbox.feed(call.desk, q, visible=call.visible))


@router.get(
    "/v1/events/stream",
    status_code=200,
    operation_id="events_stream",
    openapi_extra=query_parameters(EventStreamQuery),
    response_class=sse.EventStreamResponse,
    responses={
        200: {
            "description": "Server-Sent Events: `id:` the feed cursor after the event, `event:` "
            "its type, `data:` the event as the feed lists it (to a customer token: only "
            "`type`, `ticket_id`, `status`, `interaction_id` and `occurred_at`); "
            "`: heartbeat` comment lines while nothing happens.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        429: {
            "description": "This key holds as many event streams as it may on this replica.",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        },
    },
)
async def stream_events(
    request: Request,
    call: ReadCall,
    q: Annotated[EventStreamQuery, query(EventStreamQuery)],
    last_event_id: Annotated[
        str | None,
        Header(
            max_length=512,
            description="The last event id received (an `EventSource` sends it when it "
            "reconnects): the stream resumes right after that event.",
        ),
    ] = None,
) -> Response:
    """The event feed, live: the events of the tickets you see, in the feed's commit order, as
    they are written. Each event's `id:` is the feed cursor after it, so an `EventSource`
    that reconnects (it sends `Last-Event-ID`) receives exactly what it missed, then live
    events, from any replica. Filters as the feed. Without a cursor it starts from now (its
    first block sets that start as the last event id). A customer token receives its
    customer's tickets' public events only (ticket.created, ticket.status_changed, and
    interaction.added of a public interaction), in the customer's shape. A key may hold a
    few streams open per replica (429 beyond), a replica a bounded number (503 beyond); a
    reader that does not keep up is disconnected and resumes by its last event id."""
    streams = _streams(request)
    audience = Audience.of(q, call.visible)
    cursor = streams.start_cursor(q, last_event_id)
    admission = streams.admit(call.caller.key_id)
    settings = call.desk.settings
    chunks = streams.follow(
        audience, cursor=cursor, opening=sse.retry(settings.event_stream_retry_ms)
    )
    return sse.EventStreamResponse(
        chunks,
        write_timeout=settings.event_stream_write_timeout_seconds,
        on_close=admission.release,
    )


def _streams(request: Request) -> EventStreams:
    """The app's event streams (its lifespan starts their listener). An app served without its
    lifespan (in-process tests) gets them unstarted: each stream then looks again at each
    heartbeat only."""
    state = request.app.state
    streams: EventStreams | None = getattr(state, "event_streams", None)
    if streams is None:
        limits = StreamLimits.of(state.desk)
        streams = EventStreams(state.desk, limits, asyncio.Event(), wire=WIRE)
        state.event_streams = streams
    return streams


@router.post(
    "/v1/webhooks", status_code=201, response_model=WebhookCreated, operation_id="webhooks_create"
)
async def create_webhook(
    call: AdminCall, body: WebhookCreate, key: IdempotencyKey = None
) -> Response:
    """Events of the given types are POSTed to `url`, signed with the secret (Standard
    Webhooks), from this moment on. The secret is shown in this response only."""
    result = await webhooks.create(
        call.desk, body, actor=call.caller, now=call.now, idempotency_key=key
    )
    return written(result)


@router.get(
    "/v1/webhooks",
    response_model=Page[WebhookOut],
    operation_id="webhooks_list",
    openapi_extra=query_parameters(WebhookListQuery),
)
async def list_webhooks(
    call: AdminCall, q: Annotated[WebhookListQuery, query(WebhookListQuery)]
) -> Response:
    return json_body(await webhooks.list_subscriptions(call.desk, q))


@router.get("/v1/webhooks/{webhook_id}", response_model=WebhookOut, operation_id="webhooks_get")
async def get_webhook(webhook_id: PathId, call: AdminCall) -> Response:
    return json_body(await webhooks.get(call.desk, webhook_id))


@router.patch(
    "/v1/webhooks/{webhook_id}", response_model=WebhookOut, operation_id="webhooks_update"
)
async def update_webhook(
    webhook_id: PathId, body: WebhookUpdate, call: AdminCall, if_match: IfMatch = None
) -> Response:
    """Change the URL, event types, secret or whether it is active; events written while it is
    inactive are not delivered to it later."""
    updated = await webhooks.update(
        call.desk, webhook_id, body, expected_version=expected_version(if_match), now=call.now
    )
    return json_body(updated)


@router.delete("/v1/webhooks/{webhook_id}", status_code=204, operation_id="webhooks_delete")
async def delete_webhook(webhook_id: PathId, call: AdminCall) -> Response:
    """The subscription and its deliveries are removed; the events stay in the feed."""
    await webhooks.delete(call.desk, webhook_id)
    return Response(status_code=204)


@router.get(
    "/v1/webhooks/{webhook_id}/deliveries",
    response_model=Page[DeliveryOut],
    operation_id="webhook_deliveries_list",
    openapi_extra=query_parameters(DeliveryListQuery),
)
async def list_deliveries(
    webhook_id: PathId, call: AdminCall, q: Annotated[DeliveryListQuery, query(DeliveryListQuery)]
) -> Response:
    """Newest first: status, attempts, the next attempt's time and the last error."""
    return json_body(await webhooks.list_deliveries(call.desk, webhook_id, q))


@router.post(
    "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryOut,
    operation_id="webhook_deliveries_redeliver",
)
async def redeliver(webhook_id: PathId, delivery_id: PathId, call: AdminCall) -> Response:
    """Send a delivered or dead delivery again, from a first attempt, with the same
    `webhook-id` (receivers deduplicate by it). One still under way is a 409."""
    return json_body(await webhooks.redeliver(call.desk, webhook_id, delivery_id))
