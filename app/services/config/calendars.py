"""Business calendars: the working hours and holidays SLA targets are counted in."""

from datetime import datetime

from app.db import connection, transaction
from app.domain.access import Principal
from app.domain.calendar import CalendarError
from app.errors import Conflict, NotFound, UnprocessableEntity
from app.schemas import CalendarCreate, CalendarOut, Page
from app.schemas.sla import CalendarListQuery
from app.services import if_match, policies
from app.services.config import recompute
from app.services.context import Desk
from app.services.idempotency import Written
from app.store import config as store
from app.store.config import CalendarRow, NewCalendar


def calendar_out(row: CalendarRow) -> CalendarOut:
    return CalendarOut(
        id=row.id,
        name=row.name,
        time_zone=row.zone,
        hours=row.hours,  # type: ignore[arg-type]
        holidays=row.holidays,  # type: ignore[arg-type]
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _new(data: CalendarCreate, now: datetime) -> NewCalendar:
    """The calendar to store; 422 naming `hours` when it describes no usable calendar."""
    new = NewCalendar(
        name=data.name,
        zone=data.time_zone,
        hours=[h.model_dump(mode="json") for h in data.hours],
        holidays=[h.model_dump(mode="json") for h in data.holidays],
    )
    # Checked as the policy book will read it back, so a stored calendar always loads.
    as_stored = CalendarRow(
        id=0,
        name=new.name,
        zone=new.zone,
        hours=new.hours,
        holidays=new.holidays,
        created_at=now,
        updated_at=now,
        version=0,
    )
    try:
        policies.calendar_of(as_stored)
    except CalendarError as exc:
        raise UnprocessableEntity(
            f"hours: {exc}", errors=[{"field": "hours", "message": str(exc)}]
        ) from None
    return new


def _name_taken() -> Conflict:
    return Conflict("another calendar already has this name", field="name")


async def create_calendar(
    desk: Desk, data: CalendarCreate, *, actor: Principal, now: datetime
) -> Written[CalendarOut]:
    """A new calendar. No ticket's clocks move: no policy uses it yet."""
    new = _new(data, now)
    async with transaction(desk.db) as conn:
        row = await store.insert_calendar(conn, new, now)
        if row is None:
            raise _name_taken()
    desk.policies.forget()
    return Written(calendar_out(row))


async def list_calendars(desk: Desk, query: CalendarListQuery) -> Page[CalendarOut]:
    """Calendars in id order."""
    async with connection(desk.db) as conn:
        rows, next_cursor = await store.calendar_page(conn, cursor=query.cursor, limit=query.limit)
    return Page(items=[calendar_out(r) for r in rows], next_cursor=next_cursor)


async def read_calendar(desk: Desk, calendar_id: int) -> CalendarOut:
    async with connection(desk.db) as conn:
        row = await store.calendar(conn, calendar_id)
    if row is None:
        raise NotFound(f"calendar {calendar_id} does not exist")
    return calendar_out(row)


async def replace_calendar(
    desk: Desk,
    calendar_id: int,
    data: CalendarCreate,
    *,
    expected_version: int,
    actor: Principal,
    now: datetime,
) -> CalendarOut:
    """Replace a calendar, then move the due times of every live ticket whose policy counts
    in it (see `recompute.live_tickets`: in batches, after the change has committed)."""
    new = _new(data, now)
    async with transaction(desk.db) as conn:
        current = await store.calendar(conn, calendar_id, lock=True)
        if current is None:
            raise NotFound(f"calendar {calendar_id} does not exist")
        if_match.check(f"calendar {calendar_id}", current.version, expected_version)
        row = await store.replace_calendar(conn, calendar_id, new, now)
        if row is None:
            raise _name_taken()
    desk.policies.forget()
    await recompute.live_tickets(
        desk, because=f"calendar '{row.name}' changed", actor=actor, now=now
    )
    return calendar_out(row)
