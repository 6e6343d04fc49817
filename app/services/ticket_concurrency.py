"""How many requests of this process may hold a connection for one ticket at once: a hot ticket
must not take every pooled connection while other tickets wait."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from app.store.errors import Busy


@dataclass
class _Turns:
    slots: asyncio.Semaphore
    users: int = 0
    # The waiters' deadlines, moved on each time a write on the ticket ends.
    waiting: set[asyncio.Timeout] = field(default_factory=set)


@dataclass
class TicketGate:
    """At most `limit` writes of this process work on one ticket at a time, each holding a
    connection and waiting on the row lock for at most the database's lock timeout. The rest
    wait here, holding nothing, in turn, as long as the ticket's writes keep ending: one that
    sees none end for `wait_seconds` is refused (409, retry). A hot ticket serves its queue
    however slowly the machine runs; a ticket held up (a row lock kept, every write ahead
    refused busy) refuses its writers after `wait_seconds`."""

    limit: int
    wait_seconds: float
    _tickets: dict[int, _Turns] = field(default_factory=dict)

    @contextlib.asynccontextmanager
    async def enter(self, ticket_id: int) -> AsyncIterator[None]:
        turns = self._tickets.setdefault(ticket_id, _Turns(asyncio.Semaphore(self.limit)))
        turns.users += 1
        try:
            await self._wait_turn(turns, ticket_id)
            try:
                yield
            except Busy:  # the write ahead waited out the row lock: the ticket did not move
                turns.slots.release()
                raise
            except BaseException:
                self._moved(turns)
                raise
            else:
                self._moved(turns)
        finally:
            turns.users -= 1
            if not turns.users:
                del self._tickets[ticket_id]

    async def _wait_turn(self, turns: _Turns, ticket_id: int) -> None:
        try:
            async with asyncio.timeout(self.wait_seconds) as deadline:
                turns.waiting.add(deadline)
                try:
                    await turns.slots.acquire()
                finally:
                    turns.waiting.discard(deadline)
        except TimeoutError:
            raise Busy(
                f"ticket {ticket_id} is busy with other changes; retry in a moment",
                retry_after=1,
            ) from None

    def _moved(self, turns: _Turns) -> None:
        """A write on the ticket ended: its slot is free, and every waiter may wait anew."""
        turns.slots.release()
        later = asyncio.get_running_loop().time() + self.wait_seconds
        for deadline in turns.waiting:
            if not deadline.expired():  # one already refused is on its way out
                deadline.reschedule(later)
