"""Concurrent writers on one ticket: nothing lost, history in commit order, a hot ticket does not
take the service down."""

import asyncio
import time
from datetime import timedelta

import asyncpg
import httpx

from app.db import Database
from tests.api.factories import log, make_ticket, patch
from tests.fakes import FakeClock

NOTE = {"kind": "note", "direction": "internal", "public": False, "body": "checked the logs"}


async def _history(client: httpx.AsyncClient, ticket_id: int) -> list[dict]:
    return (await client.get(f"/v1/tickets/{ticket_id}/history?limit=200")).json()["items"]


async def test_a_message_whose_clock_reading_predates_a_committed_change_is_stored_after_it(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """Two replicas: one commits a status change; the other read its clock a moment earlier
    and only then got the row lock. Its customer message is stored, stamped after the change."""
    t0 = clock.current
    ticket = await make_ticket(client)
    clock.set(t0 + timedelta(minutes=10))
    assert (await patch(client, f"/v1/tickets/{ticket['id']}", status="pending")).status_code == 200
    clock.set(t0 + timedelta(minutes=9))  # the other request's reading
    message = await client.post(
        f"/v1/tickets/{ticket['id']}/interactions",
        json={"kind": "email", "direction": "inbound", "author_type": "customer", "body": "hi"},
    )
    assert message.status_code == 201, message.text
    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    assert after["status"] == "open"  # the customer's answer reopened the pending ticket
    times = [line["at"] for line in await _history(client, ticket["id"])]
    assert times == sorted(times)
    assert after["updated_at"] == times[-1] == "2026-03-02T09:10:00Z"


async def test_concurrent_interactions_are_all_stored_with_history_in_commit_order(
    client: httpx.AsyncClient,
) -> None:
    ticket = await make_ticket(client)
    results = await asyncio.gather(
        *(client.post(f"/v1/tickets/{ticket['id']}/interactions", json=NOTE) for _ in range(50))
    )
    statuses = [r.status_code for r in results]
    assert set(statuses) <= {201, 409}, statuses
    stored = statuses.count(201)
    assert stored >= 40, statuses  # a 409 only when no write on it ended for the lock timeout
    lines = await _history(client, ticket["id"])
    assert sum(1 for line in lines if line["action"] == "interaction") == stored
    times = [line["at"] for line in lines]  # in id order: the order they were written
    assert times == sorted(times)
    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    assert after["interaction_count"] == stored
    assert after["updated_at"] == max(times)


async def test_status_changes_racing_interactions_both_succeed_or_get_a_clear_answer(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(10):
        ticket = await make_ticket(client)
        await log(client, ticket["id"])  # answered: open
        current = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
        changed, noted = await asyncio.gather(
            client.patch(
                f"/v1/tickets/{ticket['id']}",
                json={"status": "pending"},
                headers={"If-Match": f'"{current["version"]}"'},
            ),
            client.post(f"/v1/tickets/{ticket['id']}/interactions", json=NOTE),
        )
        assert noted.status_code == 201, noted.text
        assert changed.status_code in (200, 412), changed.text


async def test_a_ticket_locked_for_long_refuses_its_writers_quickly_and_others_are_unaffected(
    client: httpx.AsyncClient, db: Database
) -> None:
    hot = await make_ticket(client)
    other = await make_ticket(client)
    holder = await asyncpg.connect(db.url)
    try:
        tx = holder.transaction()
        await tx.start()
        await holder.execute("SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE", hot["id"])
        started = time.perf_counter()
        writers = asyncio.gather(
            *(client.post(f"/v1/tickets/{hot['id']}/interactions", json=NOTE) for _ in range(40))
        )
        await asyncio.sleep(0.2)  # the writers are queued on the hot ticket now
        read_started = time.perf_counter()
        read = await client.get(f"/v1/tickets/{other['id']}")
        read_took = time.perf_counter() - read_started
        written = await client.post(f"/v1/tickets/{other['id']}/interactions", json=NOTE)
        refused = await writers
        took = time.perf_counter() - started
        await tx.rollback()
    finally:
        await holder.close()
    assert read.status_code == 200 and written.status_code == 201
    assert read_took < 1.0, read_took  # the hot ticket's writers left connections for others
    codes = {r.status_code for r in refused}
    assert codes == {409}, codes
    problem = refused[0].json()
    assert problem["type"].endswith("/busy") and refused[0].headers["retry-after"]
    assert took < 10, took  # bounded by the lock timeout, not the pool's patience


async def test_database_errors_are_problems_of_their_kind() -> None:
    from app.store.errors import translate

    for exc, status in (
        (asyncpg.CannotConnectNowError("the database system is starting up"), 503),
        (asyncpg.AdminShutdownError("terminating connection due to administrator command"), 503),
        (asyncpg.TooManyConnectionsError("sorry, too many clients already"), 503),
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), 503),
        (ConnectionRefusedError(111, "refused"), 503),
        (asyncpg.QueryCanceledError("canceling statement due to statement timeout"), 503),
        (asyncpg.LockNotAvailableError("canceling statement due to lock timeout"), 409),
        (asyncpg.SerializationError("could not serialize access"), 409),
        (asyncpg.DatetimeFieldOverflowError("date/time field value out of range"), 422),
    ):
        mapped = translate(exc)
        assert mapped is not None and mapped.status == status, (exc, mapped)
        if status == 503:
            assert mapped.retry_after is not None
    assert translate(ValueError("a bug")) is None
