"""The per-ticket gate: writers wait their turn while the ticket's writes keep ending, and are
refused when nothing on the ticket moves for the wait (a row lock held elsewhere)."""

import asyncio

import pytest

from app.services.ticket_concurrency import TicketGate
from app.store.errors import Busy

GATE_REFUSED = "busy with other changes"


async def _write(gate: TicketGate, hold: float, *, fails: bool = False) -> str:
    """One write on ticket 1 that works for `hold` seconds once its turn comes; `fails`: it
    then waits out the row lock (Busy) as a write behind a lock held elsewhere does."""
    try:
        async with gate.enter(1):
            await asyncio.sleep(hold)
            if fails:
                raise Busy("another request is changing this record right now")
            return "written"
    except Busy as refused:
        return "gate refused" if GATE_REFUSED in str(refused) else "lock refused"


async def test_a_hot_ticket_serves_its_whole_queue_while_its_writes_keep_ending() -> None:
    # Eight writes one at a time take 2 s, twice the wait: each waiter sees writes end.
    gate = TicketGate(limit=1, wait_seconds=1.0)
    done = await asyncio.gather(*(_write(gate, 0.25) for _ in range(8)))
    assert done == ["written"] * 8
    assert gate._tickets == {}  # nothing kept of a ticket no one writes


async def test_a_ticket_held_up_refuses_its_waiting_writers_after_the_wait() -> None:
    gate = TicketGate(limit=1, wait_seconds=0.3)
    release = asyncio.Event()

    async def holder() -> None:
        async with gate.enter(1):
            await release.wait()

    held = asyncio.create_task(holder())
    await asyncio.sleep(0)  # the holder has its turn
    waited = await asyncio.gather(_write(gate, 0), _write(gate, 0))
    assert waited == ["gate refused", "gate refused"]
    release.set()
    await held
    assert await _write(gate, 0) == "written"  # the ticket moves again


async def test_writes_refused_on_the_row_lock_do_not_count_as_the_ticket_moving() -> None:
    # A row lock held elsewhere: each write in turn waits 0.6 s and is refused. The third
    # writer's wait (1 s) is not renewed by the first's refusal, so the gate refuses it at
    # 1 s rather than letting it queue up behind the second.
    gate = TicketGate(limit=1, wait_seconds=1.0)
    done = await asyncio.gather(*(_write(gate, 0.6, fails=True) for _ in range(3)))
    assert done == ["lock refused", "lock refused", "gate refused"]


@pytest.mark.parametrize("limit", [1, 3])
async def test_no_more_than_the_limit_work_on_a_ticket_at_once(limit: int) -> None:
    gate = TicketGate(limit=limit, wait_seconds=1.0)
    inside = most = 0

    async def write() -> None:
        nonlocal inside, most
        async with gate.enter(1):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(write() for _ in range(10)))
    assert most == limit
