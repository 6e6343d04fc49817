"""Where attachments' content is kept: one small interface, two backends. Content is addressed
by its SHA-256 (written once however many attachments share it) and moves in chunks both
ways, so no file is ever held whole in memory."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import ClientError

from app.db import Connection, Database, connection
from app.domain.attachments import CHUNK_BYTES
from app.settings import Settings
from app.store import attachments as store

# S3's smallest part of a multipart upload (but the last): what one upload holds in memory.
S3_PART_BYTES = 5 * 1024 * 1024


class Storage(Protocol):
    """A backend. `conn` is the transaction the attachment's row is written in: the postgres
    backend writes and deletes content in it (all or nothing with the row); a store outside
    the database cannot, and leaves content a rolled-back upload wrote for the next upload
    of the same bytes (content is addressed by its digest)."""

    name: str

    async def has(self, conn: Connection, sha256: str) -> bool: ...

    async def put(self, conn: Connection, sha256: str, chunks: AsyncIterator[bytes]) -> None: ...

    def read(self, sha256: str) -> AsyncIterator[bytes]: ...

    async def delete(self, conn: Connection, sha256: str) -> None: ...


class PostgresStorage:
    """Content in the database, CHUNK_BYTES per row of attachment_chunks: a backup holds it,
    the embedded setup needs nothing more. Reads take a pooled connection per chunk, so a slow
    download never holds one."""

    name = "postgres"

    def __init__(self, db: Database) -> None:
        self.db = db

    async def has(self, conn: Connection, sha256: str) -> bool:
        return await store.has_content(conn, sha256)

    async def put(self, conn: Connection, sha256: str, chunks: AsyncIterator[bytes]) -> None:
        seq = 0
        async for data in _rechunked(chunks, CHUNK_BYTES):
            await store.put_chunk(conn, sha256, seq, data)
            seq += 1
        if seq == 0:  # empty content: one empty chunk, so `has` finds it
            await store.put_chunk(conn, sha256, 0, b"")

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        seq = 0
        while True:
            async with connection(self.db) as conn:
                data = await store.chunk(conn, sha256, seq)
            if data is None:
                return
            if data:
                yield data
            seq += 1

    async def delete(self, conn: Connection, sha256: str) -> None:
        await store.delete_content(conn, sha256)


class S3Storage:
    """Content in an S3-compatible store (AWS, MinIO, Ceph) as one object per digest under the
    prefix; written by multipart upload in S3_PART_BYTES parts, read as a stream."""

    name = "s3"

    def __init__(self, settings: Settings) -> None:
        if not settings.s3_bucket:
            raise RuntimeError("HELPDESK_S3_BUCKET must be set for the s3 attachment storage")
        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix
        secret = settings.s3_secret_access_key
        self._client_args: dict[str, Any] = {
            "region_name": settings.s3_region,
            "endpoint_url": settings.s3_endpoint_url,
            "aws_access_key_id": settings.s3_access_key_id,
            "aws_secret_access_key": secret.get_secret_value() if secret else None,
            "config": Config(retries={"max_attempts": 3, "mode": "standard"}),
        }

    def _client(self) -> AbstractAsyncContextManager[Any]:
        return get_session().create_client("s3", **self._client_args)

    def key(self, sha256: str) -> str:
        return f"{self.prefix}{sha256}"

    async def has(self, conn: Connection, sha256: str) -> bool:
        async with self._client() as s3:
            try:
                await s3.head_object(Bucket=self.bucket, Key=self.key(sha256))
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return False
                raise
        return True

    async def put(self, conn: Connection, sha256: str, chunks: AsyncIterator[bytes]) -> None:
        key = self.key(sha256)
        async with self._client() as s3:
            parts = _rechunked(chunks, S3_PART_BYTES)
            first = await anext(parts, b"")
            second = await anext(parts, None)
            if second is None:  # one part: a plain PUT
                await s3.put_object(Bucket=self.bucket, Key=key, Body=first)
                return
            upload = await s3.create_multipart_upload(Bucket=self.bucket, Key=key)
            upload_id = upload["UploadId"]
            done: list[dict[str, Any]] = []
            try:
                number = 1
                for data in (first, second):
                    done.append(await _part(s3, self.bucket, key, upload_id, number, data))
                    number += 1
                async for data in parts:
                    done.append(await _part(s3, self.bucket, key, upload_id, number, data))
                    number += 1
                await s3.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": done},
                )
            except BaseException:
                await s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
                raise

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        async with self._client() as s3:
            found = await s3.get_object(Bucket=self.bucket, Key=self.key(sha256))
            async with found["Body"] as body:
                async for data in body.iter_chunks(CHUNK_BYTES):
                    yield data

    async def delete(self, conn: Connection, sha256: str) -> None:
        async with self._client() as s3:
            await s3.delete_object(Bucket=self.bucket, Key=self.key(sha256))


async def _part(
    s3: Any, bucket: str, key: str, upload_id: str, number: int, data: bytes
) -> dict[str, Any]:
    sent = await s3.upload_part(
        Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
    )
    return {"ETag": sent["ETag"], "PartNumber": number}


async def _rechunked(chunks: AsyncIterator[bytes], size: int) -> AsyncIterator[bytes]:
    """The same bytes in pieces of exactly `size` (the last one shorter)."""
    pending = bytearray()
    async for data in chunks:
        pending += data
        while len(pending) >= size:
            yield bytes(pending[:size])
            del pending[:size]
    if pending:
        yield bytes(pending)


BACKENDS: dict[str, Callable[[Database, Settings], Storage]] = {
    "postgres": lambda db, settings: PostgresStorage(db),
    "s3": lambda db, settings: S3Storage(settings),
}


def backend(name: str, db: Database, settings: Settings) -> Storage:
    """The backend called `name` (what an attachment's `storage` column says)."""
    return BACKENDS[name](db, settings)
