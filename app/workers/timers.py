"""The timer worker: fires due timers exactly once, sleeps until the next, wakes on NOTIFY,
and listens again when the database drops its connection."""

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections import deque
from typing import Any

from app.clock import Clock
from app.db import Connection, listen
from app.services import audit_report, timer_handlers, timer_workers, timers
from app.services.context import Desk
from app.services.timer_handlers import Fired
from app.services.timer_workers import HEARTBEAT_SECONDS, Replica
from app.services.timers import TIMERS_CHANNEL

log = logging.getLogger("helpdesk.worker")

# After a failure, wait 0.5 s, then 1, 2, … up to 30 s before trying again.
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 30.0
# A quiet LISTEN connection is asked a question this often: a peer gone without closing the
# socket (a network cut) is noticed, not waited on forever.
LISTENER_PING_SECONDS = 30.0
LISTENER_PING_TIMEOUT = 5.0
# What may fail, as the log names it.
PASS = "a deadline pass"
LISTEN = "LISTEN"


class Backoff:
    """Growing pauses between attempts at something failing; reset when it works."""

    def __init__(self, first: float | None = None, cap: float | None = None) -> None:
        self.first = BACKOFF_FIRST if first is None else first
        self.cap = BACKOFF_MAX if cap is None else cap
        self._next = self.first

    def pause(self) -> float:
        pause, self._next = self._next, min(self._next * 2, self.cap)
        return pause

    def reset(self) -> None:
        self._next = self.first


class Outage:
    """One warning when something the worker needs starts failing and one when it all works
    again, however many attempts fail in between (those are logged at DEBUG)."""

    def __init__(self) -> None:
        self.failing: set[str] = set()
        self.since: float | None = None
        self.attempts = 0

    def failed(self, what: str, error: BaseException | str) -> None:
        self.attempts += 1
        if self.since is None:
            self.since = time.monotonic()
            log.warning(
                "timer worker: %s failed (%s); retrying with backoff until it recovers",
                what,
                _describe(error),
            )
        elif what not in self.failing:
            log.debug("timer worker: %s failed too (%s)", what, _describe(error))
        else:
            log.debug("timer worker: %s failed again (%s)", what, _describe(error))
        self.failing.add(what)

    def works(self, what: str) -> None:
        self.failing.discard(what)
        if self.since is not None and not self.failing:
            log.warning(
                "timer worker: recovered after %.1f s (%d failed attempts)",
                time.monotonic() - self.since,
                self.attempts,
            )
            self.since, self.attempts = None, 0


def _describe(error: BaseException | str) -> str:
    if isinstance(error, str):
        return error
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class TimerWorker:
    def __init__(
        self,
        desk: Desk,
        clock: Clock,
        *,
        batch: int | None = None,
        max_sleep: float | None = None,
        min_sleep: float = 0.1,
    ) -> None:
        self.desk = desk
        self.clock = clock
        self.batch = batch if batch is not None else desk.settings.worker_batch
        self.max_sleep = (
            max_sleep if max_sleep is not None else desk.settings.worker_max_sleep_seconds
        )
        # After a pass that was not a full batch, wait at least this long: timers falling due
        # milliseconds apart are then taken together (a pass per timer cost most of a core at
        # 170 timers/s), and timers held by another replica are not spun on.
        self.min_sleep = min_sleep
        self.replica_id = uuid.uuid4().hex
        self.started_at = clock.now()
        self.fired_total = 0
        self.last_cycle_ms = 0.0
        self.listening = asyncio.Event()  # set while a LISTEN connection is up
        self._recent: deque[tuple[float, int]] = deque()
        self._wake = asyncio.Event()
        self._last_heartbeat = 0.0
        self._outage = Outage()
        self._schedules_armed = False

    async def run_once(self) -> Fired:
        """One pass: claim and act on up to `batch` timers due at the clock's now."""
        started = time.perf_counter()
        fired = await timer_handlers.fire_due(self.desk, self.clock.now(), batch=self.batch)
        self.last_cycle_ms = (time.perf_counter() - started) * 1000
        self.fired_total += fired.claimed
        self._recent.append((time.monotonic(), fired.claimed))
        return fired

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; a batch in hand is always finished and committed first."""
        listener = asyncio.create_task(self._keep_listening(stop), name="deadline-listener")
        backoff = Backoff()
        log.info("timer worker started", extra={"replica": self.replica_id})
        try:
            while not stop.is_set():
                # Cleared before the pass, not before the sleep: a NOTIFY that arrives while
                # the pass runs still cuts the sleep after it short.
                self._wake.clear()
                try:
                    if not self._schedules_armed:
                        # The audit report's monthly schedule re-arms itself once it has fired.
                        await audit_report.keep_schedule(self.desk, self.clock.now())
                        self._schedules_armed = True
                    fired = await self.run_once()
                    await self._heartbeat()
                    # A full batch: more may be due, go again at once.
                    pause = 0.0 if fired.claimed >= self.batch else await self._until_next_due()
                except Exception as exc:
                    self._outage.failed(PASS, exc)
                    log.debug("deadline pass failed", exc_info=True)
                    await self._sleep(stop, backoff.pause())
                    continue
                backoff.reset()
                self._outage.works(PASS)
                # Awake in time for the next heartbeat: an idle worker is not a stale one.
                await self._sleep(stop, min(pause, self._until_heartbeat()))
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            with contextlib.suppress(Exception):
                await timer_workers.forget(self.desk, self.replica_id)
            log.info("timer worker stopped", extra={"replica": self.replica_id})

    async def _until_next_due(self) -> float:
        next_due = await timers.next_due(self.desk)
        if next_due is None:
            return self.max_sleep
        delay = (next_due - self.clock.now()).total_seconds()
        return min(max(delay, self.min_sleep), self.max_sleep)

    def _until_heartbeat(self) -> float:
        return max(0.0, self._last_heartbeat + HEARTBEAT_SECONDS - time.monotonic())

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        """Up to `seconds`, less if `stop` is set or a NOTIFY wakes the worker."""
        if seconds <= 0:
            return
        await _first_of([stop, self._wake], within=seconds)

    # ---- LISTEN ------------------------------------------------------------------------------

    async def _keep_listening(self, stop: asyncio.Event) -> None:
        """Hold a LISTEN connection for as long as the worker runs: opened again, with backoff,
        whenever the database drops it (a restart, a terminated backend, a network cut)."""
        backoff = Backoff()
        while not stop.is_set():
            lost_because = await self._listen_until_lost(stop, backoff)
            if lost_because is not None:
                self._outage.failed(LISTEN, lost_because)
                await _first_of([stop], within=backoff.pause())

    async def _listen_until_lost(self, stop: asyncio.Event, backoff: Backoff) -> str | None:
        """Listen until the connection is lost (why) or the worker stops (None)."""
        try:
            conn = await listen(self.desk.db.url, TIMERS_CHANNEL, self._wake.set)
        except Exception as exc:
            return f"could not connect: {_describe(exc)}"
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _: lost.set())
        backoff.reset()
        self._outage.works(LISTEN)
        self.listening.set()
        # Notifications sent while nobody listened are gone: look for due timers now.
        self._wake.set()
        try:
            return await self._hold(conn, lost, stop)
        finally:
            self.listening.clear()
            with contextlib.suppress(Exception):
                conn.terminate()

    async def _hold(self, conn: Connection, lost: asyncio.Event, stop: asyncio.Event) -> str | None:
        """Until the connection is lost (and why) or the worker stops (None)."""
        while True:
            await _first_of([lost, stop], within=LISTENER_PING_SECONDS)
            if stop.is_set():
                return None
            if lost.is_set() or conn.is_closed():
                return "the LISTEN connection was closed"
            try:
                await conn.fetchval("SELECT 1", timeout=LISTENER_PING_TIMEOUT)
            except Exception as exc:
                return f"the LISTEN connection stopped answering: {_describe(exc)}"

    # ---- heartbeat ---------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        if time.monotonic() - self._last_heartbeat < HEARTBEAT_SECONDS:
            return
        cutoff = time.monotonic() - 60
        while self._recent and self._recent[0][0] < cutoff:
            self._recent.popleft()
        await timer_workers.heartbeat(
            self.desk,
            Replica(
                id=self.replica_id,
                hostname=socket.gethostname(),
                pid=os.getpid(),
                started_at=self.started_at,
                last_seen_at=self.clock.now(),
                last_cycle_ms=round(self.last_cycle_ms, 3),
                fired_total=self.fired_total,
                fired_last_minute=sum(n for _, n in self._recent),
            ),
        )
        # Only once it is written: a failed heartbeat is tried again on the next pass.
        self._last_heartbeat = time.monotonic()


async def _first_of(events: list[asyncio.Event], *, within: float) -> None:
    """Wait until any of `events` is set, or `within` seconds have passed."""
    waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
