"""Live event streams: the event feed followed as it is written, for all the streams of one process.

Each process holds one LISTEN connection for every stream it serves (opened again whenever the
database drops it) and one loop, its tail, that follows the feed's settled horizon: the point
before which no event can still appear (see `store.events.horizon`). A NOTIFY (sent on commit by
every transaction that writes events) or a periodic poll wakes the tail; once new events have
settled it reads them from the table ONCE for every stream, with the feed's cursor and each
event's ticket's visibility facts, makes each event's frame once, and hands each following
stream the frames it sees (its visibility and filters, matched in memory, once per distinct
audience) as bytes queued for one write. A customer token's stream is one more audience: its
customer's tickets, the events a customer may know of, each framed in the customer's shape
(once per event, as the staff's frame is). A stream that starts behind the tail (it resumes from
a cursor) first reads what it missed from the table itself, up to the tail's position, and
follows from there. Nothing is served from memory alone, so a stream resumed on any replica
with its last event's cursor misses nothing and repeats nothing."""

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from app.db import connection, listen, still_listening
from app.domain.access import Visibility, sees
from app.domain.events import INTERACTION_ADDED
from app.errors import Forbidden, ServiceUnavailable, TooManyStreams
from app.schemas.events import EventStreamQuery
from app.schemas.portal import CUSTOMER_EVENT_TYPES, CustomerEventOut
from app.services.context import Desk
from app.services.outbox import out
from app.store import events as store
from app.store.events import EventFilters, EventRow, TailEvent

log = logging.getLogger("helpdesk.event_stream")

PAGE = 200  # events read per statement while a stream catches up, or the tail reads
# While committed events wait to settle (an older transaction still runs), the horizon is
# looked at again after these pauses: short at first, as the older one usually ends at once.
SETTLE_PAUSES = (0.002, 0.005, 0.01, 0.02, 0.05)
LISTEN_RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)
# The bytes a following stream may have queued and not yet taken (its reader is slow): past
# them it stops following and reads on from the table at its own pace; memory stays bounded.
QUEUED_BYTES = 1 << 20

Position = tuple[int, int]  # where in the feed: (transaction, event id), as a cursor holds it


@dataclass(frozen=True, slots=True)
class Wire:
    """How the stream is written (the HTTP layer gives it): an event's frame from its cursor,
    type and JSON; a block that only sets the client's last event id; a heartbeat."""

    event: Callable[[str, str, str], bytes]
    last_id: Callable[[str], bytes]
    heartbeat: bytes


@dataclass(frozen=True)
class StreamLimits:
    heartbeat_seconds: float = 15.0
    poll_seconds: float = 5.0
    per_key: int = 10
    per_process: int = 500
    queued_bytes: int = QUEUED_BYTES

    @classmethod
    def of(cls, desk: Desk) -> "StreamLimits":
        s = desk.settings
        return cls(
            heartbeat_seconds=s.event_stream_heartbeat_seconds,
            poll_seconds=s.event_stream_poll_seconds,
            per_key=s.event_streams_per_key,
            per_process=s.event_streams_per_process,
        )


@dataclass(frozen=True, slots=True)
class Audience:
    """Which events a stream sends, and in which shape: those its caller sees, of its types and
    ticket; a customer's (`customer`) only those a customer may know of, in the customer's
    shape. Streams of one audience are sent the same bytes."""

    visible: Visibility
    types: frozenset[str]
    ticket_id: int | None
    customer: bool = False

    @classmethod
    def of(cls, query: EventStreamQuery, visible: Visibility) -> "Audience":
        """The audience of a stream asked for with `query` by a caller who sees `visible`: a
        customer's (their tickets: a customer token) when `visible` names a customer. A
        customer asking for a type outside CUSTOMER_EVENT_TYPES is refused (403 naming it)."""
        types = frozenset(query.type)
        customer = visible.customer_id is not None
        if customer:
            refused = sorted(types - CUSTOMER_EVENT_TYPES)
            if refused:
                allowed = ", ".join(sorted(CUSTOMER_EVENT_TYPES))
                raise Forbidden(
                    f"a customer token's stream carries {allowed} only; "
                    f"it may not ask for {', '.join(refused)}",
                    errors=[{"field": "query.type", "message": f"one of {allowed}"}],
                )
            # Read from the table as a filter: the others are never read for a customer.
            types = types or CUSTOMER_EVENT_TYPES
        return cls(visible, types, query.ticket_id, customer)

    def wants(self, event: TailEvent) -> bool:
        row = event.row
        if self.types and row.type not in self.types:
            return False
        if self.ticket_id is not None and row.ticket_id != self.ticket_id:
            return False
        # As the feed's predicate says: an event about the desk (no ticket) is the staff's;
        # an event of a ticket is seen by whoever sees the ticket.
        if row.ticket_id is None:
            return self.visible.desk
        if event.ticket is None:  # its ticket is gone: only a caller who sees everything
            return self.visible.everything
        return sees(self.visible, event.ticket)


def customer_event_out(row: EventRow) -> CustomerEventOut | None:
    """What the customer may know of an event of their ticket, each field written out here;
    None for one they may not (a type outside CUSTOMER_EVENT_TYPES, an internal interaction)."""
    if row.type not in CUSTOMER_EVENT_TYPES or row.ticket_id is None:
        return None
    data = row.payload
    interaction_id = None
    if row.type == INTERACTION_ADDED:
        if data.get("public") is not True:
            return None
        interaction_id = data["interaction_id"]
    return CustomerEventOut(
        type=row.type,  # type: ignore[arg-type]
        ticket_id=row.ticket_id,
        status=data["status"],
        interaction_id=interaction_id,
        occurred_at=row.occurred_at,
    )


@dataclass(eq=False, slots=True)
class _Follower:
    """A stream that follows the tail: the bytes queued for it and where they end."""

    audience: Audience
    woken: asyncio.Event = field(default_factory=asyncio.Event)
    queued: list[bytes] = field(default_factory=list)
    size: int = 0
    until: Position | None = None  # the position after the last queued event
    dropped: bool = False  # too much queued: it reads on from the table
    quiet: int = 0  # heartbeat ticks since something was last queued

    def take(self) -> tuple[bytes, Position | None]:
        data = self.queued[0] if len(self.queued) == 1 else b"".join(self.queued)
        until = self.until
        self.queued, self.size, self.until = [], 0, None
        return data, until


@dataclass(frozen=True)
class _ReadKey:
    visible: Visibility
    types: tuple[str, ...]
    ticket_id: int | None
    customer: bool
    cursor: str
    until: Position


class EventStreams:
    """The event streams of this process: admission against the limits, the shared LISTEN
    connection, the tail that reads new events once and hands them to the following streams,
    and the reads of the streams catching up."""

    def __init__(
        self, desk: Desk, limits: StreamLimits, stopping: asyncio.Event, *, wire: Wire
    ) -> None:
        self.desk = desk
        self.limits = limits
        self.wire = wire
        self.stopping = stopping  # set when the server shuts down: every stream ends
        self.listening = asyncio.Event()  # the LISTEN connection is up
        # Where the tail has got to: every event before it has been handed to the followers
        # (None until the tail runs: streams then read on their own).
        self.position: Position | None = None
        self._horizon = 0  # the settled horizon the tail last read up to
        self._moved = asyncio.Event()  # replaced (the old one set) each time the tail moves
        self._notified = asyncio.Event()
        self._followers: set[_Follower] = set()
        self._open: Counter[int] = Counter()
        self._reads: dict[_ReadKey, asyncio.Future[tuple[list[bytes], str]]] = {}
        # Reads of all streams at once leave most of the pool to the other requests.
        self._readers = asyncio.Semaphore(max(1, desk.db.limits.pool_size // 2))

    @property
    def open_streams(self) -> int:
        return sum(self._open.values())

    @property
    def following(self) -> int:
        """How many streams follow the tail (the others catch up from the table)."""
        return len(self._followers)

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
        try:
            await asyncio.gather(
                self._keep_listening(), self._tail(), self._beat(), self._end_streams()
            )
        finally:
            self.position = None

    async def _end_streams(self) -> None:
        """Wake every stream when the server stops: each sees it and ends its response."""
        await self.stopping.wait()
        self._move()
        for follower in self._followers:
            follower.woken.set()

    async def _beat(self) -> None:
        """A heartbeat for each following stream quiet for `heartbeat_seconds`: one timer for
        the process, ticking twice a period, not one per stream and wait (so a quiet stream
        sends one at least every period)."""
        while not self.stopping.is_set():
            await _first_of([self.stopping], within=self.limits.heartbeat_seconds / 2)
            for follower in self._followers:
                follower.quiet += 1
                if follower.quiet >= 2:
                    follower.quiet = 0
                    follower.queued.append(self.wire.heartbeat)
                    follower.woken.set()

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

    async def _tail(self) -> None:
        """Read what settled, once for every stream, whenever new events have settled: on
        NOTIFY, and every poll."""
        while not self.stopping.is_set():
            await _first_of([self._notified, self.stopping], within=self.limits.poll_seconds)
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
                    await _first_of([self.stopping], within=pause)

    async def advance(self) -> bool:
        """Read the settled horizon and the events that settled before it since the tail's
        position; hand them to the followers. Whether committed events still wait to settle.
        Run by the tail alone (one at a time)."""
        async with connection(self.desk.db, tell_acting=False) as conn:
            found = await store.horizon(conn, self._horizon)
            if self.position is None:  # the tail starts: streams follow from now on
                self._horizon, self.position = found.txid, (found.txid, 0)
                self._move()
                return found.pending
            if found.txid <= self._horizon:  # it only moves on (xmin never goes back)
                return found.pending
            horizon = found.txid
            events: list[TailEvent] = []
            # With no stream following, nothing is read: the position alone moves on.
            while found.new and self._followers:
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
            self._horizon = horizon
        return found.pending

    def _hand_over(self, events: Sequence[TailEvent], position: Position) -> None:
        """Queue for each follower the frames of `events` it sends, made once per event and
        joined once per audience; the tail's position moves to `position` at the same moment
        (nothing in between lets a stream start following)."""
        if events and self._followers:
            # Each event's frame in each shape (the staff's, the customer's), made once; None:
            # nothing of it is sent in that shape.
            frames: dict[tuple[bool, int], bytes | None] = {}
            chosen: dict[Audience, tuple[bytes, Position] | None] = {}
            for follower in list(self._followers):
                audience = follower.audience
                if audience not in chosen:
                    chosen[audience] = self._choose(audience, events, frames)
                picked = chosen[audience]
                if picked is not None:
                    self._queue(follower, *picked)
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
                made = frames[shape] = self._frame_of(row, cursor, customer=audience.customer)
            if made is not None:
                picked.append(made)
                last = event
        if last is None:
            return None
        return b"".join(picked), (last.txid, last.row.id)

    def _queue(self, follower: _Follower, data: bytes, until: Position) -> None:
        if follower.size + len(data) > self.limits.queued_bytes:
            # Its reader does not keep up: it stops following and reads on from where it
            # was last sent to (from the table, at its own pace), nothing lost.
            follower.dropped = True
            follower.queued, follower.size = [], 0
            self._followers.discard(follower)
        else:
            follower.queued.append(data)
            follower.size += len(data)
            follower.until = until
            follower.quiet = 0
        follower.woken.set()

    def _move(self) -> None:
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

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
        self, audience: Audience, *, cursor: str | None, opening: bytes = b""
    ) -> AsyncIterator[bytes]:
        """The stream on the wire: `opening`, then the events after `cursor` the audience
        sends (those its caller sees, matching the filters, in its shape), in commit order, as
        they settle, several to a chunk when several are there; a heartbeat after each quiet
        `heartbeat_seconds`. Without a cursor, from now on (the first chunk then sets that
        start as the last event id). Ends when the server stops."""
        self._notified.set()  # the tail looks at once, not at the next NOTIFY or poll
        if cursor is None:
            cursor = await self._now()
            opening += self.wire.last_id(cursor)
        if opening:
            yield opening
        at = store.position_of(cursor)
        follower: _Follower | None = None
        try:
            while not self.stopping.is_set():
                if follower is not None:
                    # Following: what the tail queued, in one chunk; no read, no timer.
                    if not follower.queued:
                        await follower.woken.wait()
                        follower.woken.clear()
                        if follower.dropped:
                            follower = None
                        continue
                    data, until = follower.take()
                    if until is not None:
                        at = until
                    yield data
                    continue
                position = self.position
                if position is not None and at == position:
                    # Caught up with the tail: from here on it hands this stream its events.
                    follower = _Follower(audience)
                    self._followers.add(follower)
                    continue
                moved = self._moved
                if position is None or at < position:
                    try:
                        cursor = store.cursor_after(*at)
                        data, count, cursor = await self._catch_up(audience, cursor, position)
                    except Exception as exc:  # the database away: try at the next wake
                        log.warning("an event stream could not read the feed: %s", exc)
                    else:
                        at = store.position_of(cursor)
                        if data:
                            yield data
                        if count == PAGE or (position is not None and at == position):
                            continue  # read on at once, or follow
                # Ahead of the tail (resumed from a replica further on), caught up with no
                # tail, or the database away: until the tail moves, or a heartbeat.
                if not await _woken(moved, self.limits.heartbeat_seconds):
                    yield self.wire.heartbeat
        finally:
            if follower is not None:
                self._followers.discard(follower)

    async def _now(self) -> str:
        """The cursor of now: the tail's position, or (no tail) the settled horizon."""
        if self.position is not None:
            return store.cursor_after(*self.position)
        with contextlib.suppress(Exception):  # the database away: the reads below say so
            async with connection(self.desk.db, tell_acting=False) as conn:
                self._horizon = max(self._horizon, (await store.horizon(conn, 0)).txid)
        return store.cursor_after(self._horizon, 0)

    async def _catch_up(
        self, audience: Audience, cursor: str, position: Position | None
    ) -> tuple[bytes, int, str]:
        """The stream's next page from the table, up to the tail's position (no tail: up to
        the settled horizon now): its frames, how many events were read (a customer's stream
        sends some of them), and the cursor to go on from."""
        if position is None:
            async with connection(self.desk.db, tell_acting=False) as conn:
                self._horizon = max(self._horizon, (await store.horizon(conn, 0)).txid)
            position = (self._horizon, 0)
        frames, read, cursor = await self._read(audience, cursor, position)
        return b"".join(frames), read, cursor

    async def _read(
        self, audience: Audience, cursor: str, until: Position
    ) -> tuple[list[bytes], int, str]:
        """The next page up to `until`, read once for all the streams that ask for the same
        one (same place, filters and visibility) at the same time: many resume at once after
        a replica restarts."""
        key = _ReadKey(
            audience.visible,
            tuple(sorted(audience.types)),
            audience.ticket_id,
            audience.customer,
            cursor,
            until,
        )
        shared = self._reads.get(key)
        if shared is None:
            filters = EventFilters(types=key.types, ticket_id=key.ticket_id)
            shared = asyncio.ensure_future(self._read_page(filters, key))
            self._reads[key] = shared
            shared.add_done_callback(lambda _: self._reads.pop(key, None))
        return await asyncio.shield(shared)

    async def _read_page(
        self, filters: EventFilters, key: _ReadKey
    ) -> tuple[list[bytes], int, str]:
        async with self._readers, connection(self.desk.db, tell_acting=False) as conn:
            rows, next_cursor = await store.settled_until(
                conn, filters, cursor=key.cursor, until=key.until, limit=PAGE, visible=key.visible
            )
        frames = [self._frame_of(row, after, customer=key.customer) for row, after in rows]
        return [f for f in frames if f is not None], len(rows), next_cursor

    def _frame_of(self, row: EventRow, cursor: str, *, customer: bool) -> bytes | None:
        """The event's frame in the staff's shape, or in the customer's (None: nothing of it
        is theirs)."""
        if not customer:
            return self.wire.event(cursor, row.type, out(row).model_dump_json())
        shown = customer_event_out(row)
        if shown is None:
            return None
        return self.wire.event(cursor, row.type, shown.model_dump_json())


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


async def _woken(event: asyncio.Event, within: float) -> bool:
    """Whether `event` was set within `within` seconds (one timer, no task: thousands of
    streams wait)."""
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
