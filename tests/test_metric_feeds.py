"""The metrics' feeds (which tickets changed since the rollups last looked) follow transaction
ids in number order: 10 after 9, as the feed's index keeps them."""

import asyncpg

from app.clock import utcnow
from app.db import libpq_url
from app.store.rollups import feeds
from tests.worker.conftest import seed_due_timers


async def test_a_feed_reads_transaction_ids_in_number_order(fresh_database: str) -> None:
    await seed_due_timers(fresh_database, 2, utcnow())
    conn = await asyncpg.connect(libpq_url(fresh_database))
    try:
        tickets = [r["id"] for r in await conn.fetch("SELECT id FROM tickets ORDER BY id")]
        # Two breaches written by transactions 9 and 10 (long settled): as text, "10" < "9".
        for ticket_id, txid in zip(tickets, ("9", "10"), strict=True):
            await conn.execute(
                "INSERT INTO sla_events (ticket_id, metric, kind, due_at, recorded_at, txid)"
                " VALUES ($1, 'resolution', 'breach', now(), now(), $2::text::xid8)",
                ticket_id,
                txid,
            )
        first = await feeds.changed(conn, "sla_events", (0, 0), 1)
        assert (first.tickets, first.position[0]) == ([tickets[0]], 9)
        rest = await feeds.changed(conn, "sla_events", first.position, 10)
        assert (rest.tickets, rest.position[0]) == ([tickets[1]], 10)
    finally:
        await conn.close()
