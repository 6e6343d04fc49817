"""Admin configuration of SLAs: business calendars, SLA policies and the priority matrix.

A change to any of them recomputes the clocks of every live ticket it may affect, from each
ticket's history, in the same transaction."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import in_transaction
from app.domain.calendar import CalendarError
from app.domain.lifecycle import ACTIVE
from app.domain.priority import PRIORITIES, MatrixError, validate_matrix
from app.errors import Conflict, NotFound, PreconditionFailed, UnprocessableEntity
from app.models import BusinessCalendarRow, Customer, PriorityMatrixRow, SlaPolicy, Ticket
from app.schemas import (
    CalendarCreate,
    CalendarOut,
    PriorityMatrixIn,
    PriorityMatrixOut,
    SlaPolicyCreate,
    SlaPolicyOut,
)
from app.services import records
from app.services import sla as sla_service

MINUTE = 60


def _invalid(field: str, message: str) -> UnprocessableEntity:
    return UnprocessableEntity(f"{field}: {message}", errors=[{"field": field, "message": message}])


def _stale(what: str, current: int, expected: int) -> PreconditionFailed:
    return PreconditionFailed(
        f"{what} is at version {current}, not {expected}: fetch it again and reapply your change"
    )


# ---- calendars -------------------------------------------------------------------------------


def calendar_out(row: BusinessCalendarRow) -> CalendarOut:
    return CalendarOut(
        id=row.id,  # type: ignore[arg-type]
        name=row.name,
        time_zone=row.zone,
        hours=row.hours,  # type: ignore[arg-type]
        holidays=row.holidays,  # type: ignore[arg-type]
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _calendar_values(data: CalendarCreate) -> dict[str, Any]:
    values = {
        "name": data.name,
        "zone": data.time_zone,
        "hours": [h.model_dump(mode="json") for h in data.hours],
        "holidays": [h.model_dump(mode="json") for h in data.holidays],
    }
    try:
        sla_service.calendar_from_row(BusinessCalendarRow(**values))
    except CalendarError as exc:
        raise _invalid("hours", str(exc)) from None
    return values


async def create_calendar(db: AsyncSession, data: CalendarCreate, *, now: datetime) -> CalendarOut:
    values = _calendar_values(data)
    async with db.begin():
        row = BusinessCalendarRow(**values, created_at=now, updated_at=now, version=1)
        db.add(row)
        await _flush_named(db, "calendar")
    return calendar_out(row)


async def list_calendars(db: AsyncSession) -> list[CalendarOut]:
    async with db.begin():
        rows = (
            await db.scalars(select(BusinessCalendarRow).order_by(BusinessCalendarRow.id))
        ).all()
    return [calendar_out(r) for r in rows]


async def read_calendar(db: AsyncSession, calendar_id: int) -> CalendarOut:
    async with db.begin():
        return calendar_out(await _calendar(db, calendar_id))


async def replace_calendar(
    db: AsyncSession,
    calendar_id: int,
    data: CalendarCreate,
    *,
    expected_version: int,
    now: datetime,
) -> CalendarOut:
    values = _calendar_values(data)
    async with db.begin():
        row = await _calendar(db, calendar_id, for_update=True)
        if row.version != expected_version:
            raise _stale(f"calendar {calendar_id}", row.version, expected_version)
        for k, v in values.items():
            setattr(row, k, v)
        row.version += 1
        row.updated_at = now
        await _flush_named(db, "calendar")
        await recompute_live_tickets(db, now)
    return calendar_out(row)


async def _calendar(
    db: AsyncSession, calendar_id: int, for_update: bool = False
) -> BusinessCalendarRow:
    row = await db.get(
        BusinessCalendarRow, calendar_id, with_for_update=for_update, populate_existing=True
    )
    if row is None:
        raise NotFound(f"calendar {calendar_id} does not exist")
    return row


# ---- SLA policies ----------------------------------------------------------------------------


def policy_out(row: SlaPolicy) -> SlaPolicyOut:
    return SlaPolicyOut(
        id=row.id,  # type: ignore[arg-type]
        name=row.name,
        position=row.position,
        is_default=row.is_default,
        conditions=row.conditions,  # type: ignore[arg-type]
        targets={
            p: {  # type: ignore[misc]
                "first_response_minutes": t["first_response"] // MINUTE,
                "next_update_minutes": t["next_update"] // MINUTE,
                "resolution_minutes": t["resolution"] // MINUTE,
            }
            for p, t in row.targets.items()
        },
        calendar_id=row.calendar_id,
        pause_statuses=row.pause_statuses,
        warning_percent=row.warning_percent,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


async def _policy_values(db: AsyncSession, data: SlaPolicyCreate) -> dict[str, Any]:
    missing = [p for p in PRIORITIES if p not in data.targets]
    if missing:
        raise _invalid(
            "targets", f"a target for every priority is needed; missing {', '.join(missing)}"
        )
    await records.ensure_exists(db, BusinessCalendarRow, data.calendar_id, "calendar_id")
    return {
        "name": data.name,
        "position": data.position,
        "conditions": data.conditions.model_dump(mode="json"),
        "targets": {
            p: {
                "first_response": t.first_response_minutes * MINUTE,
                "next_update": t.next_update_minutes * MINUTE,
                "resolution": t.resolution_minutes * MINUTE,
            }
            for p, t in data.targets.items()
        },
        "calendar_id": data.calendar_id,
        "pause_statuses": sorted(set(data.pause_statuses)),
        "warning_percent": data.warning_percent,
    }


async def create_policy(db: AsyncSession, data: SlaPolicyCreate, *, now: datetime) -> SlaPolicyOut:
    async with db.begin():
        values = await _policy_values(db, data)
        row = SlaPolicy(**values, is_default=False, created_at=now, updated_at=now, version=1)
        db.add(row)
        await _flush_named(db, "SLA policy")
        await recompute_live_tickets(db, now)
    return policy_out(row)


async def list_policies(db: AsyncSession) -> list[SlaPolicyOut]:
    async with db.begin():
        rows = (
            await db.scalars(
                select(SlaPolicy).order_by(SlaPolicy.is_default, SlaPolicy.position, SlaPolicy.id)
            )
        ).all()
    return [policy_out(r) for r in rows]


async def read_policy(db: AsyncSession, policy_id: int) -> SlaPolicyOut:
    async with db.begin():
        return policy_out(await _policy(db, policy_id))


async def replace_policy(
    db: AsyncSession, policy_id: int, data: SlaPolicyCreate, *, expected_version: int, now: datetime
) -> SlaPolicyOut:
    async with db.begin():
        row = await _policy(db, policy_id, for_update=True)
        if row.version != expected_version:
            raise _stale(f"SLA policy {policy_id}", row.version, expected_version)
        values = await _policy_values(db, data)
        if row.is_default and any(values["conditions"].values()):
            raise _invalid(
                "conditions", "the default policy applies to every ticket: no conditions"
            )
        for k, v in values.items():
            setattr(row, k, v)
        row.version += 1
        row.updated_at = now
        await _flush_named(db, "SLA policy")
        await recompute_live_tickets(db, now)
    return policy_out(row)


async def _policy(db: AsyncSession, policy_id: int, for_update: bool = False) -> SlaPolicy:
    row = await db.get(SlaPolicy, policy_id, with_for_update=for_update, populate_existing=True)
    if row is None:
        raise NotFound(f"SLA policy {policy_id} does not exist")
    return row


# ---- the priority matrix ---------------------------------------------------------------------


async def load_matrix(conn: asyncpg.Connection) -> dict[str, dict[str, str]]:
    return await conn.fetchval("SELECT cells FROM priority_matrix WHERE id = 1")  # type: ignore[no-any-return]


# ---- the configuration a ticket write works with -------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    book: sla_service.PolicyBook
    matrix: dict[str, dict[str, str]]


_REVISION = "SELECT revision FROM config_revision"


class _WriteCache:
    """The policy book and matrix for ticket writes, reloaded whenever the stored revision moves.

    Every change to calendars, policies or the matrix bumps `config_revision` in its own
    transaction (a trigger, migration 0004), so a writer that reads the new revision also reads
    the new configuration: a write never uses a configuration older than one it could see.
    Only ticket writes use it; a transaction that changes the configuration loads it directly,
    so nothing it has not committed is ever cached."""

    def __init__(self) -> None:
        self.revision: int | None = None
        self.snapshot: Snapshot | None = None

    async def get(self, conn: asyncpg.Connection, revision: int | None = None) -> Snapshot:
        if revision is None:
            revision = await conn.fetchval(_REVISION)
        if self.snapshot is not None and revision is not None and revision == self.revision:
            return self.snapshot
        snapshot = Snapshot(await sla_service.load_book(conn), await load_matrix(conn))
        if revision is not None:
            self.revision, self.snapshot = revision, snapshot
        return snapshot


WRITE_CONFIG = _WriteCache()


async def for_writing(conn: asyncpg.Connection, *, revision: int | None = None) -> Snapshot:
    """The configuration for a ticket write, on the write's connection; `revision`, if the
    caller has already read it in this transaction, saves reading it again."""
    return await WRITE_CONFIG.get(conn, revision)


async def read_matrix(db: AsyncSession) -> PriorityMatrixOut:
    async with db.begin():
        row = await db.get(PriorityMatrixRow, 1, populate_existing=True)
    return PriorityMatrixOut.model_validate(row, from_attributes=True)


async def replace_matrix(
    db: AsyncSession, data: PriorityMatrixIn, *, expected_version: int, now: datetime
) -> PriorityMatrixOut:
    try:
        cells = validate_matrix(data.cells)
    except MatrixError as exc:
        raise _invalid("cells", str(exc)) from None
    async with db.begin():
        row = await db.get(PriorityMatrixRow, 1, with_for_update=True, populate_existing=True)
        assert row is not None
        if row.version != expected_version:
            raise _stale("the priority matrix", row.version, expected_version)
        row.cells = cells
        row.version += 1
        row.updated_at = now
        # Existing tickets keep their priority: a matrix edit applies to tickets created or
        # re-triaged (impact/urgency/type edited) from now on.
    return PriorityMatrixOut.model_validate(row, from_attributes=True)


# ---- shared ----------------------------------------------------------------------------------


async def recompute_live_tickets(db: AsyncSession, now: datetime) -> int:
    """Re-derive the clocks of every ticket whose clocks can still move (not resolved/closed).

    Resolved tickets keep the due times they ended with; they are recomputed on reopen."""

    sla_service.forget_cached_book()
    await db.flush()  # the book is read in SQL: it must see this transaction's changes
    book = await sla_service.load_book(await in_transaction(db))
    stmt = (
        select(Ticket, Customer.organization)
        .outerjoin(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.status.in_(sorted(ACTIVE)))  # type: ignore[attr-defined]
        .order_by(Ticket.id)
        .with_for_update(of=Ticket)
    )
    count = 0
    for ticket, organization in (await db.execute(stmt)).all():
        await sla_service.apply(db, ticket, book, now, organization=organization)
        count += 1
    return count


async def _flush_named(db: AsyncSession, what: str) -> None:
    try:
        await db.flush()
    except IntegrityError as exc:
        if records.unique_violation(exc):
            raise Conflict(f"another {what} already has this name", field="name") from None
        raise
