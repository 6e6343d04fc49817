"""The FastAPI application: routers, problem handlers, middleware and the database lifecycle."""

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from app.clock import Clock, SystemClock
from app.db import Database, Limits, connect
from app.http import dispatch, problems
from app.http.middleware import Preflights, RequestBodies, RequestEdge
from app.routers import (
    attachments,
    audit,
    chat,
    escalations,
    events,
    exports,
    followups,
    health,
    imports,
    inbound,
    interactions,
    kb,
    keys,
    metrics,
    portal,
    privacy,
    qa,
    records,
    reports,
    routing,
    sla,
    surveys,
    tickets,
)
from app.services import audit as audit_service
from app.services.context import Desk
from app.services.event_stream import EventStreams, StreamLimits
from app.settings import Settings
from app.workers import rollups, webhooks
from app.workers.timers import TimerWorker

DESCRIPTION = """A headless help desk: tickets, the interactions logged on them, SLA clocks and
their deadlines over a REST API.

* Auth: `Authorization: Bearer <api key>` (roles admin, supervisor, agent, integration, viewer).
* Errors: RFC 9457 `application/problem+json`, with the failing fields for validation errors.
* Lists: `?limit=&cursor=` → `{items, next_cursor}` (opaque keyset cursors); unknown query
  parameters are refused.
* Updates: `PATCH` and `PUT` need `If-Match: <ETag>` (or `*`: whatever version there is); a
  stale one is `412`, a missing one `428`.
* Creates: `POST` accepts `Idempotency-Key`; a retry returns the original response.
* A database that is unavailable, or a record locked by another request for too long, is a
  `503` or `409` problem with `Retry-After`.
"""


YOUNG_COLLECTION_EVERY = 50_000  # allocations (net of frees)


def limits_of(settings: Settings) -> Limits:
    return Limits(
        pool_size=settings.db_pool_size,
        acquire_timeout=settings.db_acquire_timeout_seconds,
        lock_timeout_ms=settings.db_lock_timeout_ms,
        statement_timeout_ms=settings.db_statement_timeout_ms,
    )


def create_app(
    settings: Settings,
    *,
    db: Database | None = None,
    database_url: str | None = None,
    clock: Clock | None = None,
    run_worker: bool = False,
) -> FastAPI:
    """The app over `db`, or over a pool to `database_url` (else the settings' URL) opened at
    startup; with `run_worker`, the workers (timers, webhook deliveries, metrics rollups) run
    in the same process and stop with it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = None
        if app.state.desk is None:
            url = database_url or settings.database_url
            if url is None:
                raise RuntimeError("no database URL: set DATABASE_URL or use 'helpdesk serve'")
            owned = await connect(url, limits_of(settings))
            app.state.desk = Desk.of(owned, settings)
        replica = None
        if settings.database_read_url and app.state.desk.replica is None:
            replica = await connect(settings.database_read_url, limits_of(settings))
            app.state.desk.replica = replica
        await audit_service.seal(app.state.desk)
        stop = asyncio.Event()
        # Set by the server when it begins to shut down (app.http.server.Server), or below:
        # the event streams end then, rather than holding the shutdown up.
        app.state.stopping = asyncio.Event()
        streams = EventStreams(
            app.state.desk,
            StreamLimits.of(app.state.desk),
            app.state.stopping,
            wire=events.WIRE,
        )
        app.state.event_streams = streams
        streams_task = asyncio.create_task(streams.run())
        worker_task = None
        if run_worker:
            worker = TimerWorker(app.state.desk, app.state.clock)
            worker_task = asyncio.gather(
                worker.run(stop),
                webhooks.deliver(app.state.desk, app.state.clock, stop),
                rollups.keep(app.state.desk, stop),
            )
        # What is alive now (modules, the app) lives as long as the process: out of the
        # collector's sight, full collections stop scanning it between requests.
        gc.collect()
        gc.freeze()
        # A request's objects are freed by their reference counts, not the collector; at the
        # default (a young collection every 700 allocations) a page of 50 tickets set off
        # several, ~9 % of its CPU. Reference cycles wait a little longer to be collected.
        gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
        try:
            yield
        finally:
            stop.set()
            app.state.stopping.set()
            await streams_task
            if worker_task is not None:
                await worker_task
            if replica is not None:
                app.state.desk.replica = None
                await replica.close()
            if owned is not None:
                await owned.close()
                app.state.desk = None

    app = FastAPI(
        title="helpdesk",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # The service counts and times its requests itself (app.http.telemetry, /metrics);
        # FastAPI's own OpenTelemetry hooks would look for providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.desk = Desk.of(db, settings) if db is not None else None
    problems.install(app)
    problems.document(app)
    app.add_middleware(RequestBodies, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        # Browsers of the frontend teams' own UIs: their preflights are answered here.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "Idempotency-Key",
                "X-Request-ID",
            ],
            expose_headers=[
                "ETag",
                "Retry-After",
                "Idempotent-Replayed",
                "X-Request-ID",
                "Location",
                "Next-Cursor",
                "Content-Disposition",
            ],
            max_age=600,
        )
    app.add_middleware(Preflights, allowed=settings.cors_origins)
    app.add_middleware(RequestEdge)
    routers = (
        health.router,
        tickets.router,
        interactions.router,
        attachments.router,
        records.customers,
        records.teams,
        records.agents,
        keys.router,
        portal.router,
        sla.router,
        followups.router,
        audit.router,
        privacy.router,
        inbound.router,
        imports.router,
        escalations.router,
        routing.router,
        events.router,
        chat.router,
        surveys.router,
        metrics.router,
        metrics.prometheus,
        exports.router,
        qa.router,
        kb.router,
        reports.router,
    )
    dispatch.include(app, routers)
    return app
