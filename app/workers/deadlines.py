"""The deadline worker: fires due timers exactly once, sleeps until the next, wakes on NOTIFY."""

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections import deque

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.models import WorkerReplica
from app.services import deadlines, worker_status
from app.services.deadlines import Fired
from app.services.sla import TIMERS_CHANNEL

log = logging.getLogger("helpdesk.worker")

ERROR_PAUSE = 1.0
HEARTBEAT_EVERY = 5.0


class DeadlineWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        listen_url: str | None = None,
        batch: int = 500,
        max_sleep: float = 30.0,
        min_sleep: float = 0.1,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.listen_url = listen_url
        self.batch = batch
        self.max_sleep = max_sleep
        # After a pass that was not a full batch, wait at least this long: timers falling due
        # milliseconds apart are then taken together (a pass per timer cost most of a core at
        # 170 timers/s), and timers held by another replica are not spun on.
        self.min_sleep = min_sleep
        self.replica_id = uuid.uuid4().hex
        self.started_at = clock.now()
        self.fired_total = 0
        self.last_cycle_ms = 0.0
        self._recent: deque[tuple[float, int]] = deque()
        self._wake = asyncio.Event()
        self._last_heartbeat = 0.0

    async def run_once(self) -> Fired:
        """One pass: claim and act on up to `batch` timers due at the clock's now."""
        started = time.perf_counter()
        async with self.sessions() as db:
            fired = await deadlines.fire_due(db, self.clock.now(), batch=self.batch)
        self.last_cycle_ms = (time.perf_counter() - started) * 1000
        self.fired_total += fired.claimed
        self._recent.append((time.monotonic(), fired.claimed))
        return fired

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; a batch in hand is always finished and committed first."""
        listener = await self._listen()
        log.info("deadline worker started", extra={"replica": self.replica_id})
        try:
            while not stop.is_set():
                try:
                    fired = await self.run_once()
                    await self._heartbeat()
                except Exception:
                    log.exception("deadline pass failed; retrying")
                    await self._sleep(stop, ERROR_PAUSE)
                    continue
                if fired.claimed >= self.batch:
                    continue  # more may be due: go again at once
                await self._sleep(stop, await self._until_next_due())
        finally:
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close()
            with contextlib.suppress(Exception):
                async with self.sessions() as db:
                    await worker_status.forget(db, self.replica_id)
            log.info("deadline worker stopped", extra={"replica": self.replica_id})

    async def _until_next_due(self) -> float:
        async with self.sessions() as db:
            next_due = await deadlines.next_due_at(db)
        if next_due is None:
            return self.max_sleep
        delay = (next_due - self.clock.now()).total_seconds()
        return min(max(delay, self.min_sleep), self.max_sleep)

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        if seconds <= 0:
            return
        self._wake.clear()
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()

    async def _listen(self) -> asyncpg.Connection | None:
        if self.listen_url is None:
            return None
        try:
            conn = await asyncpg.connect(self.listen_url)
            await conn.add_listener(TIMERS_CHANNEL, lambda *_: self._wake.set())
            return conn
        except Exception:
            log.warning("LISTEN unavailable; polling every %.0f s", self.max_sleep, exc_info=True)
            return None

    async def _heartbeat(self) -> None:
        if time.monotonic() - self._last_heartbeat < HEARTBEAT_EVERY:
            return
        self._last_heartbeat = time.monotonic()
        cutoff = time.monotonic() - 60
        while self._recent and self._recent[0][0] < cutoff:
            self._recent.popleft()
        replica = WorkerReplica(
            id=self.replica_id,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            started_at=self.started_at,
            last_seen_at=self.clock.now(),
            last_cycle_ms=round(self.last_cycle_ms, 3),
            fired_total=self.fired_total,
            fired_last_minute=sum(n for _, n in self._recent),
        )
        async with self.sessions() as db:
            await worker_status.heartbeat(db, replica)
