"""The commonest writes change no column of the ticket that one of its indexes reads, so that
PostgreSQL can keep the new row version beside the old one (a HOT update) and add no entry to
any of the ticket's indexes, three of them GIN. What moves with every write (which transaction
wrote it, `updated_at`, the nearest deadline) is indexed in ticket_keys instead, and the lists
sorted by those keys read the tickets through it."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from app.db import Database
from tests.api.conftest import client_for, new_key
from tests.api.factories import log, make_agent, make_team, make_ticket

# Each column of tickets that an index names, or that its expression or predicate reads.
INDEXED = r"""
    SELECT DISTINCT a.attname::text
    FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE i.indrelid = 'tickets'::regclass
      AND (a.attnum = ANY (i.indkey)
           OR pg_get_indexdef(i.indexrelid) ~ ('\m' || a.attname || '\M'))
"""


async def indexed_columns(db: Database) -> set[str]:
    async with db.pool.acquire() as conn:
        return {r[0] for r in await conn.fetch(INDEXED)}


async def changed_columns(
    db: Database, ticket_id: int, write: Callable[[], Awaitable[Any]]
) -> set[str]:
    """The ticket's columns (generated ones included) that `write` changed."""
    row = "SELECT to_jsonb(t) FROM tickets t WHERE id = $1"
    async with db.pool.acquire() as conn:
        before = await conn.fetchval(row, ticket_id)
    await write()
    async with db.pool.acquire() as conn:
        after = await conn.fetchval(row, ticket_id)
    return {name for name in after if after[name] != before.get(name)}


async def test_an_internal_note_changes_no_indexed_column_of_the_ticket(
    client: httpx.AsyncClient, db: Database
) -> None:
    ticket = await make_ticket(client, description="The printer on floor 3 jams.", tags=["printer"])
    changed = await changed_columns(
        db,
        ticket["id"],
        lambda: log(client, ticket["id"], kind="note", direction="internal", public=False),
    )
    assert {"version", "updated_at", "interaction_count"} <= changed
    assert changed & await indexed_columns(db) == set()


async def test_an_agent_reply_after_the_first_changes_no_indexed_column_of_the_ticket(
    client: httpx.AsyncClient, db: Database
) -> None:
    ticket = await make_ticket(
        client, channel="email", customer={"name": "Ana", "email": "ana@example.com"}
    )
    await log(client, ticket["id"], body="We are on it.")  # the first reply opens it
    changed = await changed_columns(
        db, ticket["id"], lambda: log(client, ticket["id"], body="The part ships today.")
    )
    assert {"version", "updated_at", "agent_reply_count", "last_public_reply_at"} <= changed
    assert changed & await indexed_columns(db) == set()


async def test_ticket_keys_follow_every_write_of_the_ticket(
    client: httpx.AsyncClient, db: Database
) -> None:
    ticket = await make_ticket(
        client, channel="email", customer={"name": "Ana", "email": "ana@example.com"}
    )
    keys = """
        SELECT k.txid = t.xmin::text::xid8 AND k.written_at = t.updated_at
               AND k.due_at IS NOT DISTINCT FROM t.sla_due_at
        FROM ticket_keys k JOIN tickets t USING (id) WHERE id = $1
    """
    for write in (
        lambda: log(client, ticket["id"], kind="note", direction="internal", public=False),
        lambda: log(client, ticket["id"], body="We are on it."),
    ):
        await write()
        async with db.pool.acquire() as conn:
            assert await conn.fetchval(keys, ticket["id"]) is True


async def test_a_team_agent_s_list_by_last_write_follows_writes_and_pages_through_them(
    app,  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient,
) -> None:
    ours, theirs = await make_team(client), await make_team(client)
    agent = await make_agent(client, team_id=ours["id"])
    mine = [(await make_ticket(client, team_id=ours["id"]))["id"] for _ in range(4)]
    await make_ticket(client, team_id=theirs["id"])
    # The oldest is written last: it leads the list by last write, and trails it ascending.
    await log(client, mine[0], kind="note", direction="internal", public=False)
    expected = [mine[0], mine[3], mine[2], mine[1]]
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as agent_client:
        seen, cursor = [], None
        while True:
            params: dict[str, Any] = {"sort": "-updated_at", "limit": 3}
            if cursor:
                params["cursor"] = cursor
            page = (await agent_client.get("/v1/tickets", params=params)).json()
            seen += [item["id"] for item in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert seen == expected
        ascending = await agent_client.get("/v1/tickets", params={"sort": "updated_at"})
        assert [item["id"] for item in ascending.json()["items"]] == expected[::-1]
