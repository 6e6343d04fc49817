"""The reads of streams behind their process's tail (resumed from a cursor, or dropped for a
slow reader): pages from the table with the feed's cursor and predicate, up to the tail's
position, one read shared by all the streams that ask for the same page at the same time."""

import asyncio
from dataclasses import dataclass

from app.db import connection
from app.domain.access import Visibility
from app.services.context import Desk
from app.services.event_stream.audiences import Audience, frame_of
from app.services.event_stream.limits import Position, Wire
from app.services.event_stream.tail import PAGE
from app.store import events as store
from app.store.events import EventFilters, Snapshot


@dataclass(frozen=True)
class _ReadKey:
    visible: Visibility
    types: tuple[str, ...]
    ticket_id: int | None
    customer: bool
    cursor: str
    until: Position
    since: Snapshot | None


class CatchUp:
    """The pages streams read on their own, at most half the pool's connections at once (the
    rest is the other requests')."""

    def __init__(self, desk: Desk, wire: Wire) -> None:
        self.desk = desk
        self.wire = wire
        self._reads: dict[_ReadKey, asyncio.Future[tuple[list[bytes], int, str]]] = {}
        self._readers = asyncio.Semaphore(max(1, desk.db.limits.pool_size // 2))

    async def page(
        self, audience: Audience, cursor: str, until: Position, since: Snapshot | None = None
    ) -> tuple[bytes, int, str]:
        """The next page after `cursor` up to `until` that `audience` sends (with `since`,
        none committed at that snapshot): its frames, how many events were read (a customer's
        stream sends some of them), and the cursor to go on from. Read once for all the streams that ask for the same one (same place, filters
        and visibility) at the same time: many resume at once after a replica restarts."""
        key = _ReadKey(
            audience.visible,
            tuple(sorted(audience.types)),
            audience.ticket_id,
            audience.customer,
            cursor,
            until,
            since,
        )
        shared = self._reads.get(key)
        if shared is None:
            shared = asyncio.ensure_future(self._read(key))
            self._reads[key] = shared
            shared.add_done_callback(lambda _: self._reads.pop(key, None))
        frames, read, next_cursor = await asyncio.shield(shared)
        return b"".join(frames), read, next_cursor

    async def _read(self, key: _ReadKey) -> tuple[list[bytes], int, str]:
        filters = EventFilters(types=key.types, ticket_id=key.ticket_id)
        async with self._readers, connection(self.desk.db, tell_acting=False) as conn:
            rows, next_cursor = await store.settled_until(
                conn,
                filters,
                cursor=key.cursor,
                until=key.until,
                limit=PAGE,
                visible=key.visible,
                since=key.since,
            )
        frames = [frame_of(self.wire, row, after, customer=key.customer) for row, after in rows]
        return [f for f in frames if f is not None], len(rows), next_cursor
