"""`helpdesk worker` as a real process: SIGTERM in the middle of work leaves nothing half-written."""

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta

import asyncpg

from app.db import libpq_url
from tests.worker.conftest import seed_due_timers

COUNT = 20_000


async def _count(url: str, query: str) -> int:
    conn = await asyncpg.connect(libpq_url(url))
    try:
        return int(await conn.fetchval(query))
    finally:
        await conn.close()


async def test_sigterm_during_a_batch_leaves_nothing_half_written(fresh_database: str) -> None:
    await seed_due_timers(fresh_database, COUNT, datetime.now(UTC) - timedelta(minutes=5))
    env = os.environ | {
        "DATABASE_URL": fresh_database,
        "HELPDESK_WORKER_BATCH": "100",
        "HELPDESK_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    fired_query = "SELECT count(*) FROM timers WHERE fired_at IS NOT NULL"
    try:
        for _ in range(300):
            if await _count(fresh_database, fired_query) >= 300:
                break
            await asyncio.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        returncode = await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
    stderr = (await process.stderr.read()).decode() if process.stderr else ""
    assert returncode == 0, stderr
    fired = await _count(fresh_database, fired_query)
    events = await _count(fresh_database, "SELECT count(*) FROM sla_events")
    assert 300 <= fired < COUNT, "the worker should have been stopped mid-way"
    assert fired % 100 == 0, "only whole batches commit"
    assert events == fired
    orphans = await _count(
        fresh_database,
        """
        SELECT count(*) FROM timers t
        LEFT JOIN sla_events e ON e.ticket_id = t.ticket_id AND e.due_at = t.due_at
        WHERE (t.fired_at IS NOT NULL) <> (e.id IS NOT NULL)
        """,
    )
    assert orphans == 0
    replicas = await _count(fresh_database, "SELECT count(*) FROM worker_replicas")
    assert replicas == 0, "a cleanly stopped worker deregisters itself"
