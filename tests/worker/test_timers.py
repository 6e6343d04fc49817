"""The timer worker on an injected clock: every timer kind fires once, at its moment."""

import asyncio
import dataclasses
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest

from app.clock import SystemClock
from app.db import Limits, connect, transaction, with_database
from app.services import sla_events, timer_handlers, timers
from app.services.context import Desk
from app.store import timers as timer_store
from app.workers import timers as timer_worker
from app.workers.timers import TimerWorker
from tests.api.factories import created, log, patch
from tests.worker.conftest import T0, WorkerDesk, seed_due_timers


def at(hours: float = 0, **delta: float) -> datetime:
    return T0 + timedelta(hours=hours, **delta)


async def events(desk: WorkerDesk, **params: Any) -> list[tuple[str, str]]:
    page = (await desk.client.get("/v1/sla-events", params=params | {"limit": 200})).json()
    return [(e["metric"], e["kind"]) for e in reversed(page["items"])]


async def new_ticket(desk: WorkerDesk, **fields: Any) -> dict[str, Any]:
    body = {"subject": "Printer on fire", "impact": "user", "urgency": "medium"} | fields
    return await created(await desk.client.post("/v1/tickets", json=body))


async def test_every_timer_kind_fires_once_at_its_moment(desk: WorkerDesk) -> None:
    # Default policy, 24x7, medium: first response 4 h, next update 24 h, resolution 24 h.
    ticket = await new_ticket(desk)
    tid = ticket["id"]
    assert await desk.at(at(3, minutes=11, seconds=59)) == 0
    assert await desk.at(at(3, minutes=12)) == 1  # 80 % of 4 h
    assert await desk.at(at(3, minutes=12)) == 0
    assert await events(desk) == [("first_response", "warning")]
    assert await desk.at(at(4)) == 1
    assert await events(desk) == [("first_response", "warning"), ("first_response", "breach")]
    breached = (await desk.client.get(f"/v1/tickets/{tid}")).json()["sla"]
    assert breached["state"] == "breached"
    history = (await desk.client.get(f"/v1/tickets/{tid}/history")).json()["items"]
    assert [h["action"] for h in history if h["action"].startswith("sla_")] == [
        "sla_warning",
        "sla_breach",
    ]

    # A late reply; the customer asks to be called back at 16:00.
    desk.clock.set(at(4, minutes=30))
    await log(desk.client, tid)
    callback = await created(
        await desk.client.post(
            f"/v1/tickets/{tid}/callbacks", json={"requested_at": at(7).isoformat()}
        )
    )
    assert callback["missed_at"] == (at(7.5)).isoformat().replace("+00:00", "Z")
    assert await desk.at(at(7)) == 1
    reminders = (await desk.client.get("/v1/reminders", params={"status": "open"})).json()["items"]
    assert [(r["kind"], r["callback_id"]) for r in reminders] == [("callback", callback["id"])]
    assert await desk.at(at(7.5)) == 1
    assert (await events(desk, metric="callback")) == [("callback", "missed")]
    callbacks = (await desk.client.get(f"/v1/tickets/{tid}/callbacks")).json()["items"]
    assert callbacks[0]["status"] == "missed"

    # Resolution: warning at 80 % of 24 h, breach at 24 h; the next update (24 h after the
    # 13:30 reply) warns at 08:42 in between.
    assert await desk.at(at(19, minutes=11)) == 0
    assert await desk.at(at(19, minutes=12)) == 1
    assert await desk.at(at(23, minutes=42)) == 1
    assert await desk.at(at(24)) == 1
    assert (await events(desk, metric="resolution")) == [
        ("resolution", "warning"),
        ("resolution", "breach"),
    ]

    # The follow-up reminder two hours before the next update is due (reply at 13:30 + 24 h).
    assert await desk.at(at(26, minutes=29)) == 0
    assert await desk.at(at(26, minutes=30)) == 1
    open_now = (await desk.client.get("/v1/reminders", params={"status": "open"})).json()["items"]
    # The missed callback's reminder stays open until someone calls.
    assert [r["kind"] for r in open_now] == ["callback", "follow_up"]
    follow_up = [r for r in open_now if r["kind"] == "follow_up"]
    assert follow_up[0]["due_at"] == at(28, minutes=30).isoformat().replace("+00:00", "Z")
    desk.clock.set(at(27))
    await log(desk.client, tid, kind="call", direction="outbound", duration_seconds=60)
    assert (await desk.client.get("/v1/reminders", params={"status": "open"})).json()["items"] == []
    # The reply re-anchored the next update: the old deadline does not breach.
    assert await desk.at(at(28, minutes=30)) == 0
    assert (await events(desk, metric="next_update")) == [("next_update", "warning")]

    # Resolved, and closed by the worker seven days later.
    desk.clock.set(at(30))
    await patch(desk.client, f"/v1/tickets/{tid}", status="resolved")
    assert await desk.at(at(30) + timedelta(days=7) - timedelta(seconds=1)) == 0
    assert await desk.at(at(30) + timedelta(days=7)) == 1
    closed = (await desk.client.get(f"/v1/tickets/{tid}")).json()
    assert closed["status"] == "closed" and closed["version"] > ticket["version"]
    pending = await desk.sql("SELECT kind FROM timers WHERE fired_at IS NULL")
    assert pending == []


async def test_reply_before_the_deadline_means_no_breach(desk: WorkerDesk) -> None:
    ticket = await new_ticket(desk)
    desk.clock.set(at(1))
    await log(desk.client, ticket["id"])
    assert await desk.at(at(10)) == 0
    assert await events(desk) == []


async def test_a_pause_moves_the_deadline(desk: WorkerDesk) -> None:
    ticket = await new_ticket(desk)
    path = f"/v1/tickets/{ticket['id']}"
    desk.clock.set(at(1))
    await patch(desk.client, path, status="pending")
    desk.clock.set(at(2))
    await patch(desk.client, path, status="open")
    # Due at 13:00 before the pause, 14:00 after it (warning 12:12 → 13:12).
    assert await desk.at(at(4)) == 0
    assert await desk.at(at(4, minutes=12)) == 1
    assert await desk.at(at(5)) == 1
    breach = (await desk.client.get("/v1/sla-events", params={"kind": "breach"})).json()["items"]
    assert breach[0]["due_at"] == at(5).isoformat().replace("+00:00", "Z")


async def test_priority_change_rearms_instead_of_firing_stale_timers(desk: WorkerDesk) -> None:
    ticket = await new_ticket(desk)  # medium: first response due 13:00
    desk.clock.set(at(0.5))
    await patch(desk.client, f"/v1/tickets/{ticket['id']}", urgency="critical")  # high: due 10:00
    assert await desk.at(at(1)) == 2  # the new warning (09:48) and breach (10:00)
    assert await desk.at(at(5)) == 0  # the medium timers were cancelled, never fired
    breach = (await desk.client.get("/v1/sla-events", params={"kind": "breach"})).json()["items"]
    assert [b["due_at"] for b in breach] == [at(1).isoformat().replace("+00:00", "Z")]


async def test_three_workers_fire_5000_timers_exactly_once(desk: WorkerDesk) -> None:
    await seed_due_timers(desk.url, 5000, at(1))
    pools = [await connect(desk.url, Limits(pool_size=2)) for _ in range(3)]
    workers = [
        TimerWorker(Desk.of(p, desk.services.settings), desk.clock, batch=250) for p in pools
    ]
    desk.clock.set(at(2))

    async def drain(worker: TimerWorker) -> int:
        total = 0
        while (fired := (await worker.run_once()).claimed) > 0:
            total += fired
        return total

    try:
        counts = await asyncio.gather(*[drain(w) for w in workers])
    finally:
        for p in pools:
            await p.close()
    assert sum(counts) == 5000
    assert all(c > 0 for c in counts), counts  # the work really was shared
    rows = await desk.sql(
        "SELECT count(*) AS events, count(DISTINCT ticket_id) AS tickets FROM sla_events"
    )
    assert (rows[0]["events"], rows[0]["tickets"]) == (5000, 5000)
    unfired = await desk.sql("SELECT count(*) AS n FROM timers WHERE fired_at IS NULL")
    assert unfired[0]["n"] == 0


async def test_a_tickets_due_timers_go_to_one_pass_at_a_time(desk: WorkerDesk) -> None:
    # Four tickets, each with a timer due at 1 h + k min and another at 1 h + 10 + k min.
    await seed_due_timers(desk.url, 4, at(3))
    rows = await desk.sql("SELECT id FROM tickets ORDER BY id")
    tickets = [r["id"] for r in rows]
    for k, ticket_id in enumerate(tickets, start=1):
        await desk.sql(
            "UPDATE timers SET due_at = $2 WHERE ticket_id = $1", ticket_id, at(1, minutes=k)
        )
        await desk.sql(
            "INSERT INTO timers (ticket_id, kind, due_at, created_at)"
            " VALUES ($1, 'first_response_breach', $2, now())",
            ticket_id,
            at(1, minutes=10 + k),
        )
    pools = [await connect(desk.url, Limits(pool_size=1)) for _ in range(2)]
    try:
        async with transaction(pools[0]) as first, transaction(pools[1]) as second:
            # The first pass holds the first three tickets and claims their earliest timers; a
            # pass side by side takes the fourth ticket and both of its timers, none of theirs.
            one = await timer_store.claim_due(first, at(2), 3)
            two = await timer_store.claim_due(second, at(2), 100)
            assert [t.ticket_id for t in one] == tickets[:3]
            assert [t.ticket_id for t in two] == [tickets[3], tickets[3]]
        async with transaction(pools[0]) as third:
            later = await timer_store.claim_due(third, at(2), 100)
            assert [t.ticket_id for t in later] == tickets[:3]
            assert {t.kind for t in later} == {"first_response_breach"}
    finally:
        for p in pools:
            await p.close()


async def test_a_row_referring_to_a_ticket_does_not_hold_back_its_timers(
    desk: WorkerDesk,
) -> None:
    # A transaction inserting a row that refers to a ticket (here a timer: its foreign key takes
    # the ticket's KEY SHARE lock) is not a change to the ticket: the pass still claims its timers.
    await seed_due_timers(desk.url, 3, at(1))
    ticket_ids = [r["id"] for r in await desk.sql("SELECT id FROM tickets ORDER BY id")]
    pools = [await connect(desk.url, Limits(pool_size=1)) for _ in range(2)]
    try:
        async with transaction(pools[0]) as writer:
            await timer_store.arm(writer, ticket_ids[0], [("resolution_warning", at(5))])
            async with transaction(pools[1]) as worker:
                claimed = await timer_store.claim_due(worker, at(2), 10)
            assert sorted(t.ticket_id for t in claimed) == ticket_ids
    finally:
        for p in pools:
            await p.close()


async def test_an_exception_mid_batch_rolls_back_and_the_timers_fire_next_pass(
    desk: WorkerDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_due_timers(desk.url, 50, at(1))
    real = timer_handlers.kind("resolution_breach")
    assert real.handler is sla_events.record

    async def half_then_fail(conn: Any, claimed: Any, now: Any, services: Any) -> int:
        await sla_events.record(conn, claimed[:25], now, services)
        raise RuntimeError("injected")

    registry = timer_handlers._registry()
    monkeypatch.setitem(registry, real.name, dataclasses.replace(real, handler=half_then_fail))
    with pytest.raises(RuntimeError):
        await desk.at(at(2))
    assert (await desk.sql("SELECT count(*) AS n FROM sla_events"))[0]["n"] == 0
    assert (await desk.sql("SELECT count(*) AS n FROM timers WHERE fired_at IS NULL"))[0]["n"] == 50
    monkeypatch.setitem(registry, real.name, real)
    assert await desk.at(at(2)) == 50
    assert (await desk.sql("SELECT count(*) AS n FROM sla_events"))[0]["n"] == 50


async def test_the_loop_wakes_on_notify_and_reports_its_status(desk: WorkerDesk) -> None:
    """The loop sleeps (here up to 60 s) until NOTIFY says a sooner timer was written."""
    desk.clock.set(SystemClock().now())
    worker = TimerWorker(desk.services, SystemClock(), max_sleep=60)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.sleep(0.3)  # let it reach its long sleep: nothing is due
        ticket = await new_ticket(desk)
        past = (SystemClock().now() - timedelta(seconds=1)).isoformat()
        await created(
            await desk.client.post(
                f"/v1/tickets/{ticket['id']}/callbacks", json={"requested_at": past}
            )
        )
        for _ in range(50):
            reminders = (await desk.client.get("/v1/reminders")).json()["items"]
            if reminders:
                break
            await asyncio.sleep(0.1)
        assert [r["kind"] for r in reminders] == ["callback"]
        desk.clock.set(SystemClock().now())
        status = (await desk.client.get("/v1/worker/status")).json()
        assert [r["id"] for r in status["replicas"]] == [worker.replica_id]
        assert status["timers_overdue"] == 0 and status["timers_pending"] >= 1
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    gone = (await desk.client.get("/v1/worker/status")).json()
    assert gone["replicas"] == []


async def test_status_shows_the_lag_of_overdue_timers(desk: WorkerDesk) -> None:
    await seed_due_timers(desk.url, 3, at(1))
    desk.clock.set(at(1, seconds=90))
    status = (await desk.client.get("/v1/worker/status")).json()
    assert status["timers_overdue"] == 3 and status["oldest_overdue_seconds"] == 90.0


# ---- the loop through database trouble ---------------------------------------------------------

LISTENERS = """
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()
"""


async def listener_pid(desk: WorkerDesk, *, not_pid: int | None = None) -> int:
    """The backend of the worker's LISTEN connection (another than `not_pid`), once it is up."""
    for _ in range(100):
        pids = [r["pid"] for r in await desk.sql(LISTENERS) if r["pid"] != not_pid]
        if pids:
            assert len(pids) == 1, pids
            return int(pids[0])
        await asyncio.sleep(0.05)
    raise AssertionError("the worker is not listening")


async def callback_due_now(desk: WorkerDesk) -> None:
    """A callback due a second ago: its timer NOTIFYs the workers as it commits."""
    desk.clock.set(SystemClock().now())
    ticket = await new_ticket(desk)
    past = (SystemClock().now() - timedelta(seconds=1)).isoformat()
    await created(
        await desk.client.post(f"/v1/tickets/{ticket['id']}/callbacks", json={"requested_at": past})
    )


async def reminded_within(desk: WorkerDesk, seconds: float) -> list[str]:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        reminders = (await desk.client.get("/v1/reminders")).json()["items"]
        if reminders or asyncio.get_running_loop().time() > deadline:
            return [r["kind"] for r in reminders]
        await asyncio.sleep(0.05)


def worker_log(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[str]:
    records = [r for r in caplog.records if r.name == "helpdesk.worker" and r.levelno >= level]
    assert all(r.exc_info is None for r in records), "no tracebacks for database trouble"
    return [r.getMessage() for r in records]


async def test_the_worker_listens_again_when_its_listen_connection_is_terminated(
    desk: WorkerDesk, caplog: pytest.LogCaptureFixture
) -> None:
    """It sleeps up to 60 s, so only a NOTIFY on the new LISTEN connection wakes it in time."""
    caplog.set_level(logging.INFO, logger="helpdesk.worker")
    worker = TimerWorker(desk.services, SystemClock(), max_sleep=60)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        first = await listener_pid(desk)
        await desk.sql("SELECT pg_terminate_backend($1)", first)
        await listener_pid(desk, not_pid=first)
        await asyncio.sleep(0.3)  # let it reach its long sleep again
        await callback_due_now(desk)
        assert await reminded_within(desk, 2.0) == ["callback"]
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    warnings = worker_log(caplog)
    assert len(warnings) == 2, warnings
    assert "LISTEN" in warnings[0] and "recovered" in warnings[1]


async def test_an_outage_is_one_warning_and_one_recovery_not_a_traceback_per_pass(
    desk: WorkerDesk, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refuses every connection for a while: passes fail again and again, the
    LISTEN connection cannot be opened again; then it is back."""
    caplog.set_level(logging.DEBUG, logger="helpdesk.worker")
    monkeypatch.setattr(timer_worker, "BACKOFF_FIRST", 0.02)
    monkeypatch.setattr(timer_worker, "BACKOFF_MAX", 0.1)
    name = (await desk.sql("SELECT current_database() AS name"))[0]["name"]
    admin = await connect(with_database(desk.url, "postgres"), Limits(pool_size=1))
    worker = TimerWorker(desk.services, SystemClock(), max_sleep=0.1, min_sleep=0.02)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        first = await listener_pid(desk)
        async with admin.pool.acquire() as conn:
            await conn.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
        # Several passes fail in a row (within a few seconds, however busy the machine is).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        failed: list[logging.LogRecord] = []
        while len(failed) <= 3 and loop.time() < deadline:
            await asyncio.sleep(0.1)
            failed = [r for r in caplog.records if r.getMessage().startswith("timer worker: a ")]
        assert len(failed) > 3, "passes were tried again and again"
        assert len(worker_log(caplog)) == 1
        async with admin.pool.acquire() as conn:
            await conn.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        await listener_pid(desk, not_pid=first)
        await callback_due_now(desk)
        assert await reminded_within(desk, 2.0) == ["callback"]
    finally:
        async with admin.pool.acquire() as conn:
            await conn.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        await admin.close()
        stop.set()
        await asyncio.wait_for(task, 10)
    warnings = worker_log(caplog)
    assert len(warnings) == 2, warnings
    assert "failed" in warnings[0] and "recovered" in warnings[1]


async def test_status_marks_a_replica_stale_after_three_missed_heartbeats(
    desk: WorkerDesk,
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(desk.worker.run(stop))
    try:
        for _ in range(100):
            replicas = (await desk.client.get("/v1/worker/status")).json()["replicas"]
            if replicas:
                break
            await asyncio.sleep(0.05)
        assert [(r["id"], r["stale"]) for r in replicas] == [(desk.worker.replica_id, False)]
        assert replicas[0]["last_seen_at"] == T0.isoformat().replace("+00:00", "Z")
        # The worker's clock stands still: it reports nothing newer than T0.
        desk.clock.set(at(seconds=14))
        replicas = (await desk.client.get("/v1/worker/status")).json()["replicas"]
        assert [r["stale"] for r in replicas] == [False]
        desk.clock.set(at(seconds=16))
        status = (await desk.client.get("/v1/worker/status")).json()
        assert [r["stale"] for r in status["replicas"]] == [True]
        assert status["last_cycle_ms"] is None and status["fired_last_minute"] == 0
        desk.clock.set(at(minutes=9, seconds=59))
        replicas = (await desk.client.get("/v1/worker/status")).json()["replicas"]
        assert [r["stale"] for r in replicas] == [True]
        desk.clock.set(at(minutes=10, seconds=1))
        replicas = (await desk.client.get("/v1/worker/status")).json()["replicas"]
        assert replicas == []
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_an_idle_worker_keeps_its_heartbeat(
    desk: WorkerDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is due and it may sleep 60 s, yet it reports on time (here every 0.1 s)."""
    monkeypatch.setattr(timer_worker, "HEARTBEAT_SECONDS", 0.1)
    worker = TimerWorker(desk.services, SystemClock(), max_sleep=60)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        seen = []
        for _ in range(40):
            rows = await desk.sql("SELECT last_seen_at FROM worker_replicas")
            seen += [r["last_seen_at"] for r in rows if r["last_seen_at"] not in seen]
            if len(seen) >= 3:
                break
            await asyncio.sleep(0.05)
        assert len(seen) >= 3, seen
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def test_every_kind_of_timer_has_a_handler_and_every_handler_a_kind() -> None:
    """`timers.schedule` accepts exactly the kinds the worker can fire."""
    assert set(timer_handlers._registry()) == timers.KINDS
