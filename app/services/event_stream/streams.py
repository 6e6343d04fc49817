"""The event streams of one process: admission against the limits, and each stream's course:
from its cursor it reads what it missed from the table, then follows the process's tail."""

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator

from app.db import connection
from app.errors import ServiceUnavailable, TooManyStreams
from app.schemas.events import EventStreamQuery
from app.services.context import Desk
from app.services.event_stream.audiences import Audience
from app.services.event_stream.catch_up import CatchUp
from app.services.event_stream.limits import Position, StreamLimits, Wire
from app.services.event_stream.tail import PAGE, Follower, Tail, woken
from app.store import events as store

log = logging.getLogger("helpdesk.event_stream")


class EventStreams:
    """The event streams of this process: admission against the limits, the tail (the shared
    LISTEN connection, one read of each new batch for every following stream) and the reads
    of the streams catching up."""

    def __init__(
        self, desk: Desk, limits: StreamLimits, stopping: asyncio.Event, *, wire: Wire
    ) -> None:
        self.desk = desk
        self.limits = limits
        self.wire = wire
        self.stopping = stopping  # set when the server shuts down: every stream ends
        self.tail = Tail(desk, limits, stopping, wire)
        self.catch_up = CatchUp(desk, wire)
        self._open: Counter[int] = Counter()

    @property
    def listening(self) -> asyncio.Event:
        """Set while the tail's LISTEN connection is up."""
        return self.tail.listening

    @property
    def position(self) -> Position | None:
        """Where the tail has got to (None until it runs)."""
        return self.tail.position

    @property
    def open_streams(self) -> int:
        return sum(self._open.values())

    @property
    def following(self) -> int:
        """How many streams follow the tail (the others catch up from the table)."""
        return self.tail.following

    async def run(self) -> None:
        """Listen and follow the settled horizon until the server stops."""
        await self.tail.run()

    async def advance(self) -> bool:
        """The tail's step (see `Tail.advance`)."""
        return await self.tail.advance()

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

    def start_cursor(self, query: EventStreamQuery, last_event_id: str | None) -> str | None:
        """The cursor the stream starts after: `Last-Event-ID` (a reconnecting EventSource)
        over `?cursor=` (the URL it reconnects to still has the first one); refused (400)
        if it is not one of the feed's."""
        cursor = last_event_id or query.cursor or None  # empty: none, as in the feed
        if cursor is not None:
            store.check_cursor(cursor)
        return cursor

    async def follow(
        self, audience: Audience, *, cursor: str | None, opening: bytes = b""
    ) -> AsyncIterator[bytes]:
        """The stream on the wire: `opening`, then the events after `cursor` the audience
        sends (those its caller sees, matching the filters, in its shape), in commit order, as
        they settle, several to a chunk when several are there; a heartbeat after each quiet
        `heartbeat_seconds`. Without a cursor, from now on: the events committed after the
        stream opened (the first chunk then sets that start as the last event id). Ends when
        the server stops."""
        tail = self.tail
        tail.look()
        since: store.Snapshot | None = None  # without a cursor: the moment it opened
        if cursor is None:
            cursor, since = await self._now()
            opening += self.wire.last_id(cursor)
        if opening:
            yield opening
        at = store.position_of(cursor)
        follower: Follower | None = None
        try:
            while not self.stopping.is_set():
                if follower is not None:
                    # Following: what the tail queued, in one chunk; no read, no timer.
                    if not follower.queued:
                        if not follower.dropped:  # dropped while it wrote: wait no more
                            await follower.woken()
                        if follower.dropped:
                            follower = None
                        continue
                    data, until = follower.take()
                    if until is not None:
                        at = until
                    yield data
                    continue
                position = tail.position
                if since is not None and at >= since.end:
                    since = None  # every event from here on committed after the stream opened
                if position is not None and at == position and since is None:
                    # Caught up with the tail: from here on it hands this stream its events.
                    follower = tail.follow(audience)
                    continue
                moved = tail.moved
                if position is None or at < position:
                    try:
                        until = (
                            position if position is not None else (await tail.settled_horizon(), 0)
                        )
                        page = await self.catch_up.page(
                            audience, store.cursor_after(*at), until, since
                        )
                    except Exception as exc:  # the database away: try at the next wake
                        log.warning("an event stream could not read the feed: %s", exc)
                    else:
                        data, count, cursor = page
                        at = store.position_of(cursor)
                        if data:
                            yield data
                        if count == PAGE or (position is not None and at == position):
                            continue  # read on at once, or follow
                # Ahead of the tail (resumed from a replica further on), caught up with no
                # tail, or the database away: until the tail moves, or a heartbeat.
                if not await woken(moved, self.limits.heartbeat_seconds):
                    yield self.wire.heartbeat
        finally:
            if follower is not None:
                tail.leave(follower)

    async def _now(self) -> tuple[str, store.Snapshot | None]:
        """Where a stream from now on starts: the cursor at the oldest transaction still
        running, and the snapshot of the transactions committed now, whose events it skips
        (they are before it, though some may not have settled yet). With the database away,
        the tail's position (the reads that follow say the database is away)."""
        try:
            async with connection(self.desk.db, tell_acting=False) as conn:
                now = await store.snapshot(conn)
        except Exception:
            return store.cursor_after(*(self.tail.position or (self.tail.horizon, 0))), None
        return store.cursor_after(now.xmin, 0), now


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
