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


@dataclass
class TicketGate:
    """At most `limit` writes of this process work on one ticket at a time, each holding a
    connection and waiting on the row lock for at most the database's lock timeout. The rest
    wait here, holding nothing, for at most `wait_seconds`; then they are refused (409, retry)."""

    limit: int
    wait_seconds: float
    _tickets: dict[int, _Turns] = field(default_factory=dict)

    @contextlib.asynccontextmanager
    async def enter(self, ticket_id: int) -> AsyncIterator[None]:
        turns = self._tickets.setdefault(ticket_id, _Turns(asyncio.Semaphore(self.limit)))
        turns.users += 1
        try:
            try:
                await asyncio.wait_for(turns.slots.acquire(), self.wait_seconds)
            except TimeoutError:
                raise Busy(
                    f"ticket {ticket_id} is busy with other changes; retry in a moment",
                    retry_after=1,
                ) from None
            try:
                yield
            finally:
                turns.slots.release()
        finally:
            turns.users -= 1
            if not turns.users:
                del self._tickets[ticket_id]
