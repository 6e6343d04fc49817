"""Sample schedules: a recurring fair sample. Each period is drawn when it ends, by a timer about
the schedule, exactly as a sample drawn on request; the firing then arms the next period's."""

import secrets
from datetime import date, datetime

from app.db import Connection, connection, transaction
from app.domain import qa as rules
from app.domain.access import Principal
from app.errors import NotFound
from app.schemas.qa import ScheduleCreate, ScheduleOut
from app.services import idempotency, timers
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.qa.assignments import draw, midnight, period_of, sample_visibility
from app.services.qa.scorecards import current
from app.store.qa import schedules as store
from app.store.qa.samples import sees_sample
from app.store.qa.schedules import ScheduleRow
from app.store.timers import Claimed


def _run_at(row: ScheduleRow) -> datetime:
    """When the schedule's next period is drawn: the midnight (UTC) that ends it."""
    return midnight(period_of(row.period, row.next_period_start)[1])


def out(row: ScheduleRow) -> ScheduleOut:
    return ScheduleOut(
        id=row.id,
        period=row.period,  # type: ignore[arg-type]
        per_agent=row.per_agent,
        filters=row.filters,
        scorecard_id=row.scorecard_id,
        seed=row.seed,
        next_starts_on=row.next_period_start,
        next_run_at=None if row.stopped_at is not None else _run_at(row),
        stopped_at=row.stopped_at,
        created_at=row.created_at,
    )


async def _visible(
    conn: Connection, schedule_id: int, caller: Principal, *, lock: bool = False
) -> ScheduleRow:
    row = await store.get_schedule(conn, schedule_id, lock=lock)
    if row is None or not sees_sample(sample_visibility(caller), row):
        raise NotFound(f"sample schedule {schedule_id} does not exist")
    return row


async def create(
    desk: Desk,
    data: ScheduleCreate,
    *,
    actor: Principal,
    now: datetime,
    idempotency_key: str | None,
) -> Written[ScheduleOut]:
    """Store the schedule and arm the timer that draws its first period when it ends."""
    first, _ = period_of(data.period, data.starts_on or now.date())

    async def work(conn: Connection) -> Written[ScheduleOut]:
        if data.scorecard_id is not None:
            await current(conn, data.scorecard_id, now)  # 404 naming the field when unknown
        row = await store.insert_schedule(
            conn,
            period=data.period,
            per_agent=data.per_agent,
            filters={
                "team_id": data.team_id,
                "channel": data.channel,
                "category": data.category,
                "min_interactions": data.min_interactions,
            },
            scorecard_id=data.scorecard_id,
            seed=data.seed if data.seed is not None else secrets.randbits(63),
            next_period_start=first,
            key_id=actor.key_id or None,
            now=now,
        )
        await _arm(conn, desk, row, now)
        return Written(out(row))

    return await idempotency.run(
        desk, actor, idempotency_key, "qa.schedules.create", data, work, now=now
    )


async def _arm(conn: Connection, desk: Desk, row: ScheduleRow, now: datetime) -> None:
    await timers.schedule_subject(
        conn,
        timers.QA_SAMPLE_SCHEDULE,
        row.id,
        _run_at(row),
        now=now,
        wake_within=desk.settings.worker_max_sleep_seconds,
    )


async def get(desk: Desk, schedule_id: int, *, caller: Principal) -> ScheduleOut:
    async with connection(desk.db) as conn:
        return out(await _visible(conn, schedule_id, caller))


async def stop(desk: Desk, schedule_id: int, *, actor: Principal, now: datetime) -> None:
    """Draw no more periods: the pending timer is taken back; the samples drawn stay."""
    async with transaction(desk.db) as conn:
        row = await _visible(conn, schedule_id, actor, lock=True)
        await store.stop(conn, row.id, now)
        await timers.cancel_subject(conn, timers.QA_SAMPLE_SCHEDULE, row.id)


async def draw_due(conn: Connection, claimed: list[Claimed], now: datetime, desk: Desk) -> int:
    """The timer handler: each schedule's period that has ended is drawn, once. The schedule's
    row lock and its next period (advanced in the same transaction) make a second firing for the
    same period (a duplicate timer, a replica) draw nothing; the unique sample per schedule and
    period is the last guard. Each firing draws one period and arms the next, so a worker that
    was down catches up one period per firing."""
    drawn = 0
    for timer in claimed:
        assert timer.subject_id is not None
        row = await store.get_schedule(conn, timer.subject_id, lock=True)
        if row is None or row.stopped_at is not None:
            continue
        start: date = row.next_period_start
        if _run_at(row) > now:  # this period is not over: a stale timer; the right one stays armed
            await _arm(conn, desk, row, now)
            continue
        made = await draw(
            conn,
            period=row.period,
            starts_on=start,
            per_agent=row.per_agent,
            filters=row.filters,
            seed=rules.period_seed(row.seed, start),
            key_id=row.created_by_key_id,
            now=now,
            schedule_id=row.id,
        )
        drawn += made is not None
        _, after = period_of(row.period, start)
        await store.advance(conn, row.id, after)
        advanced = await store.get_schedule(conn, row.id)
        assert advanced is not None
        await _arm(conn, desk, advanced, now)
    return drawn
