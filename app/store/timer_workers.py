"""Worker replicas: each running timer worker, as it last reported itself."""

from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg


@dataclass(frozen=True, slots=True)
class ReplicaRow:
    id: str
    hostname: str
    pid: int
    started_at: datetime
    last_seen_at: datetime
    last_cycle_ms: float
    fired_total: int
    fired_last_minute: int


COLUMNS = tuple(f.name for f in fields(ReplicaRow))
# What a heartbeat refreshes; who the replica is (host, pid, start) is written once.
_REPORTED = ("last_seen_at", "last_cycle_ms", "fired_total", "fired_last_minute")
_HEARTBEAT = f"""
    INSERT INTO worker_replicas ({", ".join(COLUMNS)})
    VALUES ({", ".join(f"${i}" for i in range(1, len(COLUMNS) + 1))})
    ON CONFLICT (id) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c in _REPORTED)}
"""


async def heartbeat(conn: asyncpg.Connection, replica: ReplicaRow) -> None:
    await conn.execute(_HEARTBEAT, *(getattr(replica, name) for name in COLUMNS))


_FORGET = "DELETE FROM worker_replicas WHERE id = $1"


async def forget(conn: asyncpg.Connection, replica_id: str) -> None:
    await conn.execute(_FORGET, replica_id)


_SEEN_SINCE = f"""
    SELECT {", ".join(COLUMNS)} FROM worker_replicas
    WHERE last_seen_at >= $1
    ORDER BY started_at, id
"""


async def seen_since(conn: asyncpg.Connection, since: datetime) -> list[ReplicaRow]:
    return [ReplicaRow(**r) for r in await conn.fetch(_SEEN_SINCE, since)]
