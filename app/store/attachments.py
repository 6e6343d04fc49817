"""Attachments: the files on interactions, and the `postgres` backend's content chunks."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg

from app.domain.access import Visibility
from app.store.paging import Params
from app.store.visibility import visible_sql


@dataclass(frozen=True, slots=True)
class NewAttachment:
    filename: str
    content_type: str
    size: int
    sha256: str
    storage: str
    uploaded_by_key_id: int | None
    uploaded_by_customer_id: int | None
    created_at: datetime
    held_email_id: int | None = None


@dataclass(frozen=True, slots=True)
class AttachmentRow:
    id: int
    ticket_id: int | None
    interaction_id: int | None
    filename: str
    content_type: str
    size: int
    sha256: str | None
    storage: str
    uploaded_by_key_id: int | None
    uploaded_by_customer_id: int | None
    created_at: datetime
    erased_at: datetime | None


_NEW = tuple(f.name for f in fields(NewAttachment))
_COLUMNS = ", ".join(f.name for f in fields(AttachmentRow))
_INSERT = f"""
    INSERT INTO attachments ({", ".join(_NEW)})
    VALUES ({", ".join(f"${i}" for i in range(1, len(_NEW) + 1))})
    RETURNING {_COLUMNS}
"""


async def insert(conn: asyncpg.Connection, new: NewAttachment) -> AttachmentRow:
    return AttachmentRow(**await conn.fetchrow(_INSERT, *(getattr(new, n) for n in _NEW)))


async def visible(
    conn: asyncpg.Connection,
    attachment_id: int,
    seen: Visibility,
    *,
    public_only: bool,
    key_ids: Sequence[int],
    customer_id: int | None,
) -> AttachmentRow | None:
    """The attachment if the caller sees it: its interaction's ticket is visible to them (and
    the interaction public, for `public_only`), or it waits unsent and they uploaded it."""
    p = Params(attachment_id)
    tickets = visible_sql(seen, p)
    on_ticket = (
        "TRUE" if tickets is None else f"a.ticket_id IN (SELECT id FROM tickets WHERE {tickets})"
    )
    public = f"(NOT {p(public_only, 'boolean')} OR i.public)"
    mine = (
        f"(a.uploaded_by_key_id = ANY({p(list(key_ids), 'bigint[]')})"
        f" OR a.uploaded_by_customer_id = {p(customer_id, 'bigint')})"
    )
    sql = f"""
        SELECT {", ".join(f"a.{f.name}" for f in fields(AttachmentRow))}
        FROM attachments a LEFT JOIN interactions i ON i.id = a.interaction_id
        WHERE a.id = $1
          AND ((a.interaction_id IS NOT NULL AND {on_ticket} AND {public})
               OR (a.interaction_id IS NULL AND {mine}))
    """
    found = await conn.fetchrow(sql, *p.values)
    return None if found is None else AttachmentRow(**found)


_LOCK_PENDING = f"""
    SELECT {_COLUMNS} FROM attachments WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE
"""


async def lock(conn: asyncpg.Connection, ids: Sequence[int]) -> list[AttachmentRow]:
    return [AttachmentRow(**r) for r in await conn.fetch(_LOCK_PENDING, list(ids))]


_ATTACH = """
    UPDATE attachments SET ticket_id = $2, interaction_id = $3 WHERE id = ANY($1::bigint[])
"""


async def attach(
    conn: asyncpg.Connection, ids: Sequence[int], ticket_id: int, interaction_id: int
) -> None:
    await conn.execute(_ATTACH, list(ids), ticket_id, interaction_id)


_OF_INTERACTIONS = f"""
    SELECT {_COLUMNS} FROM attachments WHERE interaction_id = ANY($1::bigint[]) ORDER BY id
"""


async def of_interactions(
    conn: asyncpg.Connection, interaction_ids: Sequence[int]
) -> list[AttachmentRow]:
    if not interaction_ids:
        return []
    return [AttachmentRow(**r) for r in await conn.fetch(_OF_INTERACTIONS, list(interaction_ids))]


# Erasure: the name and digest go, the row (size, type, instants) stays; what it held is
# returned so the content can be deleted where nothing else refers to it.
_ERASE = """
    WITH gone AS (
        SELECT id, sha256, storage FROM attachments
        WHERE erased_at IS NULL
          AND (interaction_id = ANY($1::bigint[])
               OR (interaction_id IS NULL AND uploaded_by_customer_id = $2))
        ORDER BY id FOR UPDATE
    )
    UPDATE attachments a SET filename = $3, sha256 = NULL, erased_at = $4
    FROM gone WHERE a.id = gone.id
    RETURNING a.id, gone.sha256, gone.storage
"""


async def erase(
    conn: asyncpg.Connection,
    interaction_ids: Sequence[int],
    customer_id: int | None,
    marker: str,
    at: datetime,
) -> list[tuple[int, str, str]]:
    """Erase the attachments of these interactions (and the customer's unsent uploads):
    (id, sha256, storage) of each."""
    rows = await conn.fetch(_ERASE, list(interaction_ids), customer_id, marker, at)
    return [(r["id"], r["sha256"], r["storage"]) for r in rows]


# Uploads no interaction sent (nor held mail keeps): deleted, row and all.
_DELETE_UNSENT = """
    DELETE FROM attachments
    WHERE id = ANY($1::bigint[]) AND interaction_id IS NULL AND held_email_id IS NULL
    RETURNING id, sha256, storage
"""


async def delete_unsent(
    conn: asyncpg.Connection, ids: Sequence[int]
) -> list[tuple[int, str | None, str]]:
    """Delete those of `ids` still unsent: (id, sha256, storage) of each."""
    rows = await conn.fetch(_DELETE_UNSENT, list(ids))
    return [(r["id"], r["sha256"], r["storage"]) for r in rows]


# Held mail's files: put on the interaction its acceptance appended, or erased with it.
_RELEASE = """
    UPDATE attachments SET ticket_id = $2, interaction_id = $3
    WHERE held_email_id = $1 AND interaction_id IS NULL AND erased_at IS NULL
"""
_ERASE_HELD = """
    WITH gone AS (
        SELECT id, sha256, storage FROM attachments
        WHERE held_email_id = $1 AND interaction_id IS NULL AND erased_at IS NULL
        ORDER BY id FOR UPDATE
    )
    UPDATE attachments a SET filename = $2, sha256 = NULL, erased_at = $3
    FROM gone WHERE a.id = gone.id
    RETURNING a.id, gone.sha256, gone.storage
"""


async def release(
    conn: asyncpg.Connection, email_id: int, ticket_id: int, interaction_id: int
) -> None:
    await conn.execute(_RELEASE, email_id, ticket_id, interaction_id)


async def erase_held(
    conn: asyncpg.Connection, email_id: int, marker: str, at: datetime
) -> list[tuple[int, str, str]]:
    rows = await conn.fetch(_ERASE_HELD, email_id, marker, at)
    return [(r["id"], r["sha256"], r["storage"]) for r in rows]


_REFERENCED = """
    SELECT DISTINCT sha256 FROM attachments
    WHERE sha256 = ANY($1::text[]) AND storage = $2 AND erased_at IS NULL
"""


async def referenced(conn: asyncpg.Connection, digests: Sequence[str], storage: str) -> set[str]:
    """Of `digests`, those an attachment not erased still holds in `storage`."""
    return {r["sha256"] for r in await conn.fetch(_REFERENCED, list(digests), storage)}


_ERASED_ON = """
    SELECT a.id FROM attachments a LEFT JOIN interactions i ON i.id = a.interaction_id
    WHERE a.erased_at IS NOT NULL
      AND (a.ticket_id = ANY($1::bigint[])
           OR i.author_customer_id = $2
           OR (a.interaction_id IS NULL AND a.uploaded_by_customer_id = $2))
    ORDER BY a.id
"""


async def erased_on(
    conn: asyncpg.Connection, ticket_ids: Sequence[int], customer_id: int | None
) -> list[int]:
    return [r["id"] for r in await conn.fetch(_ERASED_ON, list(ticket_ids), customer_id)]


# ---- the postgres backend's content ----------------------------------------------------------

_HAS_CONTENT = "SELECT 1 FROM attachment_chunks WHERE sha256 = $1 AND seq = 0"
_PUT_CHUNK = """
    INSERT INTO attachment_chunks (sha256, seq, data) VALUES ($1, $2, $3)
    ON CONFLICT (sha256, seq) DO NOTHING
"""
_CHUNK = "SELECT data FROM attachment_chunks WHERE sha256 = $1 AND seq = $2"
_DELETE_CONTENT = "DELETE FROM attachment_chunks WHERE sha256 = $1"


async def has_content(conn: asyncpg.Connection, sha256: str) -> bool:
    return await conn.fetchval(_HAS_CONTENT, sha256) is not None


async def put_chunk(conn: asyncpg.Connection, sha256: str, seq: int, data: bytes) -> None:
    await conn.execute(_PUT_CHUNK, sha256, seq, data)


async def chunk(conn: asyncpg.Connection, sha256: str, seq: int) -> bytes | None:
    found: bytes | None = await conn.fetchval(_CHUNK, sha256, seq)
    return found


async def delete_content(conn: asyncpg.Connection, sha256: str) -> None:
    await conn.execute(_DELETE_CONTENT, sha256)
