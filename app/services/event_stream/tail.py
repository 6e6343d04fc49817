"""A process's tail of the event feed: one LISTEN connection and one loop that reads each new
settled batch of events from the table once for all the streams following it, makes each
event's frame once per shape, and queues the bytes per stream (bounded)."""

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from app.db import connection, listen, still_listening
from app.services.context import Desk
from app.services.event_stream.audiences import Audience, frame_of
from app.services.event_stream.limits import Position, StreamLimits, Wire
from app.store import events as store
from app.store.events import TailEvent

log = logging.getLogger("helpdesk.event_stream")

PAGE = 200  # events read per statement while a stream catches up, or the tail reads
# While committed events wait to settle (an older transaction still runs), the horizon is
# looked at again after these pauses: short at first, as the older one usually ends at once.
SETTLE_PAUSES = (0.002, 0.005, 0.01, 0.02, 0.05)
LISTEN_RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)


class Follower:
    """A stream that follows the tail: the bytes queued for it and where they end. Its stream
    waits on a future of its own, set by the tail when it queues (cheaper, for each event and
    stream, than an asyncio.Event and its list of waiters)."""

    __slots__ = ("_waiter", "audience", "dropped", "queued", "quiet", "size", "until")

    def __init__(self, audience: Audience) -> None:
        self.audience = audience
        self.queued: list[bytes] = []
        self.size = 0
        self.until: Position | None = None  # the position after the last queued event
        self.dropped = False  # too much queued: it reads on from the table
        self.quiet = 0  # heartbeat ticks since something was last queued
        self._waiter: asyncio.Future[None] | None = None

    def take(self) -> tuple[bytes, Position | None]:
        data = self.queued[0] if len(self.queued) == 1 else b"".join(self.queued)
        until = self.until
        self.queued, self.size, self.until = [], 0, None
        return data, until

    async def woken(self) -> None:
        """Until the tail queues something for it, drops it, or the server stops."""
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class Tail:
    """Where this process has got to in the feed, and the streams that follow it from there."""

    def __init__(self, desk: Desk, limits: StreamLimits, stopping: asyncio.Event, wire: Wire):
        self.desk = desk
        self.limits = limits
        self.wire = wire
        self.stopping = stopping
        self.listening = asyncio.Event()  # the LISTEN connection is up
        # Where the tail has got to: every event before it has been handed to the followers
        # (None until the tail runs: streams then read on their own).
        self.position: Position | None = None
        self.horizon = 0  # the settled horizon last read
        self._moved = asyncio.Event()  # replaced (the old one set) each time the tail moves
        self._notified = asyncio.Event()
        # The followers by audience: a hand-over picks an audience's bytes once and queues
        # them to each of its streams, with no look-up per stream.
        self._audiences: dict[Audience, set[Follower]] = {}

    @property
    def following(self) -> int:
        return sum(len(followers) for followers in self._audiences.values())

    @property
    def moved(self) -> asyncio.Event:
        """Set when the tail next moves on."""
        return self._moved

    def look(self) -> None:
        """Have the tail look for new events at once, not at the next NOTIFY or poll."""
        self._notified.set()

    def follow(self, audience: Audience) -> Follower:
        """A stream at the tail's position follows it from there (the caller has checked, with
        no await since)."""
        follower = Follower(audience)
        self._audiences.setdefault(audience, set()).add(follower)
        return follower

    def leave(self, follower: Follower) -> None:
        followers = self._audiences.get(follower.audience)
        if followers is not None:
            followers.discard(follower)
            if not followers:
                del self._audiences[follower.audience]

    async def settled_horizon(self) -> int:
        """The settled horizon now, read from the database (for streams when no tail runs)."""
        async with connection(self.desk.db, tell_acting=False) as conn:
            self.horizon = max(self.horizon, (await store.horizon(conn, 0)).txid)
        return self.horizon

    # ---- the process's loops -----------------------------------------------------------------

    async def run(self) -> None:
        """Listen and follow the settled horizon until the server stops."""
        try:
            await asyncio.gather(
                self._keep_listening(), self._follow(), self._beat(), self._end_streams()
            )
        finally:
            self.position = None

    async def _end_streams(self) -> None:
        """Wake every stream (and the tail) when the server stops: each sees it and ends."""
        await self.stopping.wait()
        self._move()
        self._notified.set()
        for followers in self._audiences.values():
            for follower in followers:
                follower.wake()

    async def _beat(self) -> None:
        """A heartbeat for each following stream quiet for `heartbeat_seconds`: one timer for
        the process, ticking twice a period, not one per stream and wait (so a quiet stream
        sends one at least every period)."""
        while not self.stopping.is_set():
            await woken(self.stopping, self.limits.heartbeat_seconds / 2)
            for followers in self._audiences.values():
                for follower in followers:
                    follower.quiet += 1
                    if follower.quiet >= 2:
                        follower.quiet = 0
                        follower.queued.append(self.wire.heartbeat)
                        follower.wake()

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
                await woken(self.stopping, pause)
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

    async def _follow(self) -> None:
        """Read what settled, once for every stream, whenever new events have settled: on
        NOTIFY, and every poll. One wait on one event per wake (the server stopping sets it
        too): no task, no second future, for each event written."""
        while not self.stopping.is_set():
            await woken(self._notified, self.limits.poll_seconds)
            self._notified.clear()
            for pause in (*SETTLE_PAUSES, None):
                if self.stopping.is_set():
                    break
                try:
                    pending = await self.advance()
                except Exception as exc:  # the database away: the next poll tries again
                    log.warning("event streams could not read the new events: %s", exc)
                    break
                if not pending:
                    break
                # Committed events wait for an older transaction: look again shortly, then
                # leave them to the next NOTIFY or poll.
                if pause is not None:
                    await woken(self.stopping, pause)

    async def advance(self) -> bool:
        """Read the settled horizon and the events that settled before it since the tail's
        position; hand them to the followers. Whether committed events still wait to settle.
        Run by the tail alone (one at a time)."""
        async with connection(self.desk.db, tell_acting=False) as conn:
            found = await store.horizon(conn, self.horizon)
            if self.position is None:  # the tail starts: streams follow from now on
                self.horizon, self.position = found.txid, (found.txid, 0)
                self._move()
                return found.pending
            if found.txid <= self.horizon:  # it only moves on (xmin never goes back)
                return found.pending
            horizon = found.txid
            events: list[TailEvent] = []
            # With no stream following, nothing is read: the position alone moves on.
            while found.new and self._audiences:
                events = await store.tail(conn, self.position, before=horizon, limit=PAGE)
                if len(events) < PAGE:
                    break
                # A full page: handed over now, and the tail reads on from its last event.
                last = events[-1]
                self._hand_over(events, (last.txid, last.row.id))
                events = []
            # No await since the last read (or the look at the followers): a stream that
            # started following meanwhile is at the position these events continue from.
            self._hand_over(events, (horizon, 0))
            self.horizon = horizon
        return found.pending

    def _hand_over(self, events: Sequence[TailEvent], position: Position) -> None:
        """Queue for each follower the frames of `events` it sends, made once per event and
        shape and joined once per audience; the tail's position moves to `position` at the
        same moment (nothing in between lets a stream start following)."""
        if events and self._audiences:
            # Each event's frame in each shape (the staff's, the customer's), made once; None:
            # nothing of it is sent in that shape.
            frames: dict[tuple[bool, int], bytes | None] = {}
            limit = self.limits.queued_bytes
            for audience, followers in list(self._audiences.items()):
                picked = self._choose(audience, events, frames)
                if picked is None:
                    continue
                data, until = picked
                size = len(data)
                dropped = []
                for follower in followers:
                    if follower.size + size > limit:
                        # Its reader does not keep up: it stops following and reads on from
                        # where it was last sent to (from the table, at its own pace).
                        follower.dropped = True
                        follower.queued, follower.size = [], 0
                        dropped.append(follower)
                    else:
                        follower.queued.append(data)
                        follower.size += size
                        follower.until = until
                        follower.quiet = 0
                    follower.wake()
                for follower in dropped:
                    self.leave(follower)
        self.position = position
        self._move()

    def _choose(
        self,
        audience: Audience,
        events: Sequence[TailEvent],
        frames: dict[tuple[bool, int], bytes | None],
    ) -> tuple[bytes, Position] | None:
        """The frames of `events` one audience sends (joined), and where they end."""
        picked = []
        last: TailEvent | None = None
        for n, event in enumerate(events):
            if not audience.wants(event):
                continue
            shape = (audience.customer, n)
            if shape in frames:
                made = frames[shape]
            else:
                row = event.row
                cursor = store.cursor_after(event.txid, row.id)
                made = frames[shape] = frame_of(self.wire, row, cursor, customer=audience.customer)
            if made is not None:
                picked.append(made)
                last = event
        if last is None:
            return None
        return b"".join(picked), (last.txid, last.row.id)

    def _move(self) -> None:
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()


async def woken(event: asyncio.Event, within: float) -> bool:
    """Whether `event` was set within `within` seconds (one timer, no task: thousands of
    streams wait)."""
    if event.is_set():
        return True
    try:
        async with asyncio.timeout(within):
            await event.wait()
    except TimeoutError:
        return False
    return True


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
