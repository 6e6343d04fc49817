"""The plain records behind tickets: customers, teams (service centres) and agents.

They share one shape of use case — create, read, list by id, update with If-Match — so one set of
functions serves all three; what differs (uniqueness, references) is passed in."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from app.errors import Conflict, NotFound, PreconditionFailed, UnprocessableEntity
from app.models import Agent, Customer, Team, Ticket
from app.schemas import AgentOut, CustomerOut, Page, TeamOut
from app.services import pagination

M = TypeVar("M", bound=SQLModel)

LABELS = {Customer: "customer", Team: "team", Agent: "agent", Ticket: "ticket"}

Kind = Literal["customer", "team", "agent"]
RESOURCES: dict[str, tuple[type[SQLModel], type[BaseModel]]] = {
    "customer": (Customer, CustomerOut),
    "team": (Team, TeamOut),
    "agent": (Agent, AgentOut),
}


def unique_violation(exc: IntegrityError) -> str | None:
    """The name of the unique constraint `exc` violated, if that is what it is."""
    orig = getattr(exc.orig, "__cause__", None) or exc.orig
    if getattr(orig, "sqlstate", None) == "23505":
        return getattr(orig, "constraint_name", None) or "unique"
    return None


async def ensure_exists(
    db: AsyncSession, model: type[SQLModel], ident: int | None, field: str
) -> None:
    """A body that names another record: it must exist, else 422 naming the field."""
    if ident is None:
        return
    if await db.scalar(select(model.id).where(model.id == ident)) is None:  # type: ignore[attr-defined]
        raise UnprocessableEntity(
            f"{LABELS.get(model, model.__name__.lower())} {ident} does not exist",
            errors=[{"field": field, "message": "unknown id"}],
        )


async def get(db: AsyncSession, model: type[M], ident: int, *, for_update: bool = False) -> M:
    row = await db.get(model, ident, with_for_update=for_update, populate_existing=for_update)
    if row is None:
        raise NotFound(f"{LABELS.get(model, 'record')} {ident} does not exist")
    return row


async def create(db: AsyncSession, kind: Kind, data: BaseModel, *, now: datetime) -> Any:
    model, out = RESOURCES[kind]
    async with db.begin():
        await _check_references(db, data.model_dump(exclude_unset=True))
        row = model(**data.model_dump(), created_at=now, updated_at=now, version=1)
        db.add(row)
        await _flush_unique(db, model)
    return out.model_validate(row, from_attributes=True)


async def read(db: AsyncSession, kind: Kind, ident: int) -> Any:
    model, out = RESOURCES[kind]
    async with db.begin():
        return out.model_validate(await get(db, model, ident), from_attributes=True)


async def update(
    db: AsyncSession,
    kind: Kind,
    ident: int,
    data: BaseModel,
    *,
    expected_version: int,
    now: datetime,
) -> Any:
    model, out = RESOURCES[kind]
    changes = data.model_dump(exclude_unset=True)
    async with db.begin():
        row: Any = await get(db, model, ident, for_update=True)
        if row.version != expected_version:
            raise PreconditionFailed(
                f"{LABELS[model]} {ident} is at version {row.version}, not {expected_version}: "
                "fetch it again and reapply your change"
            )
        await _check_references(db, changes)
        for field, value in changes.items():
            setattr(row, field, value)
        if changes:
            row.version += 1
            row.updated_at = now
        await _flush_unique(db, model)
    return out.model_validate(row, from_attributes=True)


async def listing(
    db: AsyncSession,
    kind: Kind,
    *,
    filters: dict[str, Any],
    limit: int,
    cursor: str | None,
) -> Page[Any]:
    """Records in id order after the cursor; `filters` are column = value, None meaning any."""
    model, out = RESOURCES[kind]
    id_col: Any = model.id  # type: ignore[attr-defined]
    where: list[ColumnElement[bool]] = [
        _matches(getattr(model, name), value)
        for name, value in filters.items()
        if value is not None
    ]
    stmt = select(model).where(*where)
    name = model.__tablename__  # type: ignore[attr-defined]
    if cursor:
        (last,) = pagination.decode_cursor(cursor, name, [int])
        stmt = stmt.where(id_col > last)
    async with db.begin():
        rows: Sequence[Any] = (await db.scalars(stmt.order_by(id_col).limit(limit + 1))).all()
    items = [out.model_validate(r, from_attributes=True) for r in rows[:limit]]
    nxt = pagination.encode_cursor(name, [rows[limit - 1].id]) if len(rows) > limit else None
    return Page(items=items, next_cursor=nxt)


def _matches(column: Any, value: Any) -> ColumnElement[bool]:
    if isinstance(value, str) and column.key in ("email",):
        return func.lower(column) == value.lower()
    return column == value


async def _check_references(db: AsyncSession, values: dict[str, Any]) -> None:
    if "team_id" in values:
        await ensure_exists(db, Team, values["team_id"], "team_id")


async def _flush_unique(db: AsyncSession, model: type[SQLModel]) -> None:
    try:
        await db.flush()
    except IntegrityError as exc:
        if unique_violation(exc):
            field = "name" if model is Team else "email"
            raise Conflict(
                f"another {LABELS[model]} already has this {field}", field=field
            ) from None
        raise
