"""Database errors become the service's error family here, and only here."""

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import asyncpg

from app.errors import Conflict, HelpdeskError, ServiceUnavailable, UnprocessableEntity

log = logging.getLogger("helpdesk.db")

# The database is gone or going (restart, failover, shutdown, recovery, too many clients): the
# request may be retried in a moment. asyncpg fails the first operation on a connection the server
# ended between requests with InternalClientError (its protocol is out of step).
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,  # no free connection of the pool in time
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.ReadOnlySQLTransactionError,  # a replica promoted away under us
)
RETRY_AFTER_SECONDS = 2


class DuplicateKey(Conflict):
    """A unique constraint refused a row (`constraint` names it)."""

    def __init__(self, detail: str, constraint: str | None) -> None:
        super().__init__(detail)
        self.constraint = constraint


class Busy(Conflict):
    """A row this request must change is locked by another for longer than the lock timeout."""

    type, title = "busy", "Resource busy"


class Unavailable(ServiceUnavailable):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, retry_after=RETRY_AFTER_SECONDS)


def translate(exc: BaseException) -> HelpdeskError | None:
    """The error family's member for a database error; None for anything else."""
    if isinstance(exc, asyncpg.UniqueViolationError):
        return DuplicateKey(
            f"a record with these values already exists ({exc.constraint_name})",
            exc.constraint_name,
        )
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return UnprocessableEntity(f"a referenced record does not exist ({exc.constraint_name})")
    if isinstance(exc, asyncpg.CheckViolationError | asyncpg.NotNullViolationError):
        return UnprocessableEntity(f"a value is out of range ({exc.constraint_name or exc})")
    if isinstance(exc, asyncpg.LockNotAvailableError):
        return Busy(
            "another request is changing this record right now; retry in a moment",
            retry_after=1,
        )
    if isinstance(exc, asyncpg.SerializationError | asyncpg.DeadlockDetectedError):
        return Conflict("a concurrent change got in the way; retry the request", retry_after=1)
    if isinstance(exc, asyncpg.QueryCanceledError):
        return Unavailable("the database took too long to answer; retry in a moment")
    if isinstance(exc, asyncpg.DataError) or (
        isinstance(exc, asyncpg.InterfaceError) and isinstance(exc, ValueError)
    ):
        # The server's class 22 (a date out of range, a number too large) or a value the
        # client could not encode: the input is at fault, not the database.
        return UnprocessableEntity(f"a value cannot be stored: {exc}")
    if isinstance(exc, UNAVAILABLE):
        log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
        return Unavailable("the database is unreachable; retry in a moment")
    return None


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Database errors raised inside leave as HelpdeskErrors (the cause chained)."""
    try:
        yield
    except HelpdeskError:
        raise
    except Exception as exc:
        mapped = translate(exc)
        if mapped is None:
            raise
        raise mapped from exc
