"""Attachments: uploading a file, sending it with an interaction, receiving mail's files,
downloading one as whoever may see its interaction, and erasing a person's."""

import asyncio
import hashlib
import tempfile
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from app.db import Connection, connection, transaction
from app.domain import privacy as rules
from app.domain.access import Principal, Visibility
from app.domain.attachments import (
    CHUNK_BYTES,
    HEAD_BYTES,
    clean_filename,
    content_disposition,
    recorded_type,
)
from app.errors import NotFound, PayloadTooLarge, UnprocessableEntity
from app.schemas.attachments import AttachmentOut
from app.services import audit, timers
from app.services.attachments.storage import Storage, backend
from app.services.context import Desk
from app.store import attachments as store
from app.store.attachments import AttachmentRow, NewAttachment
from app.store.timers import Claimed

__all__ = [
    "Checked",
    "Download",
    "Received",
    "SentFile",
    "attach",
    "check_sent",
    "download",
    "erase",
    "listed",
    "out",
    "receive",
    "store_sent",
]


def out(row: AttachmentRow) -> AttachmentOut:
    return AttachmentOut(
        id=row.id,
        interaction_id=row.interaction_id,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        created_at=row.created_at,
        erased=row.erased_at is not None,
    )


def _storage(desk: Desk, name: str | None = None) -> Storage:
    return backend(name or desk.settings.attachment_storage, desk.db, desk.settings)


def _too_large(setting: str, limit: int, what: str, field: str = "body") -> PayloadTooLarge:
    message = f"{what} is larger than {limit} bytes ({setting})"
    return PayloadTooLarge(message, errors=[{"field": field, "message": message}], limit=setting)


def _uploader(actor: Principal) -> tuple[int | None, int | None]:
    """(API key, customer) an upload is recorded as from."""
    if actor.customer_id is not None:
        return None, actor.customer_id
    return actor.key_id or None, None


async def _chunks_of(spool: IO[bytes]) -> AsyncIterator[bytes]:
    spool.seek(0)
    while data := spool.read(CHUNK_BYTES):
        yield data


# ---- upload ------------------------------------------------------------------------------------


async def upload(
    desk: Desk,
    body: AsyncIterator[bytes],
    *,
    filename: str,
    declared_type: str | None,
    declared_size: int | None,
    actor: Principal,
    now: datetime,
) -> AttachmentOut:
    """Store the file a request's body streams in: spooled to a temporary file while it is
    hashed and counted (refused past HELPDESK_ATTACHMENT_MAX_BYTES), its type checked against
    its first bytes, its content written once per digest. It waits, unsent, for the
    interaction that names it in `attachment_ids`."""
    limit = desk.settings.attachment_max_bytes
    if declared_size is not None and declared_size > limit:
        raise _too_large("HELPDESK_ATTACHMENT_MAX_BYTES", limit, "the file")
    digest = hashlib.sha256()
    size = 0
    head = b""
    with tempfile.TemporaryFile() as spool:
        async for data in body:
            size += len(data)
            if size > limit:
                raise _too_large("HELPDESK_ATTACHMENT_MAX_BYTES", limit, "the file")
            if len(head) < HEAD_BYTES:
                head = (head + data)[:HEAD_BYTES]
            digest.update(data)
            spool.write(data)
        if size == 0:
            # The body is the file: without one there is nothing to attach.
            message = "no file: the body is the file's bytes (at least one)"
            raise UnprocessableEntity(message, errors=[{"field": "body", "message": message}])
        sha256 = digest.hexdigest()
        storage = _storage(desk)
        key_id, customer_id = _uploader(actor)
        async with transaction(desk.db) as conn:
            if not await storage.has(conn, sha256):
                await storage.put(conn, sha256, _chunks_of(spool))
            row = await store.insert(
                conn,
                NewAttachment(
                    filename=clean_filename(filename),
                    content_type=recorded_type(declared_type, head),
                    size=size,
                    sha256=sha256,
                    storage=storage.name,
                    uploaded_by_key_id=key_id,
                    uploaded_by_customer_id=customer_id,
                    created_at=now,
                ),
            )
            await timers.schedule_subject(
                conn,
                timers.UNSENT_UPLOAD,
                row.id,
                now + timedelta(hours=desk.settings.attachment_unsent_hours),
                now=now,
                wake_within=desk.settings.worker_max_sleep_seconds,
            )
    return out(row)


# ---- sending with an interaction ---------------------------------------------------------------


async def attach(
    conn: Connection,
    desk: Desk,
    ids: Sequence[int],
    *,
    ticket_id: int,
    interaction_id: int,
    actor: Principal,
) -> list[AttachmentOut]:
    """Put the caller's unsent uploads `ids` on the interaction, in its transaction; an id that
    is not one is a 422 naming it, files over HELPDESK_ATTACHMENT_MESSAGE_MAX_BYTES together
    a 413."""
    if not ids:
        return []
    wanted = list(dict.fromkeys(ids))
    rows = {r.id: r for r in await store.lock(conn, wanted)}
    key_ids = actor.lineage | {actor.key_id} if actor.customer_id is None else frozenset()
    for position, attachment_id in enumerate(wanted):
        row = rows.get(attachment_id)
        mine = row is not None and (
            row.uploaded_by_customer_id == actor.customer_id
            if actor.customer_id is not None
            else row.uploaded_by_key_id in key_ids
        )
        if row is None or not mine or row.erased_at is not None:
            raise _unusable(position, f"attachment {attachment_id} is not an upload of yours")
        if row.interaction_id is not None:
            raise _unusable(position, f"attachment {attachment_id} was sent already")
    total = sum(rows[i].size for i in wanted)
    limit = desk.settings.attachment_message_max_bytes
    if total > limit:
        raise _too_large(
            "HELPDESK_ATTACHMENT_MESSAGE_MAX_BYTES", limit, "the message's files", "attachment_ids"
        )
    await store.attach(conn, wanted, ticket_id, interaction_id)
    for attachment_id in wanted:  # sent: nothing left to expire
        await timers.cancel_subject(conn, timers.UNSENT_UPLOAD, attachment_id)
    return [out(r) for r in await store.of_interactions(conn, [interaction_id])]


# ---- sent in the interaction's own request (multipart/form-data) --------------------------------


@dataclass(frozen=True)
class SentFile:
    """A file part of a new interaction's form: where it was (`field`, e.g. `files.0`), its
    name and declared type as sent, its bytes spooled to a temporary file."""

    field: str
    filename: str | None
    content_type: str | None
    spool: IO[bytes]


@dataclass(frozen=True)
class Checked:
    """A sent file within the limits: its digest, size and first bytes, read once."""

    sent: SentFile
    sha256: str
    size: int
    head: bytes


def _measure(spool: IO[bytes]) -> tuple[str, int, bytes]:
    spool.seek(0)
    digest = hashlib.sha256()
    size = 0
    head = b""
    while data := spool.read(CHUNK_BYTES):
        if not head:
            head = data[:HEAD_BYTES]
        digest.update(data)
        size += len(data)
    return digest.hexdigest(), size, head


async def check_sent(desk: Desk, files: Sequence[SentFile]) -> list[Checked]:
    """The files of a new interaction's form, each measured and held to the upload rules
    before anything is written: a file over HELPDESK_ATTACHMENT_MAX_BYTES, or all of them over
    HELPDESK_ATTACHMENT_MESSAGE_MAX_BYTES, is a 413 naming the part (and the file)."""
    checked = []
    limit = desk.settings.attachment_max_bytes
    for f in files:
        sha256, size, head = await asyncio.to_thread(_measure, f.spool)
        if size > limit:
            what = f"the file {clean_filename(f.filename)!r}"
            raise _too_large("HELPDESK_ATTACHMENT_MAX_BYTES", limit, what, f.field)
        checked.append(Checked(f, sha256, size, head))
    total = sum(c.size for c in checked)
    limit = desk.settings.attachment_message_max_bytes
    if total > limit:
        setting = "HELPDESK_ATTACHMENT_MESSAGE_MAX_BYTES"
        raise _too_large(setting, limit, "the message's files", "files")
    return checked


async def store_sent(
    conn: Connection, desk: Desk, files: Sequence[Checked], *, actor: Principal, now: datetime
) -> list[int]:
    """Store checked files as the caller's uploads, in the interaction's transaction: their
    ids, for the interaction that carries them (`attach` puts them on it)."""
    storage = _storage(desk)
    key_id, customer_id = _uploader(actor)
    ids = []
    for f in files:
        if not await storage.has(conn, f.sha256):
            await storage.put(conn, f.sha256, _chunks_of(f.sent.spool))
        row = await store.insert(
            conn,
            NewAttachment(
                filename=clean_filename(f.sent.filename),
                content_type=recorded_type(f.sent.content_type, f.head),
                size=f.size,
                sha256=f.sha256,
                storage=storage.name,
                uploaded_by_key_id=key_id,
                uploaded_by_customer_id=customer_id,
                created_at=now,
            ),
        )
        ids.append(row.id)
    return ids


def _unusable(position: int, message: str) -> UnprocessableEntity:
    return UnprocessableEntity(
        message, errors=[{"field": f"attachment_ids.{position}", "message": message}]
    )


async def listed(
    conn: Connection, interaction_ids: Iterable[int]
) -> dict[int, list[AttachmentOut]]:
    """The attachments of each interaction (one statement for a page of them)."""
    found: dict[int, list[AttachmentOut]] = {}
    for row in await store.of_interactions(conn, list(interaction_ids)):
        assert row.interaction_id is not None
        found.setdefault(row.interaction_id, []).append(out(row))
    return found


# ---- received with mail ------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """A file that came with a message: its name as sent, its declared type, its bytes."""

    filename: str | None
    content_type: str
    content: bytes


async def receive(
    conn: Connection,
    desk: Desk,
    files: Sequence[Received],
    *,
    actor: Principal,
    now: datetime,
    held_email_id: int | None = None,
) -> list[int]:
    """Store a received message's files as unsent uploads of the gateway's key, in the
    message's transaction: their ids, for the interaction that carries them. With
    `held_email_id`, they wait on that held message instead (`release`, `erase_held`)."""
    storage = _storage(desk)
    ids = []
    for f in files:
        sha256 = hashlib.sha256(f.content).hexdigest()
        if not await storage.has(conn, sha256):
            await storage.put(conn, sha256, _bytes_in_chunks(f.content))
        row = await store.insert(
            conn,
            NewAttachment(
                filename=clean_filename(f.filename),
                content_type=recorded_type(f.content_type, f.content[:HEAD_BYTES]),
                size=len(f.content),
                sha256=sha256,
                storage=storage.name,
                uploaded_by_key_id=actor.key_id or None,
                uploaded_by_customer_id=None,
                created_at=now,
                held_email_id=held_email_id,
            ),
        )
        ids.append(row.id)
    return ids


async def release(conn: Connection, email_id: int, *, ticket_id: int, interaction_id: int) -> None:
    """A held message accepted: the files it kept go on the interaction it appended."""
    await store.release(conn, email_id, ticket_id, interaction_id)


async def erase_held(conn: Connection, desk: Desk, email_id: int, at: datetime) -> list[int]:
    """A held message rejected (or found logged already): the files it kept are erased, their
    content deleted unless another attachment holds the same. The ids erased."""
    gone = await store.erase_held(conn, email_id, rules.ERASED, at)
    await _drop_content(conn, desk, gone)
    return [attachment_id for attachment_id, _, _ in gone]


async def _bytes_in_chunks(content: bytes) -> AsyncIterator[bytes]:
    view = memoryview(content)
    for start in range(0, len(content), CHUNK_BYTES):
        yield bytes(view[start : start + CHUNK_BYTES])


# ---- download ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """A file to serve: its headers and its content as a stream of chunks."""

    headers: dict[str, str]
    media_type: str
    chunks: AsyncIterator[bytes]


async def download(
    desk: Desk, attachment_id: int, *, actor: Principal, visible: Visibility
) -> Download:
    """The attachment if the caller sees its interaction (a customer token: public ones of
    their tickets), or it is their own upload not yet sent; the read is audited. Served as a
    download (never rendered), under its recorded type, its name encoded for any script."""
    key_ids = sorted(actor.lineage | {actor.key_id}) if actor.customer_id is None else []
    async with connection(desk.db) as conn:
        row = await store.visible(
            conn,
            attachment_id,
            visible,
            public_only=actor.customer_id is not None,
            key_ids=key_ids,
            customer_id=actor.customer_id,
        )
        if row is None:
            raise NotFound(f"attachment {attachment_id} not found")
        await audit.read(desk, conn, "attachments", row.id, ticket_id=row.ticket_id)
    if row.sha256 is None:
        raise NotFound(f"attachment {attachment_id}'s content was erased")
    return Download(
        headers={
            "Content-Disposition": content_disposition(row.filename),
            "Content-Length": str(row.size),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
            "ETag": f'"{row.sha256}"',
        },
        media_type=row.content_type,
        chunks=_storage(desk, row.storage).read(row.sha256),
    )


# ---- erasure -----------------------------------------------------------------------------------


async def erase(
    conn: Connection,
    desk: Desk,
    interaction_ids: Sequence[int],
    customer_id: int | None,
    at: datetime,
) -> list[int]:
    """Erase the attachments of these interactions (and, with `customer_id`, that customer's
    unsent uploads): name and digest redacted, content deleted from whichever backend holds it
    unless an attachment not erased shares it. The ids erased."""
    gone = await store.erase(conn, interaction_ids, customer_id, rules.ERASED, at)
    await _drop_content(conn, desk, gone)
    return [attachment_id for attachment_id, _, _ in gone]


async def _drop_content(
    conn: Connection, desk: Desk, gone: Sequence[tuple[int, str | None, str]]
) -> None:
    """Delete the content of attachments erased or deleted, (id, sha256, storage) each, from
    the backend that holds it, unless an attachment not erased holds the same."""
    by_storage: dict[str, set[str]] = {}
    for _, sha256, storage in gone:
        if sha256 is not None:
            by_storage.setdefault(storage, set()).add(sha256)
    for name, digests in by_storage.items():
        kept = await store.referenced(conn, sorted(digests), name)
        storage = _storage(desk, name)
        for sha256 in sorted(digests - kept):
            await storage.delete(conn, sha256)


async def expire_unsent(conn: Connection, due: list[Claimed], now: datetime, desk: Desk) -> int:
    """The timer handler of UNSENT_UPLOAD: uploads still unsent HELPDESK_ATTACHMENT_UNSENT_HOURS
    after they came are deleted, row and content (unless another attachment holds the same
    content). One sent since is left alone. How many were deleted."""
    ids = [t.subject_id for t in due if t.subject_id is not None]
    gone = await store.delete_unsent(conn, ids)
    await _drop_content(conn, desk, gone)
    return len(gone)


async def erased_on(
    conn: Connection, ticket_ids: Sequence[int], customer_id: int | None = None
) -> list[int]:
    """The erased attachments of these tickets (what an erasure says it deleted); with
    `customer_id`, also those of the customer's messages on other tickets (one merged into
    another takes them there) and of their unsent uploads."""
    return await store.erased_on(conn, ticket_ids, customer_id)
