"""What the deadline workers report about themselves, and the lag monitoring should watch."""

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Timer, WorkerReplica
from app.schemas import WorkerReplicaOut, WorkerStatus

SEEN_WITHIN = timedelta(minutes=2)


async def heartbeat(db: AsyncSession, replica: WorkerReplica) -> None:
    values = replica.model_dump()
    async with db.begin():
        await db.execute(
            insert(WorkerReplica)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[WorkerReplica.id],
                set_={
                    k: values[k]
                    for k in ("last_seen_at", "last_cycle_ms", "fired_total", "fired_last_minute")
                },
            )
        )


async def forget(db: AsyncSession, replica_id: str) -> None:
    async with db.begin():
        await db.execute(delete(WorkerReplica).where(WorkerReplica.id == replica_id))


async def status(db: AsyncSession, now: datetime) -> WorkerStatus:
    pending = Timer.fired_at.is_(None)  # type: ignore[union-attr]
    async with db.begin():
        replicas = (
            await db.scalars(
                select(WorkerReplica)
                .where(WorkerReplica.last_seen_at >= now - SEEN_WITHIN)
                .order_by(WorkerReplica.started_at)
            )
        ).all()
        timers_pending = await db.scalar(select(func.count()).select_from(Timer).where(pending))
        overdue, oldest = (
            await db.execute(
                select(func.count(), func.min(Timer.due_at)).where(pending, Timer.due_at <= now)
            )
        ).one()
    return WorkerStatus(
        replicas=[WorkerReplicaOut.model_validate(r, from_attributes=True) for r in replicas],
        timers_pending=timers_pending or 0,
        timers_overdue=overdue,
        oldest_overdue_seconds=(now - oldest).total_seconds() if oldest else 0.0,
        last_cycle_ms=max((r.last_cycle_ms for r in replicas), default=None),
        fired_last_minute=sum(r.fired_last_minute for r in replicas),
    )
