"""The FastAPI application: routers, problem handlers, middleware and the database lifecycle."""

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from app import problems
from app.clock import Clock, SystemClock
from app.db import libpq_url, make_engine, make_sessionmaker
from app.middleware import BodyLimit, RequestContext
from app.routers import followups, health, keys, records, sla, tickets
from app.services.auth import KeyCache
from app.settings import Settings, get_settings
from app.workers.deadlines import DeadlineWorker

DESCRIPTION = """A headless help desk: tickets, the interactions logged on them, SLA clocks and
their deadlines over a REST API.

* Auth: `Authorization: Bearer <api key>` (roles admin, supervisor, agent, integration, viewer).
* Errors: RFC 9457 `application/problem+json`, with the failing fields for validation errors.
* Lists: `?limit=&cursor=` → `{items, next_cursor}` (opaque keyset cursors).
* Updates: `PATCH` needs `If-Match: <ETag>`; a stale one is `412`, a missing one `428`.
* Creates: `POST` accepts `Idempotency-Key`; a retry returns the original response.
"""


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    database_url: str | None = None,
    clock: Clock | None = None,
    run_worker: bool = False,
) -> FastAPI:
    """The app over `engine`, or over a new engine to `database_url` made at startup; with
    `run_worker`, the deadline worker runs in the same process and stops with it."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = None
        if getattr(app.state, "engine", None) is None:
            url = database_url or settings.database_url
            if url is None:
                raise RuntimeError("no database URL: set DATABASE_URL or use 'helpdesk serve'")
            owned = make_engine(url, pool_size=settings.db_pool_size)
            _bind(app, owned)
        stop = asyncio.Event()
        worker_task = None
        if run_worker:
            worker = DeadlineWorker(
                app.state.sessionmaker,
                app.state.clock,
                listen_url=libpq_url(app.state.engine.url.render_as_string(hide_password=False)),
                batch=settings.worker_batch,
                max_sleep=settings.worker_max_sleep_seconds,
            )
            worker_task = asyncio.create_task(worker.run(stop), name="deadline-worker")
        # What is alive now (modules, the app, SQLAlchemy's mappers) lives as long as the process:
        # out of the collector's sight, full collections stop scanning it between requests.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            stop.set()
            if worker_task is not None:
                await worker_task
            if owned is not None:
                await owned.dispose()

    app = FastAPI(
        title="helpdesk",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.key_cache = KeyCache(settings.api_key_cache_seconds)
    app.state.engine = None
    if engine is not None:
        _bind(app, engine)
    problems.install(app)
    problems.document(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext)
    for router in (
        health.router,
        tickets.router,
        records.customers,
        records.teams,
        records.agents,
        keys.router,
        sla.router,
        followups.router,
    ):
        app.include_router(router)
    return app


def _bind(app: FastAPI, engine: AsyncEngine) -> None:
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
