"""SLA configuration: business calendars, SLA policies, the priority matrix and the revision
counter every change to them moves (a trigger, migration 0004)."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page


@dataclass(frozen=True, slots=True)
class CalendarRow:
    id: int
    name: str
    zone: str
    hours: list[dict[str, Any]]
    holidays: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class PolicyRow:
    id: int
    name: str
    position: int
    is_default: bool
    conditions: dict[str, Any]
    targets: dict[str, dict[str, int]]
    calendar_id: int
    pause_statuses: list[str]
    warning_percent: int
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class MatrixRow:
    cells: dict[str, dict[str, str]]
    updated_at: datetime
    version: int


CALENDAR_COLUMNS = "id, name, zone, hours, holidays, created_at, updated_at, version"
POLICY_COLUMNS = (
    "id, name, position, is_default, conditions, targets, calendar_id, pause_statuses,"
    " warning_percent, created_at, updated_at, version"
)
_CALENDARS = f"SELECT {CALENDAR_COLUMNS} FROM calendars ORDER BY id"
# The order policies are tried in: by position, the default one last.
_POLICIES = f"SELECT {POLICY_COLUMNS} FROM sla_policies ORDER BY is_default, position, id"
_MATRIX = "SELECT cells, updated_at, version FROM priority_matrix WHERE id = 1"
_REVISION = "SELECT revision FROM config_revision"


async def calendars(conn: asyncpg.Connection) -> list[CalendarRow]:
    return [CalendarRow(**r) for r in await conn.fetch(_CALENDARS)]


async def policies(conn: asyncpg.Connection) -> list[PolicyRow]:
    """Every policy in the order they are tried: the policy book, unpaged."""
    return [PolicyRow(**r) for r in await conn.fetch(_POLICIES)]


CALENDAR_LISTING = Order("calendars", (KeyColumn("id", int),))
# Pages follow the order policies are tried in, as `policies` does.
POLICY_LISTING = Order(
    "sla-policies",
    (KeyColumn("is_default", bool), KeyColumn("position", int), KeyColumn("id", int)),
)
_CALENDAR_FIELDS = tuple(f.name for f in fields(CalendarRow))
_POLICY_FIELDS = tuple(f.name for f in fields(PolicyRow))


async def calendar_page(
    conn: asyncpg.Connection, *, cursor: str | None, limit: int
) -> tuple[list[CalendarRow], str | None]:
    """Calendars in id order after `cursor`."""
    records, next_cursor = await fetch_page(
        conn,
        columns=CALENDAR_COLUMNS,
        source="calendars",
        where=[],
        params=Params(),
        order=CALENDAR_LISTING,
        cursor=cursor,
        limit=limit,
    )
    # A page's records carry its key columns too: take the calendar's own.
    return [
        CalendarRow(**{name: r[name] for name in _CALENDAR_FIELDS}) for r in records
    ], next_cursor


async def policy_page(
    conn: asyncpg.Connection, *, cursor: str | None, limit: int
) -> tuple[list[PolicyRow], str | None]:
    """Policies in the order they are tried (the default one last), after `cursor`."""
    records, next_cursor = await fetch_page(
        conn,
        columns=POLICY_COLUMNS,
        source="sla_policies",
        where=[],
        params=Params(),
        order=POLICY_LISTING,
        cursor=cursor,
        limit=limit,
    )
    return [PolicyRow(**{name: r[name] for name in _POLICY_FIELDS}) for r in records], next_cursor


async def matrix(conn: asyncpg.Connection) -> MatrixRow:
    return MatrixRow(**await conn.fetchrow(_MATRIX))


async def revision(conn: asyncpg.Connection) -> int | None:
    value: int | None = await conn.fetchval(_REVISION)
    return value


# ---- writes (the admin's configuration changes) -----------------------------------------------


@dataclass(frozen=True, slots=True)
class NewCalendar:
    """What a calendar create or replace writes."""

    name: str
    zone: str
    hours: list[dict[str, Any]]
    holidays: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class NewPolicy:
    """What a policy create or replace writes (a new policy is never the default one)."""

    name: str
    position: int
    conditions: dict[str, Any]
    targets: dict[str, dict[str, int]]
    calendar_id: int
    pause_statuses: list[str]
    warning_percent: int


_CALENDAR = f"SELECT {CALENDAR_COLUMNS} FROM calendars WHERE id = $1"
_CALENDAR_EXISTS = "SELECT EXISTS (SELECT 1 FROM calendars WHERE id = $1)"
# A taken name inserts nothing: the caller answers 409 naming the field.
_INSERT_CALENDAR = f"""
    INSERT INTO calendars (name, zone, hours, holidays, created_at, updated_at, version)
    VALUES ($1, $2, $3, $4, $5, $5, 1)
    ON CONFLICT (name) DO NOTHING
    RETURNING {CALENDAR_COLUMNS}
"""
# A name another calendar has changes nothing (no row returned); the caller has locked the row,
# so no row means the name is taken. A rename racing a create of the same name is left to the
# unique constraint.
_REPLACE_CALENDAR = f"""
    UPDATE calendars SET name = $2, zone = $3, hours = $4, holidays = $5, updated_at = $6,
        version = version + 1
    WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM calendars WHERE name = $2 AND id <> $1)
    RETURNING {CALENDAR_COLUMNS}
"""

_POLICY = f"SELECT {POLICY_COLUMNS} FROM sla_policies WHERE id = $1"
_INSERT_POLICY = f"""
    INSERT INTO sla_policies (name, position, is_default, conditions, targets, calendar_id,
        pause_statuses, warning_percent, created_at, updated_at, version)
    VALUES ($1, $2, false, $3, $4, $5, $6, $7, $8, $8, 1)
    ON CONFLICT (name) DO NOTHING
    RETURNING {POLICY_COLUMNS}
"""
_REPLACE_POLICY = f"""
    UPDATE sla_policies SET name = $2, position = $3, conditions = $4, targets = $5,
        calendar_id = $6, pause_statuses = $7, warning_percent = $8, updated_at = $9,
        version = version + 1
    WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM sla_policies WHERE name = $2 AND id <> $1)
    RETURNING {POLICY_COLUMNS}
"""

_REPLACE_MATRIX = """
    UPDATE priority_matrix SET cells = $1, updated_at = $2, version = version + 1
    WHERE id = 1
    RETURNING cells, updated_at, version
"""


async def calendar(
    conn: asyncpg.Connection, calendar_id: int, *, lock: bool = False
) -> CalendarRow | None:
    """One calendar; `lock`: for the rest of the transaction (a replace)."""
    found = await conn.fetchrow(_CALENDAR + (" FOR UPDATE" if lock else ""), calendar_id)
    return None if found is None else CalendarRow(**found)


async def calendar_exists(conn: asyncpg.Connection, calendar_id: int) -> bool:
    return bool(await conn.fetchval(_CALENDAR_EXISTS, calendar_id))


async def insert_calendar(
    conn: asyncpg.Connection, new: NewCalendar, now: datetime
) -> CalendarRow | None:
    """The new calendar; None when another has its name."""
    found = await conn.fetchrow(_INSERT_CALENDAR, new.name, new.zone, new.hours, new.holidays, now)
    return None if found is None else CalendarRow(**found)


async def replace_calendar(
    conn: asyncpg.Connection, calendar_id: int, new: NewCalendar, now: datetime
) -> CalendarRow | None:
    """The calendar as replaced, one version on; None when another has the new name."""
    found = await conn.fetchrow(
        _REPLACE_CALENDAR, calendar_id, new.name, new.zone, new.hours, new.holidays, now
    )
    return None if found is None else CalendarRow(**found)


async def policy(
    conn: asyncpg.Connection, policy_id: int, *, lock: bool = False
) -> PolicyRow | None:
    """One SLA policy; `lock`: for the rest of the transaction (a replace)."""
    found = await conn.fetchrow(_POLICY + (" FOR UPDATE" if lock else ""), policy_id)
    return None if found is None else PolicyRow(**found)


def _policy_values(new: NewPolicy) -> tuple[Any, ...]:
    return (
        new.name,
        new.position,
        new.conditions,
        new.targets,
        new.calendar_id,
        new.pause_statuses,
        new.warning_percent,
    )


async def insert_policy(
    conn: asyncpg.Connection, new: NewPolicy, now: datetime
) -> PolicyRow | None:
    """The new policy; None when another has its name."""
    found = await conn.fetchrow(_INSERT_POLICY, *_policy_values(new), now)
    return None if found is None else PolicyRow(**found)


async def replace_policy(
    conn: asyncpg.Connection, policy_id: int, new: NewPolicy, now: datetime
) -> PolicyRow | None:
    """The policy as replaced, one version on; None when another has the new name."""
    found = await conn.fetchrow(_REPLACE_POLICY, policy_id, *_policy_values(new), now)
    return None if found is None else PolicyRow(**found)


async def lock_matrix(conn: asyncpg.Connection) -> MatrixRow:
    """The matrix, locked for the rest of the transaction (a replace)."""
    return MatrixRow(**await conn.fetchrow(_MATRIX + " FOR UPDATE"))


async def replace_matrix(
    conn: asyncpg.Connection, cells: dict[str, dict[str, str]], now: datetime
) -> MatrixRow:
    return MatrixRow(**await conn.fetchrow(_REPLACE_MATRIX, cells, now))
