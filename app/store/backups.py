"""Backups: a snapshot held open for pg_dump, the census (rows and checksum) of every table, the
record of backups taken, and the scratch databases a verification restores into."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True, slots=True)
class TableCensus:
    rows: int
    checksum: str


@dataclass(frozen=True, slots=True)
class BackupRow:
    id: int
    taken_at: datetime
    file: str
    bytes: int
    sha256: str
    schema_revision: str | None
    tables: dict[str, Any]
    verified_at: datetime | None


_COLUMNS = "id, taken_at, file, bytes, sha256, schema_revision, tables, verified_at"

_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
# Anything of the database's own in its public schema (tables, views, sequences): an empty
# database has none. What an extension installs is not the database's data.
_RELATIONS = """
    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.objid = c.oid AND d.deptype = 'e')
"""
# The sum of every row's hash: the same rows give the same sum in any order, on any copy.
_CENSUS = """
    SELECT count(*) AS rows,
           coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric), 0)::text
               AS checksum
    FROM {table} t
"""
_REVISION = """
    SELECT CASE WHEN to_regclass('alembic_version') IS NULL THEN NULL
                ELSE (SELECT version_num FROM alembic_version) END
"""
_RECORD = f"""
    INSERT INTO backups (taken_at, file, bytes, sha256, schema_revision, tables)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}
"""
_LAST = f"SELECT {_COLUMNS} FROM backups ORDER BY taken_at DESC, id DESC LIMIT 1"
_VERIFIED = "UPDATE backups SET verified_at = $2 WHERE sha256 = $1"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextlib.asynccontextmanager
async def exported_snapshot(conn: asyncpg.Connection) -> AsyncIterator[str]:
    """A repeatable-read transaction on `conn`, held open (without the pool's idle and
    statement limits) while the block runs; yields its snapshot's id for `pg_dump
    --snapshot`, so the dump and whatever the block counts see the same moment."""
    await conn.execute("SET idle_in_transaction_session_timeout = 0; SET statement_timeout = 0")
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        yield await conn.fetchval("SELECT pg_export_snapshot()")


async def census(conn: asyncpg.Connection) -> dict[str, TableCensus]:
    """Rows and checksum of every table of the public schema."""
    found = {}
    for record in await conn.fetch(_TABLES):
        name = record["tablename"]
        r = await conn.fetchrow(_CENSUS.format(table=_quoted(name)))
        found[name] = TableCensus(r["rows"], r["checksum"])
    return found


async def is_empty(conn: asyncpg.Connection) -> bool:
    return await conn.fetchval(_RELATIONS) == 0


async def schema_revision(conn: asyncpg.Connection) -> str | None:
    revision: str | None = await conn.fetchval(_REVISION)
    return revision


async def record(
    conn: asyncpg.Connection,
    *,
    taken_at: datetime,
    file: str,
    size: int,
    sha256: str,
    schema_revision: str | None,
    tables: dict[str, Any],
) -> BackupRow:
    return BackupRow(
        **await conn.fetchrow(_RECORD, taken_at, file, size, sha256, schema_revision, tables)
    )


async def last(conn: asyncpg.Connection) -> BackupRow | None:
    found = await conn.fetchrow(_LAST)
    return None if found is None else BackupRow(**found)


async def mark_verified(conn: asyncpg.Connection, sha256: str, at: datetime) -> int:
    """Note that the backup with this checksum was restored and matched; how many rows."""
    return int((await conn.execute(_VERIFIED, sha256, at)).split()[-1])


async def create_database(conn: asyncpg.Connection, name: str) -> None:
    await conn.execute(f"CREATE DATABASE {_quoted(name)}")


async def drop_database(conn: asyncpg.Connection, name: str) -> None:
    await conn.execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
