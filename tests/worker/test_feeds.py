"""Following a feed never misses nor repeats a row, however late its transaction commits."""

import asyncio
from datetime import timedelta
from typing import Any

import asyncpg

from app.db import Limits, connect
from app.services.context import Desk
from app.workers.timers import TimerWorker
from tests.worker.conftest import T0, WorkerDesk, seed_due_timers

FEED = "/v1/sla-events"


async def _follow(desk: WorkerDesk, cursor: str | None) -> tuple[list[dict[str, Any]], str]:
    params = {"order": "commit", "limit": 200} | ({"cursor": cursor} if cursor else {})
    page = (await desk.client.get(FEED, params=params)).json()
    assert page["next_cursor"], page  # given at the end of the feed too: poll with it
    return page["items"], page["next_cursor"]


async def _event(conn: asyncpg.Connection, ticket_id: int) -> None:
    await conn.execute(
        "INSERT INTO sla_events (ticket_id, metric, kind, due_at, recorded_at)"
        " VALUES ($1, 'resolution', 'breach', $2, $2)",
        ticket_id,
        T0,
    )


async def test_an_event_committed_late_is_not_skipped(desk: WorkerDesk) -> None:
    """A transaction that took its id first but commits last: the feed holds back what came
    after it, then serves both in commit order."""
    await seed_due_timers(desk.url, 2, T0)
    ids = [r["id"] for r in await desk.sql("SELECT id FROM tickets ORDER BY id")]
    slow, quick = await asyncpg.connect(desk.db.url), await asyncpg.connect(desk.db.url)
    try:
        late = slow.transaction()
        await late.start()
        await _event(slow, ids[0])  # its transaction id is the older one
        await _event(quick, ids[1])  # committed at once
        seen, cursor = await _follow(desk, None)
        assert seen == []  # the quick one waits: an older transaction is still open
        await late.commit()
        seen, cursor = await _follow(desk, cursor)
        assert [e["ticket_id"] for e in seen] == ids
        assert (await _follow(desk, cursor))[0] == []
    finally:
        await slow.close()
        await quick.close()


async def test_a_follower_polling_while_three_replicas_fire_sees_every_event_once(
    desk: WorkerDesk,
) -> None:
    await seed_due_timers(desk.url, 3000, T0 + timedelta(hours=1))
    pools = [await connect(desk.url, Limits(pool_size=2)) for _ in range(3)]
    workers = [TimerWorker(Desk.of(p, desk.services.settings), desk.clock, batch=50) for p in pools]
    desk.clock.set(T0 + timedelta(hours=2))
    done = asyncio.Event()

    async def fire(worker: TimerWorker) -> None:
        while (await worker.run_once()).claimed:
            pass

    async def follow() -> list[int]:
        seen: list[int] = []
        cursor = None
        while True:
            items, cursor = await _follow(desk, cursor)
            seen += [e["id"] for e in items]
            if done.is_set() and not items:
                return seen
            await asyncio.sleep(0.1)

    follower = asyncio.create_task(follow())
    try:
        await asyncio.gather(*(fire(w) for w in workers))
    finally:
        done.set()
        for p in pools:
            await p.close()
    seen = await asyncio.wait_for(follower, 60)
    recorded = [r["id"] for r in await desk.sql("SELECT id FROM sla_events")]
    assert len(recorded) == 3000
    assert len(seen) == len(set(seen)), "an event was served twice"
    assert sorted(seen) == sorted(recorded), "an event was missed"


async def test_reminders_are_a_feed_in_the_order_raised_and_each_can_be_read(
    desk: WorkerDesk,
) -> None:
    ticket = (await desk.client.post("/v1/tickets", json={"subject": "Call me"})).json()
    due = (T0 + timedelta(hours=1)).isoformat()
    await desk.client.post(f"/v1/tickets/{ticket['id']}/callbacks", json={"requested_at": due})
    first = (await desk.client.get("/v1/reminders", params={"order": "commit"})).json()
    assert first["items"] == [] and first["next_cursor"]
    assert await desk.at(T0 + timedelta(hours=1)) == 1
    page = (
        await desk.client.get(
            "/v1/reminders", params={"order": "commit", "cursor": first["next_cursor"]}
        )
    ).json()
    assert [r["kind"] for r in page["items"]] == ["callback"]
    one = await desk.client.get(f"/v1/reminders/{page['items'][0]['id']}")
    assert one.status_code == 200 and one.json() == page["items"][0]
    assert one.headers["etag"] == f'"{one.json()["version"]}"'
    assert (await desk.client.get("/v1/reminders/999")).status_code == 404
