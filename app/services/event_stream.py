"""Live event streams: the event feed followed as it is written, for all the streams of one process.

Each process holds one LISTEN connection for every stream it serves (opened again whenever the
database drops it) and one loop that finds the feed's settled horizon: the point before which
no event can still appear (see `store.events.horizon`). A NOTIFY (sent on commit by every
transaction that writes events) or a periodic poll wakes the loop; once new events have
settled it wakes the streams, and each reads them from the table with the feed's own cursor
(streams at the same place with the same filters and visibility share one read). Nothing is
served from memory alone, so a stream resumed on any replica with its last event's cursor
misses nothing and repeats nothing."""

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

from app.db import connection, listen, still_listening
from app.domain.access import Visibility
from app.errors import ServiceUnavailable, TooManyStreams
from app.schemas.events import EventOut, EventStreamQuery
from app.services.desk import Desk
from app.services.outbox import out
from app.store import events as store
from app.store.events import EventFilters, EventRow

log = logging.getLogger("helpdesk.event_stream")

PAGE = 200  # events read per statement while a stream catches up
# While committed events wait to settle (an older transaction still runs), the horizon is
# looked at again after these pauses: short at first, as the older one usually ends at once.
SETTLE_PAUSES = (0.002, 0.005, 0.01, 0.02, 0.05)
LISTEN_RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True, slots=True)
class StreamedEvent:
    """An event of the stream, its JSON (made once for every stream that sends it), and the
    feed cursor that resumes after it."""

    event: EventOut
    json: str
    cursor: str

    @classmethod
    def of(cls, row: EventRow, cursor: str) -> "StreamedEvent":
        event = out(row)
        return cls(event, event.model_dump_json(), cursor)


@dataclass(frozen=True, slots=True)
class Batch:
    """Events of the stream read together, in order."""

    events: list[StreamedEvent]


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Nothing happened for a while: said so, so that proxies keep the stream open."""


@dataclass(frozen=True, slots=True)
class Resume:
    """Where the stream starts (a cursor the client resumes from if nothing is sent before it
    reconnects)."""

    cursor: str


StreamItem = Batch | Heartbeat | Resume


@dataclass(frozen=True)
class StreamLimits:
    heartbeat_seconds: float = 15.0
    poll_seconds: float = 5.0
    per_key: int = 10
    per_process: int = 500

    @classmethod
    def of(cls, desk: Desk) -> "StreamLimits":
        s = desk.settings
        return cls(
            heartbeat_seconds=s.event_stream_heartbeat_seconds,
            poll_seconds=s.event_stream_poll_seconds,
            per_key=s.event_streams_per_key,
            per_process=s.event_streams_per_process,
        )


@dataclass(frozen=True)
class _ReadKey:
    visible: Visibility
    types: tuple[str, ...]
    ticket_id: int | None
    cursor: str | None
    before: int


class EventStreams:
    """The event streams of this process: admission against the limits, the shared LISTEN
    connection and settled horizon, and each stream's reads."""

    def __init__(self, desk: Desk, limits: StreamLimits, stopping: asyncio.Event) -> None:
        self.desk = desk
        self.limits = limits
        self.stopping = stopping  # set when the server shuts down: every stream ends
        self.listening = asyncio.Event()  # the LISTEN connection is up
        self._horizon = 0  # the settled horizon the streams were last woken for
        self._changed = asyncio.Event()  # replaced (the old one set) at each wake
        self._notified = asyncio.Event()
        self._open: Counter[int] = Counter()
        self._reads: dict[_ReadKey, asyncio.Future[tuple[list[StreamedEvent], str]]] = {}
        # Reads of all streams at once leave most of the pool to the other requests.
        self._readers = asyncio.Semaphore(max(1, desk.db.limits.pool_size // 2))

    @property
    def open_streams(self) -> int:
        return sum(self._open.values())

    # ---- admission ---------------------------------------------------------------------------

    def admit(self, key_id: int) -> "Admission":
        """A place for one more stream of `key_id`, held until released: a 429 past the key's
        limit, a 503 past the process's (another replica may have room)."""
        if self.stopping.is_set():
            raise ServiceUnavailable("the server is shutting down", retry_after=1)
        if self._open[key_id] >= self.limits.per_key:
            raise TooManyStreams(
                f"this key has {self.limits.per_key} event streams open here, its limit",
                retry_after=5,
            )
        if self.open_streams >= self.limits.per_process:
            raise ServiceUnavailable(
                f"this replica serves {self.limits.per_process} event streams, its limit",
                retry_after=5,
            )
        self._open[key_id] += 1
        return Admission(self._open, key_id)

    # ---- the process's loops -----------------------------------------------------------------

    async def run(self) -> None:
        """Listen and follow the settled horizon until the server stops."""
        await asyncio.gather(self._keep_listening(), self._follow_horizon(), self._end_streams())

    async def _end_streams(self) -> None:
        """Wake every stream when the server stops: each sees it and ends its response."""
        await self.stopping.wait()
        self._wake()

    async def _keep_listening(self) -> None:
        """Hold the LISTEN connection; open it again, with backoff, whenever it is lost."""
        failures = 0
        while not self.stopping.is_set():
            try:
                conn = await listen(self.desk.db.url, store.EVENTS_CHANNEL, self._notified.set)
            except Exception as exc:
                log.warning("event streams could not LISTEN: %s", exc)
                pause = LISTEN_RETRY_SECONDS[min(failures, len(LISTEN_RETRY_SECONDS) - 1)]
                failures += 1
                await _first_of([self.stopping], within=pause)
                continue
            failures = 0
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _, lost=lost: lost.set())  # type: ignore[misc]
            self.listening.set()
            # What was notified while nobody listened is gone: look now.
            self._notified.set()
            try:
                while not (self.stopping.is_set() or lost.is_set()):
                    await _first_of([self.stopping, lost], within=self.limits.poll_seconds)
                    if self.stopping.is_set() or lost.is_set() or conn.is_closed():
                        break
                    if not await still_listening(conn):
                        break
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    conn.terminate()

    async def _follow_horizon(self) -> None:
        """Wake the streams whenever new events have settled: on NOTIFY, and every poll."""
        while not self.stopping.is_set():
            await _first_of([self._notified, self.stopping], within=self.limits.poll_seconds)
            self._notified.clear()
            for pause in (*SETTLE_PAUSES, None):
                if self.stopping.is_set():
                    break
                try:
                    pending = await self.refresh()
                except Exception as exc:  # the database away: the next poll tries again
                    log.warning("event streams could not read the horizon: %s", exc)
                    break
                if not pending:
                    break
                # Committed events wait for an older transaction: look again shortly, then
                # leave them to the next NOTIFY or poll.
                if pause is not None:
                    await _first_of([self.stopping], within=pause)

    async def refresh(self) -> bool:
        """Read the settled horizon; wake the streams if events settled since the last wake.
        Whether committed events still wait to settle."""
        async with connection(self.desk.db, tell_acting=False) as conn:
            found = await store.horizon(conn, self._horizon)
        if found.txid > self._horizon:  # it only moves on (xmin never goes back)
            self._horizon = found.txid
            self._reads.clear()
            if found.new:
                self._wake()
        return found.pending

    def _wake(self) -> None:
        woken, self._changed = self._changed, asyncio.Event()
        woken.set()

    # ---- one stream --------------------------------------------------------------------------

    def start_cursor(self, query: EventStreamQuery, last_event_id: str | None) -> str | None:
        """The cursor the stream starts after: `Last-Event-ID` (a reconnecting EventSource)
        over `?cursor=` (the URL it reconnects to still has the first one); refused (400)
        if it is not one of the feed's."""
        cursor = last_event_id or query.cursor or None  # empty: none, as in the feed
        if cursor is not None:
            store.check_cursor(cursor)
        return cursor

    async def follow(
        self, query: EventStreamQuery, *, visible: Visibility, cursor: str | None
    ) -> AsyncIterator[StreamItem]:
        """The events after `cursor` the caller sees (those matching the filters), in commit
        order, as they settle; a heartbeat after each quiet `heartbeat_seconds`. Without a
        cursor, from now on. Ends when the server stops."""
        filters = EventFilters(types=tuple(query.type), ticket_id=query.ticket_id)
        with contextlib.suppress(Exception):  # the database away: the reads below say so
            await self.refresh()  # catch up to now at once, not at the next wake
        if cursor is None:
            cursor = store.cursor_after(self._horizon, 0)
            yield Resume(cursor)
        while not self.stopping.is_set():
            changed = self._changed
            try:
                events, cursor = await self._read(filters, visible, cursor)
            except Exception as exc:  # the database away: keep the stream, try at next wake
                log.warning("an event stream could not read the feed: %s", exc)
                events = []
            if events:
                # What one read found goes out together: one write for all of them, so a
                # stream that falls behind catches up in fewer, larger writes.
                yield Batch(events)
            if len(events) == PAGE:
                continue  # catching up: read on at once
            # One event to wait on (a wake, or the server stopping: `_follow_horizon` wakes
            # the streams as it ends), with no task of its own: thousands of streams wait.
            try:
                async with asyncio.timeout(self.limits.heartbeat_seconds):
                    await changed.wait()
            except TimeoutError:
                yield Heartbeat()

    async def _read(
        self, filters: EventFilters, visible: Visibility, cursor: str
    ) -> tuple[list[StreamedEvent], str]:
        """The next page up to the horizon, read once for all the streams that ask for the
        same one (same place, filters and visibility) at the same horizon."""
        key = _ReadKey(visible, tuple(filters.types), filters.ticket_id, cursor, self._horizon)
        shared = self._reads.get(key)
        if shared is None:
            shared = asyncio.ensure_future(self._read_page(filters, visible, cursor, key.before))
            self._reads[key] = shared
            shared.add_done_callback(lambda done: self._forget_failed(key, done))
        return await asyncio.shield(shared)

    def _forget_failed(self, key: _ReadKey, done: asyncio.Future[object]) -> None:
        # A failed read is not handed to the next stream that asks: it tries again.
        if done.cancelled() or done.exception() is not None:
            self._reads.pop(key, None)

    async def _read_page(
        self, filters: EventFilters, visible: Visibility, cursor: str, before: int
    ) -> tuple[list[StreamedEvent], str]:
        async with self._readers, connection(self.desk.db, tell_acting=False) as conn:
            rows, next_cursor = await store.settled(
                conn, filters, cursor=cursor, before=before, limit=PAGE, visible=visible
            )
        return [StreamedEvent.of(row, after) for row, after in rows], next_cursor


class Admission:
    """A stream's place among the open ones, given back once (however the stream ends)."""

    def __init__(self, counts: Counter[int], key_id: int) -> None:
        self._counts: Counter[int] | None = counts
        self._key_id = key_id

    def release(self) -> None:
        counts, self._counts = self._counts, None
        if counts is not None:
            counts[self._key_id] -= 1
            if counts[self._key_id] <= 0:
                del counts[self._key_id]


async def _first_of(events: list[asyncio.Event], *, within: float) -> None:
    """Until one of `events` is set, or `within` seconds have passed."""
    if any(e.is_set() for e in events):
        return
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
