"""The stored rollups (`metric_rollups`): a UTC day's tally per dimension value, read and
replaced; and both rollup tables emptied and analysed around a rebuild."""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import asyncpg

from app.domain.rollups import Tally

READ = """
    SELECT tally FROM metric_rollups
    WHERE (day, dim, value) IN (SELECT * FROM unnest($1::date[], $2::text[], $3::text[]))
"""


async def read(conn: asyncpg.Connection, keys: Iterable[tuple[date, str, str]]) -> list[Tally]:
    """The stored tallies of these (day, dimension, value) keys (missing ones: nothing)."""
    days, dims, values = [], [], []
    for day, dim, value in keys:
        days.append(day)
        dims.append(dim)
        values.append(value)
    rows = await conn.fetch(READ, days, dims, values)
    return [Tally.from_json(r["tally"]) for r in rows]


CLEAR = "DELETE FROM metric_rollups WHERE day = ANY($1::date[])"
WRITE = """
    INSERT INTO metric_rollups (day, dim, value, tally)
    SELECT k.day, k.dim, k.value, t.tally
    FROM unnest($1::date[], $2::text[], $3::text[]) WITH ORDINALITY AS k(day, dim, value, n)
    JOIN jsonb_array_elements($4::jsonb) WITH ORDINALITY AS t(tally, n) USING (n)
"""


async def replace(
    conn: asyncpg.Connection, days: Sequence[date], tallies: dict[tuple[date, str, str], Any]
) -> None:
    """The rollups of `days` replaced by `tallies` (JSON documents by key)."""
    await conn.execute(CLEAR, list(days))
    if tallies:
        keys = list(tallies)
        await conn.execute(
            WRITE,
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [tallies[k] for k in keys],  # one JSON array
        )


TRUNCATE = "TRUNCATE metric_rollups, metric_tickets"


async def clear_all(conn: asyncpg.Connection) -> None:
    await conn.execute(TRUNCATE)


ANALYZE = "ANALYZE metric_tickets, metric_rollups"


async def analyze(conn: asyncpg.Connection) -> None:
    """Fresh statistics after a rebuild: the planner would otherwise guess from none."""
    await conn.execute(ANALYZE)
