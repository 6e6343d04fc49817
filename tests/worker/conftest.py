"""Worker tests: each gets a fresh database (their code commits, locks across connections, NOTIFYs)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest

from app.clock import utcnow
from app.db import Database, connect, libpq_url
from app.main import create_app
from app.schemas import ApiKeyCreate
from app.services import auth
from app.services.context import Desk
from app.settings import Settings
from app.workers.timers import TimerWorker
from tests.fakes import FakeClock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class WorkerDesk:
    """The app and a worker over one fresh database, sharing one fake clock."""

    url: str
    db: Database
    services: Desk  # the worker's service context (the app has its own, over the same pool)
    clock: FakeClock
    client: httpx.AsyncClient
    worker: TimerWorker

    async def at(self, when: datetime) -> int:
        """Move the clock and run one worker pass; returns how many timers fired."""
        self.clock.set(when)
        return (await self.worker.run_once()).claimed

    async def sql(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(libpq_url(self.url))
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()


@pytest.fixture
async def desk(fresh_database: str) -> AsyncIterator[WorkerDesk]:
    db = await connect(fresh_database)
    settings = Settings(database_url=fresh_database, rate_limit_per_minute=0)
    services = Desk.of(db, settings)
    clock = FakeClock(T0)
    app = create_app(settings, db=db, clock=clock)
    key = await auth.create_key(services, ApiKeyCreate(name="admin", role="admin"), now=utcnow())
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key.key}"},
    )
    worker = TimerWorker(services, clock)
    yield WorkerDesk(fresh_database, db, services, clock, client, worker)
    await client.aclose()
    await db.close()


async def seed_due_timers(url: str, count: int, due_at: datetime) -> None:
    """`count` open tickets whose resolution is due at `due_at`, each with its breach timer."""
    conn = await asyncpg.connect(libpq_url(url))
    try:
        await conn.execute(
            """
            INSERT INTO tickets (subject, type, status, impact, urgency, priority, priority_reason,
                channel, tier, created_at, updated_at, reopen_count, agent_reply_count,
                customer_reply_count, interaction_count, version, status_log, sla_policy_id,
                resolution_due_at, sla_due_at)
            SELECT 'load ' || n, 'incident', 'new', 'user', 'medium', 'medium', 'seeded', 'email', 1,
                $1::timestamptz - interval '1 day', $1::timestamptz - interval '1 day', 0, 0, 0, 0, 1,
                '[]'::jsonb, 1, $1, $1
            FROM generate_series(1, $2) AS n
            """,
            due_at,
            count,
        )
        await conn.execute(
            """
            INSERT INTO timers (ticket_id, kind, due_at, created_at)
            SELECT id, 'resolution_breach', $1, now() FROM tickets
            """,
            due_at,
        )
    finally:
        await conn.close()
