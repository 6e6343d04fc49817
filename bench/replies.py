"""Email reply benchmark: what an agent's public email reply costs on a ticket whose thread is
long, against the same reply on a ticket answered once, in the same run.

A reply names the messages it answers (In-Reply-To, References): the newest 20 of its ticket's
thread, received and sent. The bench writes one ticket with `--thread` replies (copied in SQL:
writing them through the API would take minutes) and `--replies` tickets answered once each,
then posts replies through the API with the app in this process, one at a time: to each short
thread, then as many to the long one. It prints the CPU per reply of this process (the app, and
httpx's in-process client) and of PostgreSQL's processes, for each, and the long thread's over
the short threads'; then the thread's read on the long thread, EXPLAIN ANALYZE, as the reply's
statement runs it. About a minute."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.db import libpq_url  # noqa: E402
from app.store import inbound  # noqa: E402
from bench import harness  # noqa: E402

DATABASE = "bench_replies"
REPLY = {
    "kind": "email",
    "direction": "outbound",
    "public": True,
    "body": "Hello, a technician will replace the feed roller this afternoon.",
}
TICKET = {
    "subject": "Printer jams on floor 3",
    "description": "Since this morning the printer on floor 3 jams on every second page.",
    "impact": "user",
    "urgency": "high",
    "channel": "email",
    "customer": {"name": "Customer 1", "email": "customer1@example.com"},
}
# The long thread's earlier replies, each a copy of its first one, a second apart going back.
COPIES = """
    WITH first AS (SELECT * FROM interactions WHERE ticket_id = $1 LIMIT 1),
    copied AS (
        INSERT INTO interactions
            (ticket_id, kind, direction, public, author_type, body, occurred_at, created_at)
        SELECT ticket_id, kind, direction, public, author_type, body,
               occurred_at - g * interval '1 second', created_at - g * interval '1 second'
        FROM first, generate_series(1, $2) AS g
        RETURNING id, created_at
    )
    INSERT INTO outbound_emails
        (interaction_id, ticket_id, message_id, "references", reference_token, subject, created_at)
    SELECT id, $1, 'copy-' || id || '@desk.example.com', '{}', 'bench', 'Printer jams', created_at
    FROM copied
"""


async def main(args: argparse.Namespace) -> None:
    server, stop = harness.open_server("replies")
    try:
        url = await harness.fresh_database(server, DATABASE)
        admin = await asyncpg.connect(libpq_url(url))
        try:
            postgres = await harness.postmaster(url)
            async with harness.in_process(url, datetime.now(UTC), request_seconds=30) as service:
                client = service.client

                async def reply(ticket_id: int) -> None:
                    r = await client.post(f"/v1/tickets/{ticket_id}/interactions", json=REPLY)
                    assert r.status_code == 201, r.text

                async def ticket() -> int:
                    r = await client.post("/v1/tickets", json=TICKET)
                    assert r.status_code == 201, r.text
                    return int(r.json()["id"])

                long = await ticket()
                await reply(long)
                await admin.execute(COPIES, long, args.thread - 1)
                short = [await ticket() for _ in range(args.replies + 10)]
                for t in short:  # each answered once: the reply measured is its second
                    await reply(t)
                await admin.execute("ANALYZE")
                per_reply = {}
                for name, targets in (
                    ("short thread", short),
                    ("long thread", [long] * len(short)),
                ):
                    for t in targets[:10]:  # warm-up
                        await reply(t)
                    app, db = time.process_time(), harness.cpu_seconds(postgres, reaped=True)
                    for t in targets[10:]:
                        await reply(t)
                    app = (time.process_time() - app) / args.replies * 1e6
                    db = (harness.cpu_seconds(postgres, reaped=True) - db) / args.replies * 1e6
                    per_reply[name] = (app, db)
                    print(f"  {name:13s} CPU per reply: app {app:6,.0f} µs, db {db:6,.0f} µs")
                (app_short, db_short), (app_long, db_long) = per_reply.values()
                print(
                    f"  long thread ({args.thread:,} replies) / short thread (1 reply): "
                    f"app {app_long / app_short:.2f}×, db {db_long / db_short:.2f}×"
                )
                plan = await admin.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {inbound._THREAD}", long)
                print("\nthe thread's read on the long thread:")
                print("\n".join(f"  {row[0]}" for row in plan))
        finally:
            await admin.close()
            await harness.drop_database(server, DATABASE)
    finally:
        stop()
    print(f"load average at end: {harness.load_average()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--thread", type=int, default=3000, help="replies on the long thread")
    parser.add_argument("--replies", type=int, default=200, help="replies measured on each")
    asyncio.run(main(parser.parse_args()))
