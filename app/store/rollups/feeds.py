"""The feeds that say which tickets changed (`metric_feeds`): how far the rollups have followed
the tickets, breaches, escalations and answers, read and moved with the no-miss rule."""

from dataclasses import dataclass

import asyncpg

# Per feed: its table, the column naming the ticket, and which of its rows matter.
FEEDS: dict[str, tuple[str, str, str]] = {
    # A ticket's last write: its row in ticket_keys (migration 0035).
    "tickets": ("ticket_keys", "id", "true"),
    "sla_events": ("sla_events", "ticket_id", "kind = 'breach'"),
    "escalations": ("escalations", "ticket_id", "true"),
    "survey_responses": ("survey_responses", "ticket_id", "true"),
}
LOCK_FEEDS = """
    WITH made AS (
        INSERT INTO metric_feeds (name, txid, last_id)
        SELECT unnest($1::text[]), '0'::xid8, 0 ON CONFLICT (name) DO NOTHING
    )
    SELECT name, txid::text AS txid, last_id FROM metric_feeds
    WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE
"""


async def lock_feeds(conn: asyncpg.Connection) -> dict[str, tuple[int, int]]:
    """Each feed's position, locked until the transaction ends: one catch-up at a time."""
    names = sorted(FEEDS)
    rows = await conn.fetch(LOCK_FEEDS, names)
    if len(rows) < len(names):  # made by this statement: not visible to it, locked now
        rows = await conn.fetch(LOCK_FEEDS, names)
    return {r["name"]: (int(r["txid"]), r["last_id"]) for r in rows}


def _changed_sql(name: str) -> str:
    # The text form has a name of its own: ORDER BY a name that is also an output column's
    # sorts by that column, and as text "10" comes before "9".
    table, ticket, where = FEEDS[name]
    return f"""
        SELECT {ticket} AS ticket_id, txid::text AS txid_text, id,
               txid < pg_snapshot_xmin(pg_current_snapshot()) AS settled
        FROM {table}
        WHERE {where} AND (txid, id) > ($1::text::xid8, $2::bigint)
        ORDER BY txid, id LIMIT $3
    """


CHANGED = {name: _changed_sql(name) for name in FEEDS}


@dataclass(frozen=True)
class Changed:
    """What a feed gave: the tickets its rows name (every visible row: a pass counts what was
    committed before it), how many rows were settled, and the position after the last of
    those. A row not settled yet (an older transaction still runs, so a row may still appear
    before it) is read again next time: taking a ticket in twice does no harm."""

    tickets: list[int]
    settled: int
    position: tuple[int, int]


async def changed(
    conn: asyncpg.Connection, feed: str, after: tuple[int, int], limit: int
) -> Changed:
    rows = await conn.fetch(CHANGED[feed], str(after[0]), after[1], limit)
    done = [r for r in rows if r["settled"]]  # settled rows come first: txid order
    position = (int(done[-1]["txid_text"]), done[-1]["id"]) if done else after
    return Changed([r["ticket_id"] for r in rows], len(done), position)


SAVE_FEED = "UPDATE metric_feeds SET txid = $2::text::xid8, last_id = $3 WHERE name = $1"


async def save_feed(conn: asyncpg.Connection, feed: str, at: tuple[int, int]) -> None:
    await conn.execute(SAVE_FEED, feed, str(at[0]), at[1])


# Just before every transaction still running: rows written from there on are read again.
HORIZON = """
    SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1)::text AS txid
"""
MAX_ID = 9_223_372_036_854_775_807


async def horizon(conn: asyncpg.Connection) -> tuple[int, int]:
    """A feed position before which every row is settled and seen by this snapshot."""
    return int(await conn.fetchval(HORIZON)), MAX_ID
