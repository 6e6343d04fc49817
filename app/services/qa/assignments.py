"""Fair samples: N resolved tickets per agent of one period, drawn uniformly at random with a
stored seed from a recorded population; a ticket is sampled at most once per period."""

import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.db import Connection, connection
from app.domain import qa as rules
from app.domain.access import Principal
from app.errors import NotFound
from app.schemas import Page
from app.schemas.qa import AssignmentCreate, AssignmentItemOut, AssignmentListQuery, AssignmentOut
from app.services import idempotency
from app.services.context import Desk
from app.services.idempotency import Written
from app.store.qa import samples as store
from app.store.qa.samples import (
    AssignmentItemRow,
    AssignmentRow,
    PopulationFilters,
    SampleFilters,
    SampleVisibility,
)


def sample_visibility(caller: Principal) -> SampleVisibility:
    """Whose samples `caller` reads: an admin all; anyone else those they drew (with this key or
    one it rotated), and a supervisor also those drawn for their teams."""
    if caller.role == "admin":
        return SampleVisibility(everything=True)
    own = caller.lineage or frozenset({caller.key_id})
    teams = caller.team_ids if caller.role == "supervisor" else frozenset()
    return SampleVisibility(key_ids=own, team_ids=teams)


def period_of(period: str, day: date) -> tuple[date, date]:
    """The period (`day`, its ISO week from Monday, or its month) that holds `day`: its first
    day and the day after it (the last day representable, at the end of the calendar)."""
    if period == "week":
        first = day - timedelta(days=day.weekday())
    elif period == "month":
        first = day.replace(day=1)
    else:
        first = day
    try:
        if period == "day":
            after = first + timedelta(days=1)
        elif period == "week":
            after = first + timedelta(days=7)
        else:
            after = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    except OverflowError:
        after = date.max
    return first, after


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def out(row: AssignmentRow, items: list[AssignmentItemRow]) -> AssignmentOut:
    return AssignmentOut(
        id=row.id,
        period=row.period,  # type: ignore[arg-type]
        starts_on=row.period_start,
        ends_on=row.period_end,
        per_agent=row.per_agent,
        filters=row.filters,
        seed=row.seed,
        population=row.population,
        items=[
            AssignmentItemOut(ticket_id=i.ticket_id, agent_id=i.agent_id, reviewed=i.reviewed)
            for i in items
        ],
        created_at=row.created_at,
        schedule_id=row.schedule_id,
    )


async def draw(
    conn: Connection,
    *,
    period: str,
    starts_on: date,
    per_agent: int,
    filters: dict[str, Any],
    seed: int,
    key_id: int | None,
    now: datetime,
    schedule_id: int | None = None,
) -> AssignmentRow | None:
    """Draw and keep the sample of the period that starts on `starts_on`: per agent, `per_agent`
    of the tickets resolved in it that match `filters` and no sample of the period holds yet.
    None when `schedule_id` drew this period already."""
    _, ends_on = period_of(period, starts_on)
    population = await store.population(
        conn,
        PopulationFilters(
            start=midnight(starts_on),
            end=midnight(ends_on),
            period=period,
            period_start=starts_on,
            team_id=filters["team_id"],
            channel=filters["channel"],
            category=filters["category"],
            min_interactions=filters["min_interactions"],
        ),
    )
    return await store.insert_assignment(
        conn,
        period=period,
        period_start=starts_on,
        period_end=ends_on,
        per_agent=per_agent,
        filters=filters,
        seed=seed,
        population={str(agent): ids for agent, ids in sorted(population.items())},
        drawn=rules.draw_sample(population, per_agent, seed),
        key_id=key_id,
        now=now,
        schedule_id=schedule_id,
    )


async def create(
    desk: Desk,
    data: AssignmentCreate,
    *,
    actor: Principal,
    now: datetime,
    idempotency_key: str | None,
) -> Written[AssignmentOut]:
    """Draw the sample. The same request with the same seed returns the sample it drew (200);
    a new draw in a period leaves out the tickets sampled in it already."""
    starts_on, _ = period_of(data.period, data.starts_on)
    filters = {
        "team_id": data.team_id,
        "channel": data.channel,
        "category": data.category,
        "min_interactions": data.min_interactions,
    }

    async def work(conn: Connection) -> Written[AssignmentOut]:
        if data.seed is not None:
            same = await store.same_assignment(
                conn,
                period=data.period,
                period_start=starts_on,
                per_agent=data.per_agent,
                filters=filters,
                seed=data.seed,
            )
            if same is not None:
                return Written(
                    out(same, await store.assignment_items(conn, same.id)), created=False
                )
        seed = data.seed if data.seed is not None else secrets.randbits(63)
        row = await draw(
            conn,
            period=data.period,
            starts_on=starts_on,
            per_agent=data.per_agent,
            filters=filters,
            seed=seed,
            key_id=actor.key_id or None,
            now=now,
        )
        assert row is not None  # only a schedule's draw can find its period drawn
        return Written(out(row, await store.assignment_items(conn, row.id)))

    return await idempotency.run(
        desk, actor, idempotency_key, "qa.assignments.create", data, work, now=now
    )


async def get(desk: Desk, assignment_id: int, *, caller: Principal) -> AssignmentOut:
    async with connection(desk.db) as conn:
        row = await store.get_assignment(conn, assignment_id)
        if row is None or not store.sees_sample(sample_visibility(caller), row):
            raise NotFound(f"assignment {assignment_id} does not exist")
        return out(row, await store.assignment_items(conn, row.id))


async def list_assignments(
    desk: Desk, query: AssignmentListQuery, *, caller: Principal
) -> Page[AssignmentOut]:
    """The samples the caller reads, newest first."""
    filters = SampleFilters(
        period=query.period,
        team_id=query.team_id,
        schedule_id=query.schedule_id,
        starts_from=query.starts_from,
        starts_before=query.starts_before,
    )
    async with connection(desk.db) as conn:
        rows, next_cursor = await store.page_assignments(
            conn, filters, sample_visibility(caller), limit=query.limit, cursor=query.cursor
        )
        items = await store.items_of(conn, [r.id for r in rows])
    return Page[AssignmentOut](items=[out(r, items[r.id]) for r in rows], next_cursor=next_cursor)
