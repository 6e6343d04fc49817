"""Fair samples: N resolved tickets per agent of one period, drawn uniformly at random with a
stored seed from a recorded population; a ticket is sampled at most once per period."""

import secrets
from datetime import UTC, date, datetime, time, timedelta

from app.db import transaction
from app.domain import qa as rules
from app.domain.access import Principal
from app.errors import NotFound
from app.schemas.qa import AssignmentCreate, AssignmentItemOut, AssignmentOut
from app.services.desk import Desk
from app.services.idempotency import Written
from app.store.qa import samples as store
from app.store.qa.samples import AssignmentItemRow, AssignmentRow, PopulationFilters


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


def _midnight(day: date) -> datetime:
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
    )


async def create(
    desk: Desk, data: AssignmentCreate, *, actor: Principal, now: datetime
) -> Written[AssignmentOut]:
    """Draw the sample. The same request with the same seed returns the sample it drew (200);
    a new draw in a period leaves out the tickets sampled in it already."""
    starts_on, ends_on = period_of(data.period, data.starts_on)
    filters = {
        "team_id": data.team_id,
        "channel": data.channel,
        "category": data.category,
        "min_interactions": data.min_interactions,
    }
    async with transaction(desk.db) as conn:
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
        population = await store.population(
            conn,
            PopulationFilters(
                start=_midnight(starts_on),
                end=_midnight(ends_on),
                period=data.period,
                period_start=starts_on,
                team_id=data.team_id,
                channel=data.channel,
                category=data.category,
                min_interactions=data.min_interactions,
            ),
        )
        drawn = rules.draw_sample(population, data.per_agent, seed)
        row = await store.insert_assignment(
            conn,
            period=data.period,
            period_start=starts_on,
            period_end=ends_on,
            per_agent=data.per_agent,
            filters=filters,
            seed=seed,
            population={str(agent): ids for agent, ids in sorted(population.items())},
            drawn=drawn,
            key_id=actor.key_id or None,
            now=now,
        )
        items = await store.assignment_items(conn, row.id)
    return Written(out(row, items))


async def get(desk: Desk, assignment_id: int) -> AssignmentOut:
    async with transaction(desk.db) as conn:
        row = await store.get_assignment(conn, assignment_id)
        if row is None:
            raise NotFound(f"assignment {assignment_id} does not exist")
        return out(row, await store.assignment_items(conn, row.id))
